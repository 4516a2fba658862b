/**
 * `npm run bench [-- --quick] [options]`: starts orderpool (`src/main.ts`, as
 * `npm start` runs it) on a temporary data dir with a fake lender gateway,
 * drives it with raw HTTP/2 load-generator processes, and prints, side by
 * side in one run: ceiling (GetLender), record, record at half load, ingest
 * (StreamOrderEvents), watch (WatchMerchant fan-out under record load),
 * settle and settle at half load (CompleteOrder on pooled orders).
 * Method and figures: docs/benchmarks.md. JSON results go to .bench/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { freePort, SERVER_ARGS, serverEnv, stopChild } from '../src/testing/server-process';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import * as hdr from 'hdr-histogram-js';
import { connect, usd, type Clients } from '../src/testing/client';
import { forkTs, type Child } from './bench/ipc';
import { gitInfo } from './bench/git-info';
import { cpuCount, sample, type CpuSample } from './bench/procstat';
import {
  latencyOf, mergeHistograms, renderSummary, summarize, syncedWrites, type GcPauses, type GcThreadPauses, type SyncedWrites, type Latency, type ScenarioResult, type SettleExtra,
  type WatchExtra,
} from './bench/report';
import type { SourceSpec } from './bench/sources';
import { measureDisk, type DiskFloor } from './bench/disk';
import type { GatewayCounts, IngestJob, LoadJob, TrackReport, UnaryJob, WatchResult, Window, WorkerResult } from './bench/types';
import { PATHS } from './bench/wire';

const ROOT = path.resolve(__dirname, '..');
const ALL = ['ceiling', 'ceiling@50%', 'record', 'record@50%', 'ingest', 'watch', 'settle', 'settle@50%'] as const;
type ScenarioName = (typeof ALL)[number];

const { values: argv } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    reps: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    only: { type: 'string' },
    workers: { type: 'string', default: '2' },
    engine: { type: 'string', default: 'frames' },
    conns: { type: 'string', default: '4' },
    streams: { type: 'string', default: '32' },
    'ingest-streams': { type: 'string', default: '4' },
    'ingest-window': { type: 'string', default: '256' },
    'record-merchants': { type: 'string', default: '1000' },
    'settle-merchants': { type: 'string', default: '200' },
    'watch-merchants': { type: 'string', default: '25' },
    'watchers-per-merchant': { type: 'string', default: '4' },
    'delivery-wait': { type: 'string' },
    'half-of': { type: 'string' },
    'cpu-prof': { type: 'boolean', default: false },
    'node-options': { type: 'string', default: '' },
    'keep-data': { type: 'boolean', default: false },
    target: { type: 'string' },
    'server-pid': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
  allowPositionals: false,
});

if (argv.help) {
  process.stdout.write(`npm run bench -- [options]
  --quick                    ~2 s per scenario, one repetition (CI)
  --reps N                   repetitions (default 3; quick 1)
  --duration S --warmup S    measured seconds and warm-up seconds per scenario (default 10/2; quick 2/0.5)
  --only a,b                 scenarios among ${ALL.join(', ')}
  --workers N                load-generator processes (default 2)
  --engine frames|node       unary client: the bench's own HTTP/2 framing (default) or node:http2
  --conns N --streams N      HTTP/2 connections per process, calls in flight per connection (default 4 x 32)
  --ingest-streams N         StreamOrderEvents streams per process (default 4)
  --ingest-window N          events in flight per stream (default 256)
  --record-merchants N       merchants the record and ingest orders spread over (default 1000)
  --settle-merchants N       settling financings (default 200)
  --watch-merchants N        busy merchants watched (default 25)
  --watchers-per-merchant N  (default 4)
  --half-of record=N,settle=N  the @50% scenarios offer half of N calls/s instead of half of this run's
                             closed-loop throughput (A/B comparisons at one offered load; the closed-loop
                             scenario need not run); ceiling=N too, e.g. to offer GetLender record@50%'s load
  --delivery-wait S          how long to wait for repayments to reach the lender after settle (default 30; quick 3)
  --cpu-prof                 run the server with --cpu-prof (profiles in .bench/prof/)
  --node-options="..."       extra node flags for the server (e.g. --node-options="--trace-gc"; its output goes to .bench/server.log)
  --keep-data                keep the server's data dir
  --target HOST:PORT         drive an already running server (e.g. \`npm start\`) instead of starting one;
                             it gets lender L1 pointed at the bench's fake gateway
  --server-pid PID           with --target: the server's pid, for its CPU figures
`);
  process.exit(0);
}

const quick = argv.quick;
const num = (v: string | undefined, dflt: number) => (v === undefined ? dflt : Number(v));
const cfg = {
  quick,
  reps: num(argv.reps, quick ? 1 : 3),
  durationMs: num(argv.duration, quick ? 2 : 10) * 1000,
  warmupMs: num(argv.warmup, quick ? 0.5 : 2) * 1000,
  only: (argv.only ? argv.only.split(',').map((s) => s.trim()) : [...ALL]) as ScenarioName[],
  workers: Number(argv.workers),
  engine: argv.engine as 'frames' | 'node',
  conns: Number(argv.conns),
  streams: Number(argv.streams),
  ingestStreams: Number(argv['ingest-streams']),
  ingestWindow: Number(argv['ingest-window']),
  recordMerchants: Number(argv['record-merchants']),
  settleMerchants: Number(argv['settle-merchants']),
  watchMerchants: Number(argv['watch-merchants']),
  watchersPerMerchant: Number(argv['watchers-per-merchant']),
  deliveryWaitMs: num(argv['delivery-wait'], quick ? 3 : 30) * 1000,
  halfOf: parseHalfOf(argv['half-of']),
  cpuProf: argv['cpu-prof'],
  nodeOptions: (argv['node-options'] ?? '').split(/\s+/).filter(Boolean),
  keepData: argv['keep-data'],
  target: argv.target,
  serverPid: argv['server-pid'] ? Number(argv['server-pid']) : undefined,
};
function parseHalfOf(v: string | undefined): { ceiling?: number; record?: number; settle?: number } {
  const out: { ceiling?: number; record?: number; settle?: number } = {};
  for (const part of (v ?? '').split(',').filter(Boolean)) {
    const [name, n] = part.split('=');
    if ((name !== 'ceiling' && name !== 'record' && name !== 'settle') || !(Number(n) > 0)) throw new Error(`--half-of takes ceiling=N,record=N,settle=N; got ${part}`);
    out[name] = Number(n);
  }
  return out;
}
if (cfg.engine !== 'frames' && cfg.engine !== 'node') throw new Error('--engine is frames or node');
for (const s of cfg.only) if (!(ALL as readonly string[]).includes(s)) throw new Error(`unknown scenario ${s}; known: ${ALL.join(', ')}`);

const LENDER = 'L1';
const CPUS = cpuCount();
const OUT_DIR = path.join(ROOT, '.bench');
const log = (s: string) => process.stderr.write(`[bench] ${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------ processes

interface Env {
  target: string;
  /** The server's pid (-1 when unknown: --target without --server-pid). */
  serverPid: number;
  /** The server process when the bench started it. */
  server: ChildProcess | undefined;
  gateway: Child;
  gatewayTarget: string;
  workers: Child[];
  watcher: Child;
  api: Clients;
  dataDir: string;
  /** Servers started so far. */
  starts: number;
  /** Where the bench's own server writes its GC pauses (scripts/bench/gc-probe.cjs); none with --target. */
  gcFile: string | undefined;
}

