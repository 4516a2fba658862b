/**
 * `npm run bench:tables [-- --rounds 3 --calls 300000]`: why the gRPC thread
 * keeps its HTTP/2 streams (src/api/http2-streams.ts) and its calls to the
 * runtime thread in an IntTable (src/runtime/int-table.ts) and not in a Map.
 *
 * Each run is a child process of its own. A long-lived table holds the calls
 * in flight (32, as a busy HTTP/2 session does): each call is set in it, and
 * deleted when a newer one comes, and each is a ~4 KB object graph, about
 * what node:http2 and grpc-js keep per call. After a warm-up the child forces
 * one full GC, as the first mark-compact under load does in the server (it
 * moves the live table to the old generation), then measures. It prints, per
 * 1,000 calls: what the scavenges promoted, the mark-compacts, and the
 * collector's pause; the Map and the IntTable alternate, side by side.
 *
 * With a Map every call is promoted after that full GC: V8 gives up the Map's
 * hash table every few dozen set/delete pairs, and the table it gives up still
 * points at its entries and at its successor. The IntTable clears what it
 * gives up, and promotes nothing.
 */
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { IntTable } from '../src/runtime/int-table';
import { promotedBy } from './bench/gc-stats';
import { table } from './bench/report';

const { values: argv } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    calls: { type: 'string', default: '300000' },
    child: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (argv.help) {
  process.stdout.write('npm run bench:tables -- [--rounds 3] [--calls 300000]\n  a Map against an IntTable holding 32 calls in flight, after a full GC; see the comment at the top of scripts/bench-tables.ts\n');
  process.exit(0);
}
const CALLS = Number(argv.calls);
const IN_FLIGHT = 32;

interface Result { mode: string; calls: number; promotedBytes: number; scavenges: number; majors: number; pauseUs: number }

type Table = { set(k: number, v: unknown): unknown; delete(k: number): boolean };

/** A call's objects: ~4 KB in ~100 small objects and strings. */
function call(id: number): object {
  const parts: object[] = [];
  for (let i = 0; i < 50; i++) parts.push({ i, name: `part-${id}-${i}` });
  return { id, parts };
}

/** Runs `n` calls through the table, yielding to the event loop between batches (so GCs come as in a server). */
function churn(t: Table, from: number, n: number): Promise<void> {
  return new Promise((resolve) => {
    let id = from;
    const end = from + n;
    const step = () => {
      for (let k = 0; k < 500 && id < end; k++, id++) {
        t.set(id, call(id));
        if (id - IN_FLIGHT >= 0) t.delete(id - IN_FLIGHT);
      }
      if (id < end) setImmediate(step);
      else resolve();
    };
    step();
  });
}

async function child(mode: string): Promise<void> {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const t: Table = mode === 'Map' ? new Map<number, unknown>() : new IntTable<unknown>();
  const warm = Math.floor(CALLS / 3);
  await churn(t, 0, warm);
  gc(); // as the first mark-compact under load: the live table moves to the old generation
  const profiler = new v8.GCProfiler();
  profiler.start();
  await churn(t, warm, CALLS);
  const stats = profiler.stop()?.statistics ?? [];
  const r: Result = { mode, calls: CALLS, promotedBytes: 0, scavenges: 0, majors: 0, pauseUs: 0 };
  for (const g of stats) {
    r.pauseUs += g.cost;
    if (g.gcType === 'Scavenge') {
      r.scavenges++;
      r.promotedBytes += promotedBy(g);
    } else if (g.gcType === 'MarkSweepCompact') {
      r.majors++;
    }
  }
  process.stdout.write(JSON.stringify(r));
}

function main(): void {
  const results: Result[] = [];
  for (let round = 0; round < Number(argv.rounds); round++) {
    for (const mode of ['Map', 'IntTable']) {
      const out = execFileSync(process.execPath, [...process.execArgv, __filename, '--child', mode, '--calls', String(CALLS)], { encoding: 'utf8' });
      results.push(JSON.parse(out) as Result);
    }
  }
  const per1k = (r: Result, x: number) => (x / r.calls) * 1000;
  const rows = [['table', 'calls', 'promoted KiB / 1k calls', 'scavenges / 1k', 'mark-compacts / 1k', 'GC pause ms / 1k']];
  for (const r of results) {
    rows.push([r.mode, String(r.calls), per1k(r, r.promotedBytes / 1024).toFixed(1), per1k(r, r.scavenges).toFixed(2), per1k(r, r.majors).toFixed(3), per1k(r, r.pauseUs / 1000).toFixed(2)]);
  }
  const sum = (mode: string, f: (r: Result) => number) => results.filter((r) => r.mode === mode).reduce((a, r) => a + f(r), 0);
  process.stdout.write(`bench:tables: ${IN_FLIGHT} calls in flight in a long-lived table, ${CALLS} calls per run after a full GC, node ${process.version}\n${table(rows)}\n`);
  const ratio = (f: (r: Result) => number) => (sum('Map', f) > 0 ? (sum('IntTable', f) / sum('Map', f)).toFixed(3) : 'n/a');
  process.stdout.write(`IntTable / Map: promoted ${ratio((r) => r.promotedBytes)}, GC pause ${ratio((r) => r.pauseUs)}\n`);
}

if (argv.child) void child(argv.child);
else main();
