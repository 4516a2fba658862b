/**
 * Runs a range of simulation seeds and prints one JSON line with the totals
 * and the failures: the worker behind test/simulation.test.ts (which splits
 * its seeds over one such process per core), also usable by hand:
 *
 *   npx tsx src/testing/sim/run-seeds.ts --first 1 --count 200 [--steps 100]
 */
import { addStats, emptyStats, runSeed, type SimResult, type SimStats } from './simulation';

export interface RangeResult {
  first: number;
  count: number;
  ran: number;
  ms: number;
  stats: SimStats;
  failures: Pick<SimResult, 'seed' | 'violations' | 'trace'>[];
}

/** Runs seeds first..first+count-1 in order; stops after `maxFailures` failing seeds. */
export async function runRange(first: number, count: number, steps?: number, maxFailures = 3): Promise<RangeResult> {
  const t0 = Date.now();
  const stats = emptyStats();
  const failures: RangeResult['failures'] = [];
  let ran = 0;
  for (let seed = first; seed < first + count && failures.length < maxFailures; seed++) {
    const r = await runSeed({ seed, steps });
    ran++;
    addStats(stats, r.stats);
    if (r.violations.length > 0) failures.push({ seed: r.seed, violations: r.violations, trace: r.trace });
  }
  return { first, count, ran, ms: Date.now() - t0, stats, failures };
}

if (require.main === module) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i === -1 ? undefined : process.argv[i + 1];
  };
  const first = Number(arg('first') ?? 1);
  const count = Number(arg('count') ?? 100);
  const steps = arg('steps') === undefined ? undefined : Number(arg('steps'));
  runRange(first, count, steps).then(
    (r) => {
      process.stdout.write(`${JSON.stringify(r)}\n`);
      process.exitCode = r.failures.length > 0 ? 1 : 0;
    },
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
      process.exitCode = 2;
    },
  );
}