const cleanups: (() => Promise<void> | void)[] = [];
let serverProc: ChildProcess | undefined;

async function startServer(gatewayTarget: string, dataDir: string, gcFile: string): Promise<{ proc: ChildProcess; target: string }> {
  const port = await freePort();
  const target = `127.0.0.1:${port}`;
  const logFile = path.join(OUT_DIR, 'server.log');
  const out = fs.openSync(logFile, 'a');
  fs.writeSync(out, `\n--- ${new Date().toISOString()} orderpool on ${target}, data ${dataDir}\n`);
  const execArgv = [...cfg.nodeOptions, ...(cfg.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', path.join(OUT_DIR, 'prof')] : []),
    '--require', path.join(__dirname, 'bench/gc-probe.cjs')];
  const proc = spawn(process.execPath, [...execArgv, ...SERVER_ARGS,
    '--listen', target, '--data-dir', dataDir, '--notifier', gatewayTarget, '--log-level', 'warn'], {
    cwd: ROOT, env: { ...serverEnv(), ORDERPOOL_BENCH_GC_FILE: gcFile }, stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  serverProc = proc;
  let exited = false;
  proc.on('exit', (code, signal) => {
    exited = true;
    if (!stopping) log(`server exited unexpectedly (code ${code}, signal ${signal}); see ${logFile}`);
  });
  // Ready when it answers a call.
  const api = connect(target);
  const until = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`the server exited during start-up; see ${logFile}`);
    try {
      await api.listLenders({ pageSize: 1, pageToken: '' });
      break;
    } catch {
      if (Date.now() > until) throw new Error(`the server did not answer within 60 s; see ${logFile}`);
      await sleep(100);
    }
  }
  api.close();
  return { proc, target };
}

let stopping = false;

async function setUp(): Promise<Env> {
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const gateway = forkTs('gateway', path.join(__dirname, 'bench/gateway-worker.ts'));
  cleanups.push(() => gateway.stop());
  const { target: gatewayTarget } = await gateway.call<{ target: string }>('start');

  // Generator processes start (tsx compiles them) while the server starts.
  const workers = Array.from({ length: cfg.workers }, (_, i) => forkTs(`load-worker-${i}`, path.join(__dirname, 'bench/load-worker.ts')));
  for (const w of workers) cleanups.push(() => w.stop());
  const watcher = forkTs('watcher', path.join(__dirname, 'bench/watch-worker.ts'));
  cleanups.push(() => watcher.stop());

  const env: Env = {
    target: '', serverPid: -1, server: undefined, gateway, gatewayTarget, workers, watcher,
    api: undefined as unknown as Clients, dataDir: '', starts: 0, gcFile: undefined,
  };
  cleanups.push(async () => {
    env.api?.close();
    await stopOwnServer(env);
  });
  await freshServer(env);
  await Promise.all([...workers, watcher].map((c) => c.call('ping')));
  return env;
}

async function stopOwnServer(env: Env): Promise<void> {
  if (env.server) {
    stopping = true;
    await stopChild(env.server);
    env.server = undefined;
  }
  // Also when the server never started (a bad --node-options, say): no empty dir left behind.
  if (!cfg.keepData && env.dataDir) fs.rmSync(env.dataDir, { recursive: true, force: true });
}

/**
 * A new server on a new, empty data dir (each repetition gets one, so an
 * outbox backlog or data left by one repetition cannot slow the next), with
 * lender L1 registered. With --target, the same external server throughout.
 */
async function freshServer(env: Env): Promise<void> {
  env.api?.close();
  if (cfg.target) {
    env.target = cfg.target;
    env.serverPid = cfg.serverPid ?? -1;
  } else {
    await stopOwnServer(env);
    stopping = false;
    env.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderpool-bench-'));
    // One file per bench run; pauses are matched to scenario windows by their time.
    if (!env.gcFile) fs.writeFileSync((env.gcFile = path.join(OUT_DIR, 'server-gc.log')), '');
    const started = await startServer(env.gatewayTarget, env.dataDir, env.gcFile);
    log(`server ${started.target} (pid ${started.proc.pid}) on ${env.dataDir}`);
    env.server = started.proc;
    env.target = started.target;
    env.serverPid = started.proc.pid ?? -1;
  }
  env.starts++;
  env.api = connect(env.target);
  await env.api.upsertLender({
    lender: { lenderId: LENDER, gatewayTarget: env.gatewayTarget, advanceRateBps: 5000, repaymentShareBps: 5000, feeBps: 0, minCompletedOrders: '0' },
  });
}

async function tearDown(): Promise<void> {
  stopping = true;
  for (const c of cleanups.reverse()) {
    try {
      await c();
    } catch (e) {
      log(`cleanup: ${(e as Error).message}`);
    }
  }
  cleanups.length = 0;
}

// ------------------------------------------------------------------ running a load

function windowFromNow(): Window {
  const startAt = Date.now() + 300;
  const measureFrom = startAt + cfg.warmupMs;
  return { startAt, measureFrom, measureTo: measureFrom + cfg.durationMs };
}

interface CpuWindow {
  begin: CpuSample;
  end: CpuSample;
  /** The server's GC pauses that began in the window (null when the bench did not start the server). */
  gc: GcPauses | null;
  /** The runtime thread's synced batch writes that began in the window (null likewise). */
  writes: SyncedWrites | null;
}

/** How long after a window its last GC pauses and synced writes are surely in the file (gc-probe.cjs flushes every 200 ms). */
const GC_FLUSH_MS = 450;

function cpuAt(env: Env, w: Window): Promise<CpuWindow> {
  const pids = { server: env.serverPid, gateway: env.gateway.pid };
  return new Promise((resolve) => {
    let begin: CpuSample;
    setTimeout(() => {
      begin = sample(pids, env.serverPid || undefined);
    }, Math.max(0, w.measureFrom - Date.now()));
    setTimeout(() => {
      const end = sample(pids, env.serverPid || undefined);
      if (!env.gcFile) return resolve({ begin, end, gc: null, writes: null });
      const file = env.gcFile;
      setTimeout(() => resolve({ begin, end, ...probedIn(file, w) }), GC_FLUSH_MS);
    }, Math.max(0, w.measureTo - Date.now()));
  });
}

/**
 * The lines of gc-probe.cjs that began in the window: the GC pauses summed per
 * thread, and the synced writes' durations (both null if the file cannot be
 * read).
 */
function probedIn(file: string, w: Window): { gc: GcPauses | null; writes: SyncedWrites | null } {
  const empty = (): GcThreadPauses => ({ count: 0, totalMs: 0, maxMs: 0, over10: 0, stalls: 0, stallMaxMs: 0 });
  const gc: GcPauses = { main: empty(), runtime: empty() };
  const writeMs: number[] = [];
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    log(`GC pauses and synced writes: cannot read ${file}: ${(e as Error).message}`);
    return { gc: null, writes: null };
  }
  for (const line of text.split('\n')) {
    const [kind, at, ms] = line.split(' ');
    if (kind !== 'main' && kind !== 'runtime' && kind !== 'write' && kind !== 'stall-main' && kind !== 'stall-runtime') continue;
    const start = Number(at);
    const took = Number(ms);
    if (!(start >= w.measureFrom && start < w.measureTo) || !Number.isFinite(took)) continue;
    if (kind === 'write') {
      writeMs.push(took);
      continue;
    }
    if (kind === 'stall-main' || kind === 'stall-runtime') {
      const t = gc[kind === 'stall-main' ? 'main' : 'runtime'];
      t.stalls++;
      t.stallMaxMs = Math.max(t.stallMaxMs, took);
      continue;
    }
    const t = gc[kind];
    t.count++;
    t.totalMs += took;
    t.maxMs = Math.max(t.maxMs, took);
    if (took >= 10) t.over10++;
  }
  return { gc, writes: syncedWrites(writeMs) };
}

