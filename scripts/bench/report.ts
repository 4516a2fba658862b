/** Scenario results, medians over repetitions, and the printed table. */
import * as hdr from 'hdr-histogram-js';

export interface Latency {
  count: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface ScenarioResult {
  scenario: string;
  rep: number;
  /** closed: fixed concurrency; open: fixed offered rate. */
  loop: 'closed' | 'open' | 'stream';
  offeredRate: number | null;
  concurrency: number;
  windowMs: number;
  ops: number;
  errors: number;
  throughput: number;
  latency: Latency;
  errorCodes: Record<string, number>;
  errorSample: string;
  /** Ratio of throughput to the ceiling of the same repetition. */
  ratioToCeiling: number | null;
  serverCpuMs: number;
  /** % of one core. */
  serverCpuPct: number;
  serverCpuMsPerOp: number;
  /** The server's threads by role, % of one core (null when its pid is unknown). */
  serverThreadsPct: { main: number; runtime: number; other: number; mainWait: number; runtimeWait: number; otherWait: number } | null;
  /** The server's GC pauses that began in the window (null when the bench did not start the server: --target). */
  gcPauses: GcPauses | null;
  /** The runtime thread's synced LevelDB batch writes that began in the window (null likewise). */
  syncedWrites: SyncedWrites | null;
  gatewayCpuPct: number;
  /** Per generator process, % of one core. */
  generatorCpuPct: number[];
  /** Per generator process, event-loop utilization 0..1. */
  generatorElu: number[];
  /** Per generator process, its event loop's longest delay in the window, ms (WorkerResult.loopDelayMaxMs). */
  generatorLoopDelayMaxMs: number[];
  watcherCpuPct: number | null;
  /** Machine busy, % of one core (capacity = cpus × 100). */
  machineBusyPct: number;
  /** Busy CPU not accounted to the benchmark's own processes (other tenants, the kernel). */
  otherCpuPct: number;
  warnings: string[];
  settle?: SettleExtra;
  watch?: WatchExtra;
}

/** Garbage-collection pauses of one server thread (scripts/bench/gc-probe.cjs). */
export interface GcThreadPauses {
  count: number;
  totalMs: number;
  maxMs: number;
  /** Pauses of 10 ms or more. */
  over10: number;
  /** Event-loop stalls of 10 ms or more, whatever their cause (a pause, a long task, no CPU), and the longest. */
  stalls: number;
  stallMaxMs: number;
}

export interface GcPauses {
  main: GcThreadPauses;
  runtime: GcThreadPauses;
}

/**
 * The synced batch writes of the runtime thread (scripts/bench/gc-probe.cjs):
 * from the call to the completion the thread saw, so a durable ack waits at
 * least this long. Their durations' quantiles are exact (sorted).
 */
export interface SyncedWrites {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Writes of 10 ms or more. */
  over10: number;
}

export function syncedWrites(ms: number[]): SyncedWrites {
  const sorted = [...ms].sort((a, b) => a - b);
  const q = (f: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(f * sorted.length) - 1)]! : NaN);
  return { count: sorted.length, p50Ms: q(0.5), p99Ms: q(0.99), maxMs: sorted.length ? sorted[sorted.length - 1]! : NaN, over10: sorted.filter((x) => x >= 10).length };
}

export interface SettleExtra {
  merchants: number;
  ordersPrepared: number;
  /** CompleteOrder calls answered OK (warm-up and window). */
  completions: number;
  /** ReceiveRepayment calls that reached the lender for this pass. */
  repaymentCalls: number;
  /** ReceiveCoverageAlert + ReceiveFinancingClosed calls during the pass. */
  otherLenderCalls: number;
  /** Coalescing: ReceiveRepayment calls per repaid order, over the repayments delivered. */
  repaymentCallsPerRepaidOrder: number;
  /** All lender calls of the pass per completion; NaN while repayments are still undelivered. */
  lenderCallsPerCompletion: number;
  ordersRepaid: number;
  undelivered: number;
  deliveryWaitMs: number;
  /** ReceiveRepayment calls per second while the bench waited after the load. */
  deliveryCallsPerSecond: number;
  /** Lender arrival − the client's OK answer, delivered repayments only. */
  delivery: Latency;
  conflicts: number;
}

export interface WatchExtra {
  watchers: number;
  merchants: number;
  eventsExpected: number;
  eventsReceived: number;
  eventsPerSecond: number;
  gaps: number;
  streamErrors: Record<string, number>;
  fanout: Latency;
}