async function runLoad(env: Env, makeJob: (worker: number) => LoadJob): Promise<{ results: WorkerResult[]; window: Window; cpu: CpuWindow }> {
  await Promise.all(env.workers.map((w, i) => w.call('prepare', makeJob(i))));
  const window = windowFromNow();
  const cpuP = cpuAt(env, window);
  const results = await Promise.all(env.workers.map((w) => w.call<WorkerResult>('run', window)));
  return { results, window, cpu: await cpuP };
}

function baseResult(scenario: string, rep: number, loop: ScenarioResult['loop'], concurrency: number, offeredRate: number | null,
  results: WorkerResult[], cpu: CpuWindow, extraCpuMs: { watcherMs?: number } = {}): ScenarioResult {
  const windowMs = cfg.durationMs;
  const ops = results.reduce((n, r) => n + r.ok, 0);
  const errors = results.reduce((n, r) => n + r.errors, 0);
  const hist = mergeHistograms(results.map((r) => r.histogram));
  const latency = latencyOf(hist);
  hist.destroy();
  const errorCodes: Record<string, number> = {};
  for (const r of results) for (const [k, v] of Object.entries(r.errorCodes)) errorCodes[k] = (errorCodes[k] ?? 0) + v;
  const serverCpuMs = cpu.end.procs.server! - cpu.begin.procs.server!;
  const gatewayCpuMs = cpu.end.procs.gateway! - cpu.begin.procs.gateway!;
  const genMs = results.map((r) => r.cpuUserMs + r.cpuSystemMs);
  const selfUs = cpu.end.self.user + cpu.end.self.system - cpu.begin.self.user - cpu.begin.self.system;
  const elapsed = cpu.end.machine.total - cpu.begin.machine.total; // ms summed over CPUs
  const busy = cpu.end.machine.busy - cpu.begin.machine.busy;
  const pct = (ms: number) => (ms / windowMs) * 100;
  const machineBusyPct = elapsed > 0 ? (busy / elapsed) * CPUS * 100 : NaN;
  const ours = serverCpuMs + gatewayCpuMs + genMs.reduce((a, b) => a + b, 0) + (extraCpuMs.watcherMs ?? 0) + selfUs / 1000;
  const warnings: string[] = [];
  for (const r of results) {
    if (r.exhaustedAt !== null) warnings.push(`worker ${r.worker} ran out of prepared requests ${Math.round(r.exhaustedAt - (cpu.end.at - windowMs))} ms into the window`);
    if (r.refills > 0) warnings.push(`worker ${r.worker} encoded ${r.refills} more block(s) of requests during the run`);
    if (r.unfinished > 0) warnings.push(`worker ${r.worker}: ${r.unfinished} calls unanswered 10 s after the window`);
  }
  if (errors > 0) warnings.push(`${errors} errors in the window: ${JSON.stringify(errorCodes)} e.g. ${results.find((r) => r.errorSample)?.errorSample ?? ''}`);
  return {
    scenario, rep, loop, offeredRate, concurrency, windowMs, ops, errors,
    throughput: ops / (windowMs / 1000),
    latency, errorCodes, errorSample: results.find((r) => r.errorSample)?.errorSample ?? '',
    ratioToCeiling: null,
    serverCpuMs,
    serverCpuPct: pct(serverCpuMs),
    serverCpuMsPerOp: ops > 0 ? serverCpuMs / ops : NaN,
    serverThreadsPct: cpu.begin.threads && cpu.end.threads ? {
      main: pct(cpu.end.threads.main - cpu.begin.threads.main),
      runtime: pct(cpu.end.threads.runtime - cpu.begin.threads.runtime),
      other: pct(cpu.end.threads.other - cpu.begin.threads.other),
      mainWait: pct(cpu.end.threads.wait.main - cpu.begin.threads.wait.main),
      runtimeWait: pct(cpu.end.threads.wait.runtime - cpu.begin.threads.wait.runtime),
      otherWait: pct(cpu.end.threads.wait.other - cpu.begin.threads.wait.other),
    } : null,
    gcPauses: cpu.gc,
    syncedWrites: cpu.writes,
    gatewayCpuPct: pct(gatewayCpuMs),
    generatorCpuPct: genMs.map(pct),
    generatorElu: results.map((r) => Math.round(r.elu * 1000) / 1000),
    generatorLoopDelayMaxMs: results.map((r) => r.loopDelayMaxMs),
    watcherCpuPct: extraCpuMs.watcherMs !== undefined ? pct(extraCpuMs.watcherMs) : null,
    machineBusyPct,
    otherCpuPct: Math.max(0, machineBusyPct - pct(ours)),
    warnings,
  };
}

const perWorker = (total: number) => Math.ceil(total / cfg.workers);
const seconds = () => (cfg.warmupMs + cfg.durationMs) / 1000;

function unaryJob(env: Env, worker: number, urlPath: string, source: SourceSpec, prepare: number, rate?: number, recordAckTimes = false): UnaryJob {
  return {
    type: 'unary', target: env.target, path: urlPath, engine: cfg.engine, source, worker, workers: cfg.workers,
    conns: cfg.conns, streamsPerConn: cfg.streams, maxInFlight: cfg.conns * cfg.streams * 8, prepare,
    ...(rate !== undefined ? { rate: rate / cfg.workers } : {}), recordAckTimes,
  };
}

// ------------------------------------------------------------------ scenarios

/**
 * GetLender, closed loop; with a rate, open loop at that rate: `ceiling@50%`,
 * the read's own latency at half its maximum load, the baseline of the
 * @50% scenarios' p99 (what gRPC on Node gives a call that does nothing).
 */
async function ceiling(env: Env, rep: number, rate?: number): Promise<ScenarioResult> {
  const { results, cpu } = await runLoad(env, (i) => unaryJob(env, i, PATHS.GetLender, { kind: 'getLender', lenderId: LENDER }, 1, rate));
  return baseResult(rate ? 'ceiling@50%' : 'ceiling', rep, rate ? 'open' : 'closed', rate ? 0 : cfg.workers * cfg.conns * cfg.streams, rate ?? null, results, cpu);
}