export function latencyOf(h: hdr.Histogram): Latency {
  const ms = (us: number) => Math.round(us) / 1000;
  return {
    count: h.totalCount,
    p50Ms: ms(h.getValueAtPercentile(50)),
    p90Ms: ms(h.getValueAtPercentile(90)),
    p99Ms: ms(h.getValueAtPercentile(99)),
    maxMs: ms(h.maxValue),
  };
}

export function mergeHistograms(encoded: string[]): hdr.Histogram {
  const total = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });
  for (const e of encoded) {
    const h = hdr.decodeFromCompressedBase64(e);
    total.add(h);
    h.destroy();
  }
  return total;
}

export function median(xs: number[]): number {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

export interface Summary {
  scenario: string;
  reps: number;
  loop: ScenarioResult['loop'];
  throughput: Stat;
  ratioToCeiling: Stat;
  p50Ms: Stat;
  p99Ms: Stat;
  serverCpuMsPerOp: Stat;
  serverCpuPct: Stat;
  serverThreadsPct: { main: Stat; runtime: Stat; other: Stat; mainWait: Stat; runtimeWait: Stat; otherWait: Stat } | null;
  /** Per thread: the longest pause, the pauses' total as % of the window, and the pauses of 10 ms or more. */
  gcPauses: {
    mainMaxMs: Stat; runtimeMaxMs: Stat; mainPct: Stat; runtimePct: Stat; mainOver10: Stat; runtimeOver10: Stat;
    mainStalls: Stat; runtimeStalls: Stat; mainStallMaxMs: Stat; runtimeStallMaxMs: Stat;
  } | null;
  /** The synced writes: per second of the window, their p50, p99 and longest, and those of 10 ms or more. */
  syncedWrites: { perSecond: Stat; p50Ms: Stat; p99Ms: Stat; maxMs: Stat; over10: Stat } | null;
  generatorCpuPctMax: Stat;
  /** The generators' longest event-loop delay in the window (the busiest process), ms. */
  generatorLoopDelayMaxMs: Stat;
  machineBusyPct: Stat;
  otherCpuPct: Stat;
  errors: number;
  settle?: {
    repaymentCallsPerRepaidOrder: Stat; lenderCallsPerCompletion: Stat; deliveryP50Ms: Stat; deliveryP99Ms: Stat;
    deliveryCallsPerSecond: Stat; undelivered: number; completions: number;
  };
  watch?: { fanoutP50Ms: Stat; fanoutP99Ms: Stat; eventsPerSecond: Stat; lost: number; gaps: number };
}

export interface Stat {
  median: number;
  min: number;
  max: number;
  /** (max − min) / median, in %. */
  spreadPct: number;
}

function stat(xs: number[]): Stat {
  const v = xs.filter((x) => Number.isFinite(x));
  const med = median(v);
  const min = v.length ? Math.min(...v) : NaN;
  const max = v.length ? Math.max(...v) : NaN;
  return { median: med, min, max, spreadPct: med ? ((max - min) / med) * 100 : NaN };
}

export function summarize(results: ScenarioResult[]): Summary[] {
  const order: string[] = [];
  for (const r of results) if (!order.includes(r.scenario)) order.push(r.scenario);
  return order.map((name) => {
    const rs = results.filter((r) => r.scenario === name);
    const s: Summary = {
      scenario: name,
      reps: rs.length,
      loop: rs[0]!.loop,
      throughput: stat(rs.map((r) => r.throughput)),
      ratioToCeiling: stat(rs.map((r) => r.ratioToCeiling ?? NaN)),
      p50Ms: stat(rs.map((r) => r.latency.p50Ms)),
      p99Ms: stat(rs.map((r) => r.latency.p99Ms)),
      serverCpuMsPerOp: stat(rs.map((r) => r.serverCpuMsPerOp)),
      serverCpuPct: stat(rs.map((r) => r.serverCpuPct)),
      serverThreadsPct: rs.every((r) => r.serverThreadsPct) ? {
        main: stat(rs.map((r) => r.serverThreadsPct!.main)),
        runtime: stat(rs.map((r) => r.serverThreadsPct!.runtime)),
        other: stat(rs.map((r) => r.serverThreadsPct!.other)),
        mainWait: stat(rs.map((r) => r.serverThreadsPct!.mainWait)),
        runtimeWait: stat(rs.map((r) => r.serverThreadsPct!.runtimeWait)),
        otherWait: stat(rs.map((r) => r.serverThreadsPct!.otherWait)),
      } : null,
      gcPauses: rs.every((r) => r.gcPauses) ? {
        mainMaxMs: stat(rs.map((r) => r.gcPauses!.main.maxMs)),
        runtimeMaxMs: stat(rs.map((r) => r.gcPauses!.runtime.maxMs)),
        mainPct: stat(rs.map((r) => (r.gcPauses!.main.totalMs / r.windowMs) * 100)),
        runtimePct: stat(rs.map((r) => (r.gcPauses!.runtime.totalMs / r.windowMs) * 100)),
        mainOver10: stat(rs.map((r) => r.gcPauses!.main.over10)),
        runtimeOver10: stat(rs.map((r) => r.gcPauses!.runtime.over10)),
        mainStalls: stat(rs.map((r) => r.gcPauses!.main.stalls)),
        runtimeStalls: stat(rs.map((r) => r.gcPauses!.runtime.stalls)),
        mainStallMaxMs: stat(rs.map((r) => r.gcPauses!.main.stallMaxMs)),
        runtimeStallMaxMs: stat(rs.map((r) => r.gcPauses!.runtime.stallMaxMs)),
      } : null,
      syncedWrites: rs.every((r) => r.syncedWrites) ? {
        perSecond: stat(rs.map((r) => r.syncedWrites!.count / (r.windowMs / 1000))),
        p50Ms: stat(rs.map((r) => r.syncedWrites!.p50Ms)),
        p99Ms: stat(rs.map((r) => r.syncedWrites!.p99Ms)),
        maxMs: stat(rs.map((r) => r.syncedWrites!.maxMs)),
        over10: stat(rs.map((r) => r.syncedWrites!.over10)),
      } : null,
      generatorCpuPctMax: stat(rs.map((r) => Math.max(...r.generatorCpuPct))),
      generatorLoopDelayMaxMs: stat(rs.map((r) => Math.max(...r.generatorLoopDelayMaxMs))),
      machineBusyPct: stat(rs.map((r) => r.machineBusyPct)),
      otherCpuPct: stat(rs.map((r) => r.otherCpuPct)),
      errors: rs.reduce((n, r) => n + r.errors, 0),
    };
    const settles = rs.filter((r) => r.settle).map((r) => r.settle!);
    if (settles.length) {
      s.settle = {
        repaymentCallsPerRepaidOrder: stat(settles.map((x) => x.repaymentCallsPerRepaidOrder)),
        lenderCallsPerCompletion: stat(settles.map((x) => x.lenderCallsPerCompletion)),
        deliveryP50Ms: stat(settles.map((x) => x.delivery.p50Ms)),
        deliveryP99Ms: stat(settles.map((x) => x.delivery.p99Ms)),
        deliveryCallsPerSecond: stat(settles.map((x) => x.deliveryCallsPerSecond)),
        undelivered: settles.reduce((n, x) => n + x.undelivered, 0),
        completions: settles.reduce((n, x) => n + x.completions, 0),
      };
    }
    const watches = rs.filter((r) => r.watch).map((r) => r.watch!);
    if (watches.length) {
      s.watch = {
        fanoutP50Ms: stat(watches.map((x) => x.fanout.p50Ms)),
        fanoutP99Ms: stat(watches.map((x) => x.fanout.p99Ms)),
        eventsPerSecond: stat(watches.map((x) => x.eventsPerSecond)),
        lost: watches.reduce((n, x) => n + Math.max(0, x.eventsExpected - x.eventsReceived), 0),
        gaps: watches.reduce((n, x) => n + x.gaps, 0),
      };
    }
    return s;
  });
}

const fmtNum = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '—');
const fmtMs = (n: number) => (!Number.isFinite(n) ? '—' : n >= 100 ? fmtNum(n, 0) : n >= 10 ? fmtNum(n, 1) : fmtNum(n, 2));