async function record(env: Env, rep: number, rate?: number): Promise<ScenarioResult> {
  const prefix = `r${rep}${rate ? 'h' : 'c'}-`;
  const prepare = perWorker((rate ? rate * 1.2 : 25_000) * seconds());
  const spec: SourceSpec = { kind: 'record', prefix, merchants: cfg.recordMerchants };
  const { results, cpu } = await runLoad(env, (i) => unaryJob(env, i, PATHS.RecordOrder, spec, prepare, rate));
  return baseResult(rate ? 'record@50%' : 'record', rep, rate ? 'open' : 'closed', rate ? 0 : cfg.workers * cfg.conns * cfg.streams, rate ?? null, results, cpu);
}

async function ingest(env: Env, rep: number): Promise<ScenarioResult> {
  const spec: SourceSpec = { kind: 'record', prefix: `i${rep}-`, merchants: cfg.recordMerchants, event: true };
  const job = (i: number): IngestJob => ({
    type: 'ingest', target: env.target, source: spec, worker: i, workers: cfg.workers, conns: 1,
    streamsPerConn: cfg.ingestStreams, window: cfg.ingestWindow, prepare: perWorker(60_000 * seconds()),
  });
  const { results, cpu } = await runLoad(env, job);
  return baseResult('ingest', rep, 'stream', cfg.workers * cfg.ingestStreams * cfg.ingestWindow, null, results, cpu);
}

async function watch(env: Env, rep: number): Promise<ScenarioResult> {
  const prefix = `w${rep}-`;
  const merchants = Array.from({ length: cfg.watchMerchants }, (_, j) => `${prefix}m${j}`);
  // Each merchant needs to exist before it can be watched: one setup order (event 1).
  await Promise.all(merchants.map((m, j) => env.api.recordOrder({ merchantId: m, orderId: `${prefix}x${j}`, buyerId: 'b', amount: usd(1000) })));
  const opened = await env.watcher.call<{ watchers: number; ready: number }>('open', {
    target: env.target, merchants, perMerchant: cfg.watchersPerMerchant, conns: 4, liveFrom: 2,
  });
  if (opened.ready < opened.watchers) log(`watch: only ${opened.ready} of ${opened.watchers} watchers confirmed live`);
  const spec: SourceSpec = { kind: 'record', prefix, merchants: cfg.watchMerchants };
  const prepare = perWorker(25_000 * seconds());
  await Promise.all(env.workers.map((w, i) => w.call('prepare', unaryJob(env, i, PATHS.RecordOrder, spec, prepare))));
  const window = windowFromNow();
  await env.watcher.call('measure', window);
  const cpuP = cpuAt(env, window);
  const results = await Promise.all(env.workers.map((w) => w.call<WorkerResult>('run', window)));
  const cpu = await cpuP;
  const okTotal = results.reduce((n, r) => n + r.okTotal, 0);
  const expected = okTotal * cfg.watchersPerMerchant;
  // Let the last events reach the watchers.
  let rep0: WatchResult = await env.watcher.call<WatchResult>('report');
  const until = Date.now() + 10_000;
  while (rep0.eventsTotal < expected && Date.now() < until) {
    await sleep(200);
    rep0 = await env.watcher.call<WatchResult>('report');
  }
  await env.watcher.call('close');
  const r = baseResult('watch', rep, 'closed', cfg.workers * cfg.conns * cfg.streams, null, results, cpu, { watcherMs: rep0.cpuUserMs + rep0.cpuSystemMs });
  const h = mergeHistograms([rep0.histogram]);
  const extra: WatchExtra = {
    watchers: opened.watchers, merchants: cfg.watchMerchants, eventsExpected: expected, eventsReceived: rep0.eventsTotal,
    eventsPerSecond: rep0.eventsInWindow / (cfg.durationMs / 1000), gaps: rep0.gaps, streamErrors: rep0.streamErrors, fanout: latencyOf(h),
  };
  h.destroy();
  if (extra.eventsReceived < expected) r.warnings.push(`watchers received ${extra.eventsReceived} of ${expected} events`);
  if (Object.keys(rep0.streamErrors).length) r.warnings.push(`watch streams ended: ${JSON.stringify(rep0.streamErrors)}`);
  r.watch = extra;
  return r;
}

/** Settling financings: M merchants with K pooled orders of 1000 each, disbursed. */
async function setUpSettle(env: Env, prefix: string, lenderId: string, total: number): Promise<{ merchants: number; perMerchant: number; total: number }> {
  // Its own lender, so its own delivery lane: a backlog left by an earlier
  // pass does not delay this pass's AuthorizeDisbursement and repayments.
  await env.api.upsertLender({
    lender: { lenderId, gatewayTarget: env.gatewayTarget, advanceRateBps: 5000, repaymentShareBps: 5000, feeBps: 0, minCompletedOrders: '0' },
  });
  const M = cfg.settleMerchants;
  const K = Math.max(2, Math.ceil(total / M));
  const N = M * K;
  const t0 = Date.now();
  // Orders, through StreamOrderEvents (fast, durable acks).
  const spec: SourceSpec = { kind: 'record', prefix, merchants: M, amount: 1000, limit: N, event: true };
  await Promise.all(env.workers.map((w, i) => w.call('prepare', {
    type: 'ingest', target: env.target, source: spec, worker: i, workers: cfg.workers, conns: 1, streamsPerConn: 2,
    window: 512, prepare: perWorker(N), untilExhausted: true,
  } satisfies IngestJob)));
  const rs = await Promise.all(env.workers.map((w) => w.call<WorkerResult>('run', windowFromNow())));
  const ok = rs.reduce((n, r) => n + r.okTotal, 0);
  if (ok !== N) throw new Error(`settle setup: ${ok} of ${N} orders recorded; errors ${JSON.stringify(rs.map((r) => r.errorCodes))} ${rs.find((r) => r.errorSample)?.errorSample ?? ''}`);
  const before = (await env.gateway.call<GatewayCounts>('counts')).byMethod.AuthorizeDisbursement ?? 0;
  // A financing per merchant that pledges all K orders: advance rate 50 %, fee 0,
  // repayment share 50 %, so coverage holds exactly and the financing is repaid
  // by its last order: every completion is remove + recalc + coverage check + repayment.
  const amount = usd(K * 500);
  let next = 0;
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (next < M) {
      const j = next++;
      const merchantId = `${prefix}m${j}`;
      const f = await env.api.requestFinancing({ merchantId, lenderId, amount, requestId: `${prefix}rq${j}` });
      if (f.state !== 'FINANCING_STATE_NOTIFIED' || f.approved?.minorUnits !== String(K * 500) || String(f.poolOrderCount) !== String(K)) {
        throw new Error(`settle setup: financing of ${merchantId} is ${f.state}, approved ${f.approved?.minorUnits}, pool ${f.poolOrderCount}`);
      }
      const c = await env.api.confirmDisbursement({ merchantId, financingId: f.financingId, lenderId, amount, lenderReference: `${prefix}wire${j}` });
      if (c.state !== 'FINANCING_STATE_SETTLING') throw new Error(`settle setup: ${merchantId} is ${c.state} after ConfirmDisbursement`);
    }
  }));
  // Let the AuthorizeDisbursement calls through first (the lane is serial).
  const until = Date.now() + 60_000;
  while (((await env.gateway.call<GatewayCounts>('counts')).byMethod.AuthorizeDisbursement ?? 0) < before + M) {
    if (Date.now() > until) throw new Error('settle setup: AuthorizeDisbursement calls did not reach the lender within 60 s');
    await sleep(100);
  }
  log(`settle setup ${prefix}: ${M} financings x ${K} pooled orders in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { merchants: M, perMerchant: K, total: N };
}

async function settle(env: Env, rep: number, estimate: number, rate?: number): Promise<ScenarioResult> {
  const prefix = `s${rep}${rate ? 'h' : 'c'}-`;
  const want = Math.ceil((rate ?? estimate) * seconds() * (rate ? 1.15 : 1.3)) + cfg.settleMerchants * 2;
  const { merchants, total } = await setUpSettle(env, prefix, `L-${prefix.slice(0, -1)}`, want);
  const countsBefore = await env.gateway.call<GatewayCounts>('counts');
  await env.gateway.call('track', { prefix, size: total });
  const spec: SourceSpec = { kind: 'complete', prefix, merchants, limit: total };
  const { results, cpu } = await runLoad(env, (i) => unaryJob(env, i, PATHS.CompleteOrder, spec, perWorker(total), rate, true));
  const completions = results.reduce((n, r) => n + r.okTotal, 0);

  // Wait for the repayments to reach the lender (or give up after the wait).
  const t0 = Date.now();
  let tr = await env.gateway.call<TrackReport>('trackReport', { prefix });
  const callsAtEnd = tr.calls;
  while (tr.orders < completions && Date.now() - t0 < cfg.deliveryWaitMs) {
    await sleep(200);
    tr = await env.gateway.call<TrackReport>('trackReport', { prefix });
  }
  const deliveryWaitMs = Date.now() - t0;
  const countsAfter = await env.gateway.call<GatewayCounts>('counts');
  await env.gateway.call('untrack', { prefix });
  const otherMethods = ['ReceiveCoverageAlert', 'ReceiveFinancingClosed'];
  const otherLenderCalls = otherMethods.reduce((n, m) => n + (countsAfter.byMethod[m] ?? 0) - (countsBefore.byMethod[m] ?? 0), 0);

  // Delivery delay: lender arrival − the client's OK answer, per order.
  const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
  let undelivered = 0;
  for (const r of results) {
    const acks = r.ackTimes!;
    for (let i = 0; i < acks.length; i++) {
      const ack = acks[i]!;
      if (Number.isNaN(ack)) continue;
      const arrival = tr.arrivals[r.worker + i * cfg.workers]!;
      if (Number.isNaN(arrival)) undelivered++;
      else h.recordValue(Math.max(1, Math.round((arrival - ack) * 1000)));
    }
  }
  const delivery: Latency = latencyOf(h);
  h.destroy();
  for (const r of results) delete r.ackTimes;
  const res = baseResult(rate ? 'settle@50%' : 'settle', rep, rate ? 'open' : 'closed', rate ? 0 : cfg.workers * cfg.conns * cfg.streams, rate ?? null, results, cpu);
  const extra: SettleExtra = {
    merchants, ordersPrepared: total, completions, repaymentCalls: tr.calls, otherLenderCalls,
    repaymentCallsPerRepaidOrder: tr.orders ? tr.calls / tr.orders : NaN,
    lenderCallsPerCompletion: undelivered === 0 && completions ? (tr.calls + otherLenderCalls) / completions : NaN,
    ordersRepaid: tr.orders, undelivered, deliveryWaitMs,
    deliveryCallsPerSecond: deliveryWaitMs > 500 ? ((tr.calls - callsAtEnd) / deliveryWaitMs) * 1000 : NaN,
    delivery, conflicts: countsAfter.conflicts,
  };
  if (undelivered) {
    res.warnings.push(`${undelivered} of ${completions} repayments had not reached the lender ${Math.round(deliveryWaitMs / 1000)} s after the load ended`
      + ` (the lane was delivering ${Math.round(extra.deliveryCallsPerSecond)} calls/s); delivery-delay percentiles cover delivered ones only`);
  }
  if (countsAfter.conflicts) res.warnings.push(`the lender saw ${countsAfter.conflicts} idempotency keys with two payloads`);
  res.settle = extra;
  return res;
}

// ------------------------------------------------------------------ main

async function runRep(env: Env, rep: number): Promise<ScenarioResult[]> {
  const out: ScenarioResult[] = [];
  if (rep > 1) await freshServer(env);
  const want = (s: ScenarioName) => cfg.only.includes(s);
  const done = (r: ScenarioResult) => {
    out.push(r);
    log(`rep ${rep} ${r.scenario}: ${Math.round(r.throughput)} ops/s, p50 ${r.latency.p50Ms} ms, p99 ${r.latency.p99Ms} ms, server ${r.serverCpuPct.toFixed(0)} % CPU, ${r.errors} errors`);
    for (const w of r.warnings) log(`  ! ${w}`);
  };
  let ceil: ScenarioResult | undefined;
  if (want('ceiling')) done((ceil = await ceiling(env, rep)));
  const ceilingMax = cfg.halfOf.ceiling ?? ceil?.throughput ?? 0;
  if (want('ceiling@50%') && ceilingMax > 0) done(await ceiling(env, rep, ceilingMax / 2));
  let rec: ScenarioResult | undefined;
  if (want('record')) done((rec = await record(env, rep)));
  const recordMax = cfg.halfOf.record ?? rec?.throughput ?? 0;
  if (want('record@50%') && recordMax > 0) done(await record(env, rep, recordMax / 2));
  if (want('ingest')) done(await ingest(env, rep));
  if (want('watch')) done(await watch(env, rep));
  let st: ScenarioResult | undefined;
  // The orders to prepare: from record's throughput (settle's is lower), or
  // without it a generous guess (too few would run out in the window and cap
  // the figure; a worker that runs out says so).
  if (want('settle')) done((st = await settle(env, rep, Math.max(2000, rec?.throughput ?? cfg.halfOf.settle ?? 20_000))));
  const settleMax = cfg.halfOf.settle ?? st?.throughput ?? 0;
  if (want('settle@50%') && settleMax > 0) {
    // Repayments the settle pass left undelivered would still be draining
    // (taking server CPU and disk) during this pass: start clean instead.
    const restart = (st?.settle?.undelivered ?? 0) > 0 && !cfg.target;
    if (restart) await freshServer(env);
    const half = await settle(env, rep, settleMax, settleMax / 2);
    if (restart) half.warnings.push('ran on a fresh server: the settle pass had left repayments undelivered');
    done(half);
  }
  if (ceil && ceil.throughput > 0) for (const r of out) r.ratioToCeiling = r.throughput / ceil.throughput;
  return out;
}

/** The disk's floor, printed under the table: what a durable ack cannot beat. */
function diskLine(d: DiskFloor): string {
  return `disk floor (before the server started, nothing else running): ${d.batches} synced LevelDB batches of ${d.putsPerBatch} x ${d.valueBytes} B`
    + ` back to back in ${d.durationMs / 1000} s: p50 ${d.latency.p50Ms} ms, p99 ${d.latency.p99Ms} ms, p99.9 ${d.p999Ms} ms, max ${d.latency.maxMs} ms;`
    + ` ${d.over10Ms} took over 10 ms`;
}

async function main(): Promise<void> {
  const started = Date.now();
  const load0 = os.loadavg();
  log(`${quick ? 'quick' : 'full'} mode: ${cfg.reps} repetition(s), ${cfg.warmupMs / 1000} s warm-up + ${cfg.durationMs / 1000} s per scenario; `
    + `${cfg.workers} generator processes (${cfg.engine}) x ${cfg.conns} connections x ${cfg.streams} streams; ${CPUS} CPUs, load average ${load0.map((l) => l.toFixed(2)).join(' ')}`);
  const disk = await measureDisk(quick ? 1000 : 5000);
  log(diskLine(disk));
  const env = await setUp();
  log(`ready after ${((Date.now() - started) / 1000).toFixed(1)} s: server ${env.target} (pid ${env.serverPid}), lender gateway ${env.gatewayTarget}, data ${env.dataDir || '(external)'}`);
  const results: ScenarioResult[] = [];
  for (let rep = 1; rep <= cfg.reps; rep++) results.push(...await runRep(env, rep));
  await tearDown();

  const summary = summarize(results);
  const table = renderSummary(summary, CPUS);
  const meta = {
    date: new Date(started).toISOString(),
    mode: quick ? 'quick' : 'full',
    config: cfg,
    node: process.version,
    cpus: CPUS,
    cpuModel: os.cpus()[0]?.model ?? '',
    loadAverageBefore: load0,
    loadAverageAfter: os.loadavg(),
    git: gitInfo(ROOT),
    disk,
    elapsedS: (Date.now() - started) / 1000,
  };
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const stamp = new Date(started).toISOString().replace(/[:.]/g, '-');
  const file = path.join(OUT_DIR, `bench-${meta.mode}-${stamp}.json`);
  const json = JSON.stringify({ meta, summary, results }, null, 2);
  fs.writeFileSync(file, json);
  fs.writeFileSync(path.join(OUT_DIR, `latest-${meta.mode}.json`), json);

  process.stdout.write(`\norderpool benchmark, ${meta.mode} mode (${cfg.reps} x ${cfg.durationMs / 1000} s per scenario${cfg.reps > 1 ? '; median (min–max)' : ''}), `
    + `${meta.date}, node ${meta.node}, ${CPUS} CPUs, load average before ${load0.map((l) => l.toFixed(2)).join(' ')}\n\n${table}\n\n`
    + `srv CPU = the server process (all threads) from /proc; gen CPU = the busiest load-generator process (of ${cfg.workers}), % of one core;\n`
    + `server threads: the gRPC (main) thread, the runtime thread, and the rest (V8's GC helpers, LevelDB's compaction, libuv's pool), % of one core,\n`
    + `  running, and runnable but waiting for a CPU (/proc/<pid>/task/<tid>/schedstat);\n`
    + `GC pauses: each garbage collection's pause in the server's gRPC and runtime threads that began in the window\n`
    + `  (perf_hooks 'gc' entries, scripts/bench/gc-probe.cjs preloaded; not with --target); event-loop stalls: gaps of 10 ms or more\n`
    + `  between the probe's 2 ms ticks in that thread, whatever held it (a pause, a long task, no CPU);\n`
    + `synced writes: the runtime thread's synced LevelDB batch writes that began in the window, from the call to the completion\n`
    + `  it saw (write, fsync, the wait for its next turn): a durable ack waits at least one (the same probe; medians of the repetitions);\n`
    + `other procs = machine busy time not used by the benchmark's own processes. JSON: ${path.relative(ROOT, file)}\n`
    + `\n${diskLine(disk)}\n`);
  const broken = summary.filter((s) => !(s.throughput.median > 0));
  if (broken.length) {
    process.stderr.write(`bench: no successful operations in ${broken.map((s) => s.scenario).join(', ')}\n`);
    process.exitCode = 1;
  }
}

const onSignal = (sig: NodeJS.Signals) => {
  log(`${sig}: stopping`);
  void tearDown().finally(() => process.exit(130));
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
process.on('exit', () => {
  // Last resort: never leave the server behind.
  if (serverProc && serverProc.exitCode === null && serverProc.signalCode === null) serverProc.kill('SIGKILL');
});

main().catch(async (e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  await tearDown();
  process.exit(1);
});