function cell(s: Stat, f: (n: number) => string, withSpread: boolean): string {
  if (!withSpread || s.min === s.max || !Number.isFinite(s.min)) return f(s.median);
  return `${f(s.median)} (${f(s.min)}–${f(s.max)})`;
}

/** Columns padded to their widest cell (the first left-aligned), a rule under the first row. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r, n) => {
    const line = r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
    return n === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
  }).join('\n');
}

export function renderSummary(sums: Summary[], cpus: number): string {
  const many = sums.some((s) => s.reps > 1);
  const rows: string[][] = [[
    'scenario', 'ops/s', 'x ceiling', 'p50 ms', 'p99 ms', 'srv CPU ms/op', 'srv CPU %', 'gen CPU % (max proc)', `machine busy % (of ${cpus * 100})`, 'other procs %', 'errors',
  ]];
  for (const s of sums) {
    rows.push([
      s.scenario,
      cell(s.throughput, (n) => fmtNum(n), many),
      cell(s.ratioToCeiling, (n) => fmtNum(n, 2), many),
      cell(s.p50Ms, fmtMs, many),
      cell(s.p99Ms, fmtMs, many),
      cell(s.serverCpuMsPerOp, (n) => fmtNum(n, 3), many),
      cell(s.serverCpuPct, (n) => fmtNum(n), false),
      cell(s.generatorCpuPctMax, (n) => fmtNum(n), false),
      cell(s.machineBusyPct, (n) => fmtNum(n), false),
      cell(s.otherCpuPct, (n) => fmtNum(n), false),
      String(s.errors),
    ]);
  }
  const lines = [table(rows)];
  const threads = sums.filter((s) => s.serverThreadsPct);
  if (threads.length) {
    lines.push('', table([['server threads, % of one core', 'gRPC (main)', 'runtime', 'other (GC helpers, LevelDB, libuv)', 'waiting for a CPU: gRPC / runtime / other'],
      ...threads.map((s) => {
        const t = s.serverThreadsPct!;
        return [s.scenario, fmtNum(t.main.median), fmtNum(t.runtime.median), fmtNum(t.other.median),
          `${fmtNum(t.mainWait.median)} / ${fmtNum(t.runtimeWait.median)} / ${fmtNum(t.otherWait.median)}`];
      })]), '');
  }
  const gc = sums.filter((s) => s.gcPauses);
  if (gc.length) {
    lines.push(table([['GC pauses in the window', 'longest ms: gRPC / runtime', 'all pauses, % of the window: gRPC / runtime', 'pauses >= 10 ms: gRPC / runtime',
      'event-loop stalls >= 10 ms, any cause: gRPC / runtime (longest ms)'],
      ...gc.map((s) => {
        const g = s.gcPauses!;
        return [s.scenario, `${fmtNum(g.mainMaxMs.median)} / ${fmtNum(g.runtimeMaxMs.median)}`,
          `${fmtNum(g.mainPct.median, 1)} / ${fmtNum(g.runtimePct.median, 1)}`, `${fmtNum(g.mainOver10.median)} / ${fmtNum(g.runtimeOver10.median)}`,
          `${fmtNum(g.mainStalls.median)} (${fmtNum(g.mainStallMaxMs.median)}) / ${fmtNum(g.runtimeStalls.median)} (${fmtNum(g.runtimeStallMaxMs.median)})`];
      })]), '');
  }
  const writes = sums.filter((s) => s.syncedWrites && s.syncedWrites.perSecond.median > 0);
  if (writes.length) {
    lines.push(table([['synced writes in the window', 'per s', 'p50 ms', 'p99 ms', 'longest ms', '>= 10 ms'],
      ...writes.map((s) => {
        const w = s.syncedWrites!;
        return [s.scenario, fmtNum(w.perSecond.median), fmtNum(w.p50Ms.median, 2), fmtNum(w.p99Ms.median, 1), fmtNum(w.maxMs.median), fmtNum(w.over10.median)];
      })]), '');
  }
  for (const s of sums) {
    if (s.settle) {
      const st = s.settle;
      lines.push(`${s.scenario}: ReceiveRepayment calls per repaid order ${cell(st.repaymentCallsPerRepaidOrder, (n) => fmtNum(n, 3), many)}`
        + (st.undelivered ? '' : `, all lender calls per completed pooled order ${cell(st.lenderCallsPerCompletion, (n) => fmtNum(n, 3), many)}`)
        + `; repayment delivery delay p50 ${cell(st.deliveryP50Ms, fmtMs, many)} ms, p99 ${cell(st.deliveryP99Ms, fmtMs, many)} ms`
        + (st.undelivered
          ? ` (delivered ones only: ${st.undelivered} of ${st.completions} still undelivered when the wait ended; lane drained at ${cell(st.deliveryCallsPerSecond, (n) => fmtNum(n), many)} calls/s)`
          : ''));
    }
    if (s.loop === 'open') {
      lines.push(`${s.scenario}: the load generators' longest event-loop stall in the window ${cell(s.generatorLoopDelayMaxMs, fmtMs, many)} ms`
        + ' (a call due during one is sent late, and its latency counts from when it was due)');
    }
    if (s.watch) {
      lines.push(`${s.scenario}: fan-out delay p50 ${cell(s.watch.fanoutP50Ms, fmtMs, many)} ms, p99 ${cell(s.watch.fanoutP99Ms, fmtMs, many)} ms;`
        + ` ${cell(s.watch.eventsPerSecond, (n) => fmtNum(n), many)} events/s delivered to watchers; lost ${s.watch.lost}, gaps ${s.watch.gaps}`);
    }
  }
  return lines.join('\n');
}
