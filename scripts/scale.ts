/**
 * `npm run scale [-- --quick] [options]`: the "scale" bullet of issue 3.
 *
 * 1. Load: a data dir with N merchants and M orders (default 1,000,000 and
 *    10,000,000), built with the real domain and written straight into
 *    LevelDB with the store's key layout and codec (scripts/scale/loader.ts;
 *    checked byte for byte against the server's own RecordOrder path on a
 *    sample first). Resumable; a complete data dir is reused with --keep.
 * 2. Measure: start-up to SERVING (grpc.health.v1 Health/Check) of
 *    `node --require tsx/cjs src/main.ts` on the loaded data dir against an empty
 *    one, in the same run, with Node + tsx + module loading measured apart;
 *    then, on one server, the cold activation latency of a merchant (first
 *    GetMerchant) against a warm one (second call), a random GetMerchant /
 *    GetOrder load over all merchants from grpc-js client processes, and the
 *    server's RSS sampled throughout from /proc/<pid>/status.
 * Prints a table and writes .bench/scale-<mode>-<time>.json. Method and
 * figures: docs/benchmarks.md, "Scale".
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { freePort, SERVER_ARGS, serverEnv, stopChild, tcpAccepts } from '../src/testing/server-process';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { SingleBar, Presets } from 'cli-progress';
import { connect } from '../src/testing/client';
import { forkTs, type Child } from './bench/ipc';
import { gitInfo } from './bench/git-info';
import { cpuCount, machineCpuMs, processCpuMs } from './bench/procstat';
import { MAX_ORDERS_PER_MERCHANT, merchantId, mix, orderCounts, percentileOf, rng, widthOf, type DatasetSpec } from './scale/dataset';
import type { LoadJob, LoadResult, VerifyJob, VerifyResult } from './scale/loader';
import type { ClientJob, ClientResult } from './scale/client-worker';

const ROOT = path.resolve(__dirname, '..');
const OUT_DIR = path.join(ROOT, '.bench');
const MANIFEST = 'scale.json';
/** Bumped when the data set or the way it is written changes: an older data dir is not reused. */
const FORMAT = 1;

const { values: argv } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    merchants: { type: 'string' },
    orders: { type: 'string' },
    seed: { type: 'string', default: '1' },
    'data-dir': { type: 'string' },
    keep: { type: 'boolean', default: false },
    'max-active': { type: 'string' },
    cold: { type: 'string' },
    calls: { type: 'string' },
    clients: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '16' },
    'startup-reps': { type: 'string' },
    'batch-orders': { type: 'string', default: '20000' },
    'write-buffer-mb': { type: 'string', default: '64' },
    'load-only': { type: 'boolean', default: false },
    'skip-startup': { type: 'boolean', default: false },
    'no-verify': { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    'node-options': { type: 'string', default: '' },
    help: { type: 'boolean', default: false },
  },
  allowPositionals: false,
});

if (argv.help) {
  process.stdout.write(`npm run scale -- [options]
  --quick                 20,000 merchants / 100,000 orders, smaller samples (well under a minute)
  --merchants N           merchants to load (default 1,000,000; quick 20,000)
  --orders N              orders to load, at least one per merchant (default 10,000,000; quick 100,000)
  --seed N                data set seed (default 1)
  --data-dir DIR          where to build the data set (the server's data dir is DIR/db); default
                          $TMPDIR/orderpool-scale-<merchants>-<orders>-s<seed>. A complete data set
                          of the same size and seed there is reused; an interrupted one is resumed.
  --keep                  keep the data dir (default: deleted at the end if this run created it)
  --max-active N          the server's --max-active-merchants (default: the server's defaults, as npm start; quick 2,000)
  --cold N                cold merchants sampled for activation latency, twice (default 2,000; quick 300)
  --calls N               random GetMerchant/GetOrder calls of the serving load (default 150,000; quick 20,000)
  --clients N             grpc-js client processes for the serving load (default 2)
  --concurrency N         calls in flight per client process (default 16)
  --startup-reps N        start-ups measured per case (default 5; quick 2)
  --batch-orders N        orders per LevelDB batch while loading (default 20,000)
  --write-buffer-mb N     LevelDB memtable while loading (default 64; the server uses LevelDB's 4)
  --load-only             build the data set and stop (implies --keep)
  --skip-startup          skip the start-up measurements
  --no-verify             skip the check of the loader against the server's RecordOrder path
  --cpu-prof              run the serving server with --cpu-prof (profile in .bench/prof/)
  --node-options "..."    extra node flags for the serving server (e.g. "--max-old-space-size=512")
`);
  process.exit(0);
}

const quick = argv.quick;
const int = (v: string | undefined, dflt: number, name: string) => {
  const n = v === undefined ? dflt : Number(v.replace(/[_,]/g, ''));
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer`);
  return n;
};
const spec: DatasetSpec = {
  seed: int(argv.seed, 1, 'seed'),
  merchants: int(argv.merchants, quick ? 20_000 : 1_000_000, 'merchants'),
  orders: int(argv.orders, quick ? 100_000 : 10_000_000, 'orders'),
};
const cfg = {
  quick,
  spec,
  /** undefined: the server's own defaults, as `npm start` runs it. */
  maxActive: argv['max-active'] !== undefined || quick ? int(argv['max-active'], 2_000, 'max-active') : undefined,
  cold: int(argv.cold, quick ? 300 : 2_000, 'cold'),
  calls: int(argv.calls, quick ? 20_000 : 150_000, 'calls'),
  clients: Math.max(1, int(argv.clients, 2, 'clients')),
  concurrency: Math.max(1, int(argv.concurrency, 16, 'concurrency')),
  startupReps: Math.max(1, int(argv['startup-reps'], quick ? 2 : 5, 'startup-reps')),
  batchOrders: Math.max(1, int(argv['batch-orders'], 20_000, 'batch-orders')),
  writeBufferMb: Math.max(1, int(argv['write-buffer-mb'], 64, 'write-buffer-mb')),
  loadOnly: argv['load-only'],
  skipStartup: argv['skip-startup'],
  keep: argv.keep || argv['load-only'],
  verify: !argv['no-verify'],
  cpuProf: argv['cpu-prof'],
  nodeOptions: (argv['node-options'] ?? '').split(/\s+/).filter(Boolean),
};
if (spec.merchants < 1 || spec.orders < spec.merchants) throw new Error('need at least one merchant and one order per merchant');
if (spec.orders > spec.merchants * MAX_ORDERS_PER_MERCHANT) throw new Error(`at most ${MAX_ORDERS_PER_MERCHANT} orders per merchant`);

const dataDir = path.resolve(argv['data-dir'] ?? path.join(os.tmpdir(), `orderpool-scale-${spec.merchants}-${spec.orders}-s${spec.seed}`));
const dbDir = path.join(dataDir, 'db');
const CPUS = cpuCount();
const log = (s: string) => process.stderr.write(`[scale] ${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });

// ------------------------------------------------------------------ processes

const children = new Set<Child>();
const servers = new Set<ChildProcess>();
let createdDataDir = false;
let finished = false;
/** True while the data set is being written: an interrupted load keeps its dir so a rerun resumes. */
let loading = false;

function fork(name: string, file: string, execArgv: string[] = []): Child {
  const c = forkTs(name, path.join(__dirname, 'scale', file), execArgv);
  children.add(c);
  c.proc.once('exit', () => children.delete(c));
  return c;
}

async function cleanup(): Promise<void> {
  for (const s of servers) await stopChild(s);
  for (const c of [...children]) await c.stop().catch(() => {});
  if (createdDataDir && !cfg.keep && fs.existsSync(dataDir)) {
    log(`deleting ${dataDir}`);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------ load phase

interface Manifest {
  format: number;
  spec: DatasetSpec;
  complete: boolean;
  load?: LoadResult & { bytes: number; files: number; date: string; resumed: boolean };
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

function writeManifest(m: Manifest): void {
  const file = path.join(dataDir, MANIFEST);
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(m, null, 2));
  fs.renameSync(`${file}.tmp`, file);
}

function dirSize(dir: string): { bytes: number; files: number } {
  let bytes = 0;
  let files = 0;
  for (const f of fs.readdirSync(dir)) {
    const st = fs.statSync(path.join(dir, f));
    if (st.isFile()) {
      bytes += st.size;
      files++;
    }
  }
  return { bytes, files };
}

/** About 200 bytes on disk per order (snappy-compressed JSON event + order row), plus a snapshot per merchant. */
const estimateBytes = (s: DatasetSpec) => s.orders * 200 + s.merchants * 150;

async function loadPhase(): Promise<Manifest> {
  const existing = readJson<Manifest>(path.join(dataDir, MANIFEST));
  if (existing) {
    if (existing.format !== FORMAT || JSON.stringify(existing.spec) !== JSON.stringify(spec)) {
      throw new Error(`${dataDir} holds another data set (${JSON.stringify(existing.spec)}, format ${existing.format}); choose another --data-dir or delete it`);
    }
    if (existing.complete) {
      log(`reusing the complete data set in ${dataDir} (loaded ${existing.load?.date ?? '?'})`);
      return existing;
    }
  } else if (fs.existsSync(dataDir) && fs.readdirSync(dataDir).length > 0) {
    throw new Error(`${dataDir} exists and is not a scale data dir; choose another --data-dir`);
  }
  // Ours to delete at the end (unless --keep): a new dir, or one an interrupted run of this script left.
  createdDataDir = !fs.existsSync(dataDir) || existing !== undefined;
  fs.mkdirSync(dataDir, { recursive: true });
  const from = existing ? readJson<{ done: number }>(path.join(dataDir, 'progress.json'))?.done ?? 0 : 0;

  const need = estimateBytes(spec) * 1.5;
  const free = (() => {
    const st = fs.statfsSync(dataDir);
    return st.bavail * st.bsize;
  })();
  log(`data set: ${fmt(spec.merchants)} merchants, ${fmt(spec.orders)} orders (seed ${spec.seed}); about ${(estimateBytes(spec) / 2 ** 30).toFixed(2)} GiB in ${dataDir}, ${(free / 2 ** 30).toFixed(1)} GiB free`);
  if (free < need) throw new Error(`not enough free disk in ${dataDir}: ${(free / 2 ** 30).toFixed(1)} GiB free, ~${(need / 2 ** 30).toFixed(1)} GiB needed; use a smaller --orders`);
  writeManifest({ format: FORMAT, spec, complete: false });

  const loader = fork('loader', 'loader.ts', ['--max-semi-space-size=32']);
  if (cfg.verify) {
    const counts = orderCounts(spec, MAX_ORDERS_PER_MERCHANT);
    const r = rng(mix(spec.seed, 0x7e51f1));
    const sample = new Set<number>();
    for (let i = 0; i < Math.min(20, spec.merchants); i++) sample.add(i);
    for (let i = Math.max(0, spec.merchants - 20); i < spec.merchants; i++) sample.add(i);
    for (let k = 0; k < 60; k++) sample.add(Math.floor(r() * spec.merchants));
    let largest = 0;
    for (let i = 1; i < spec.merchants; i++) if (counts[i]! > counts[largest]!) largest = i;
    if (counts[largest]! <= 5_000) sample.add(largest);
    const v = await loader.call<VerifyResult>('verify', { spec, sample: [...sample] } satisfies VerifyJob);
    log(`verified: ${v.merchants} merchants, ${fmt(v.orders)} RecordOrders through Core/Router/LevelStore.commit wrote the same ${fmt(v.keys)} keys and values as the loader (${(v.ms / 1000).toFixed(1)} s)`);
  }

  let ordersFrom = 0;
  if (from > 0) {
    const counts = orderCounts(spec, MAX_ORDERS_PER_MERCHANT);
    for (let i = 0; i < from; i++) ordersFrom += counts[i]!;
    log(`resuming after merchant ${fmt(from)} (${fmt(ordersFrom)} orders already written)`);
  }
  const tty = process.stderr.isTTY === true;
  const bar = new SingleBar({
    format: 'loading [{bar}] {percentage}% | {value}/{total} orders | {merchants} merchants | {rate} orders/s | ETA {eta_formatted}',
    hideCursor: true, etaBuffer: 50, noTTYOutput: false, stream: process.stderr, formatValue: (v, _o, type) => (type === 'value' || type === 'total' ? fmt(v) : String(v)),
  }, Presets.shades_classic);
  const t0 = Date.now();
  let lastLine = 0;
  const onProgress = (m: { id?: number; progress?: { merchants: number; orders: number } }) => {
    if (m.id !== -1 || !m.progress) return;
    const rate = fmt((m.progress.orders - ordersFrom) / Math.max(0.001, (Date.now() - t0) / 1000));
    if (tty) bar.update(m.progress.orders, { merchants: fmt(m.progress.merchants), rate });
    else if (Date.now() - lastLine > 10_000 || m.progress.merchants === spec.merchants) {
      lastLine = Date.now();
      log(`loading: ${fmt(m.progress.orders)}/${fmt(spec.orders)} orders, ${fmt(m.progress.merchants)} merchants`);
    }
  };
  loader.proc.on('message', onProgress);
  if (tty) bar.start(spec.orders, ordersFrom, { merchants: fmt(from), rate: '0' });
  let res: LoadResult;
  loading = true;
  try {
    res = await loader.call<LoadResult>('load', {
      dir: dataDir, spec, from, batchOrders: cfg.batchOrders, writeBufferMb: cfg.writeBufferMb,
    } satisfies LoadJob);
  } finally {
    loading = false;
    if (tty) bar.stop();
    loader.proc.off('message', onProgress);
  }
  await loader.stop();
  const size = dirSize(dbDir);
  const manifest: Manifest = {
    format: FORMAT, spec, complete: true,
    load: { ...res, ...size, date: new Date().toISOString(), resumed: from > 0 },
  };
  writeManifest(manifest);
  fs.rmSync(path.join(dataDir, 'progress.json'), { force: true });
  log(`loaded in ${(res.ms / 1000).toFixed(1)} s (domain ${(res.domainMs / 1000).toFixed(1)} s, encode ${(res.encodeMs / 1000).toFixed(1)} s, `
    + `waiting for LevelDB ${(res.writeWaitMs / 1000).toFixed(1)} s, settling ${(res.settleMs / 1000).toFixed(1)} s): `
    + `${(size.bytes / 2 ** 30).toFixed(2)} GiB in ${fmt(size.files)} files`);
  return manifest;
}

// ------------------------------------------------------------------ start-up

const healthDef = protoLoader.loadSync(path.join(ROOT, 'node_modules/grpc-health-check/proto/health/v1/health.proto'), {
  keepCase: true, longs: String, enums: String, defaults: true, oneofs: true,
});
const HealthClient = (grpc.loadPackageDefinition(healthDef) as any).grpc.health.v1.Health as typeof grpc.Client;

function healthCheck(target: string): Promise<string> {
  const client = new HealthClient(target, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 });
  return new Promise<string>((resolve, reject) => {
        (client as any).check({ service: '' }, { deadline: Date.now() + 5000 }, (e: Error | null, r?: { status: string }) => {
      client.close();
      if (e) reject(e);
      else resolve(r!.status);
    });
  });
}

/** The server's memory from /proc/<pid>/status, in MB: VmRSS = RssAnon + RssFile + RssShmem; VmHWM = peak VmRSS. */
function memOf(pid: number): { rss: number; anon: number; file: number; hwm: number } {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const get = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) / 1024;
    return { rss: get('VmRSS'), anon: get('RssAnon'), file: get('RssFile'), hwm: get('VmHWM') };
  } catch {
    return { rss: NaN, anon: NaN, file: NaN, hwm: NaN };
  }
}

interface Started {
  proc: ChildProcess;
  target: string;
  /** spawn → the port accepts a TCP connection, ms. */
  tcpMs: number;
  /** spawn → Health/Check answers SERVING, ms. */
  servingMs: number;
  /** VmRSS at SERVING, MB. */
  rssMb: number;
}

function activeLabel(): string {
  return cfg.maxActive === undefined ? 'server defaults' : `--max-active-merchants ${fmt(cfg.maxActive)}`;
}

async function startServer(dir: string, extra: string[] = [], execArgv: string[] = []): Promise<Started> {
  const port = await freePort();
  const target = `127.0.0.1:${port}`;
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const logFile = path.join(OUT_DIR, 'scale-server.log');
  const out = fs.openSync(logFile, 'a');
  fs.writeSync(out, `\n--- ${new Date().toISOString()} orderpool on ${target}, data ${dir}\n`);
  const args = [...execArgv, ...SERVER_ARGS, '--listen', target, '--data-dir', dir,
    ...(cfg.maxActive === undefined ? [] : ['--max-active-merchants', String(cfg.maxActive)]), '--log-level', 'warn', ...extra];
  const t0 = performance.now();
  const proc = spawn(process.execPath, args, { cwd: ROOT, env: serverEnv(), stdio: ['ignore', out, out] });
  fs.closeSync(out);
  servers.add(proc);
  let exited = false;
  proc.once('exit', () => {
    exited = true;
    servers.delete(proc);
  });
  let tcpMs = NaN;
  const until = t0 + 120_000;
  for (;;) {
    if (exited) throw new Error(`the server exited during start-up; see ${logFile}`);
    if (performance.now() > until) throw new Error(`the server did not serve within 120 s; see ${logFile}`);
    if (Number.isNaN(tcpMs)) {
      if (await tcpAccepts(port)) tcpMs = performance.now() - t0;
      else {
        await sleep(2);
        continue;
      }
    }
    try {
      if ((await healthCheck(target)) === 'SERVING') break;
    } catch {
      /* not yet */
    }
    await sleep(2);
  }
  const servingMs = performance.now() - t0;
  return { proc, target, tcpMs, servingMs, rssMb: memOf(proc.pid!).rss };
}

/** spawn → the child prints a line (after running `code` under node --require tsx/cjs, as npm start runs), ms. */
async function timeNode(code: string): Promise<number> {
  const t0 = performance.now();
  const proc = spawn(process.execPath, ['--require', 'tsx/cjs', '-e', code], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const ms = await new Promise<number>((resolve, reject) => {
    proc.stdout!.once('data', () => resolve(performance.now() - t0));
    proc.once('exit', (c) => reject(new Error(`node -e exited with ${c} before answering`)));
  });
  await new Promise((r) => (proc.exitCode !== null ? r(undefined) : proc.once('exit', r)));
  return ms;
}

/** Drops the data dir's files from the OS page cache (GNU dd's nocache: posix_fadvise DONTNEED, this dir only). */
function dropPageCache(dir: string): boolean {
  try {
    for (const f of fs.readdirSync(dir)) {
      const file = path.join(dir, f);
      if (!fs.statSync(file).isFile()) continue;
      const fd = fs.openSync(file, 'r');
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      execFileSync('dd', [`if=${file}`, 'iflag=nocache', 'count=0', 'status=none']);
    }
    return true;
  } catch (e) {
    log(`could not drop the page cache: ${(e as Error).message}`);
    return false;
  }
}

interface Stats {
  n: number;
  median: number;
  min: number;
  max: number;
  values: number[];
}

function stats(values: number[]): Stats {
  const s = [...values].sort((a, b) => a - b);
  return { n: s.length, median: s.length ? s[Math.floor((s.length - 1) / 2)]! : NaN, min: s[0] ?? NaN, max: s[s.length - 1] ?? NaN, values };
}

async function startupPhase(emptyDir: string, canDrop: boolean) {
  // Warm tsx's transform cache and the OS cache of node_modules first (not measured).
  await timeNode(`require('./src/server.ts'); process.stdout.write('ready\\n')`);
  const bare: number[] = [];
  const modules: number[] = [];
  const cases: Record<'empty' | 'loaded' | 'loadedCold', { tcp: number[]; serving: number[]; rss: number[] }> = {
    empty: { tcp: [], serving: [], rss: [] }, loaded: { tcp: [], serving: [], rss: [] }, loadedCold: { tcp: [], serving: [], rss: [] },
  };
  const order: (keyof typeof cases)[] = canDrop ? ['empty', 'loaded', 'loadedCold'] : ['empty', 'loaded'];
  for (let rep = 0; rep < cfg.startupReps; rep++) {
    bare.push(await timeNode(`process.stdout.write('ready\\n')`));
    modules.push(await timeNode(`require('./src/server.ts'); process.stdout.write('ready\\n')`));
    for (const c of order) {
      if (c === 'loadedCold') dropPageCache(dbDir);
      const s = await startServer(c === 'empty' ? emptyDir : dbDir);
      cases[c].tcp.push(s.tcpMs);
      cases[c].serving.push(s.servingMs);
      cases[c].rss.push(s.rssMb);
      await stopChild(s.proc);
    }
    log(`start-up ${rep + 1}/${cfg.startupReps}: node+tsx ${bare.at(-1)!.toFixed(0)} ms, + modules ${modules.at(-1)!.toFixed(0)} ms; to SERVING: `
      + order.map((c) => `${c} ${cases[c].serving.at(-1)!.toFixed(0)} ms`).join(', '));
  }
  const summary = (c: keyof typeof cases) => ({
    tcpMs: stats(cases[c].tcp), servingMs: stats(cases[c].serving), rssMb: stats(cases[c].rss),
  });
  const nodeTsx = stats(bare);
  const mods = stats(modules);
  const out = {
    nodeTsxMs: nodeTsx,
    nodeTsxModulesMs: mods,
    empty: summary('empty'),
    loaded: summary('loaded'),
    loadedCold: canDrop ? summary('loadedCold') : null,
  };
  return {
    ...out,
    /** SERVING on the loaded data dir over SERVING on an empty one (medians). */
    ratioLoadedToEmpty: out.loaded.servingMs.median / out.empty.servingMs.median,
    ratioLoadedColdToEmpty: out.loadedCold ? out.loadedCold.servingMs.median / out.empty.servingMs.median : null,
    /** SERVING minus module loading: startServer() itself (medians). */
    startServerMs: {
      empty: out.empty.servingMs.median - mods.median,
      loaded: out.loaded.servingMs.median - mods.median,
      loadedCold: out.loadedCold ? out.loadedCold.servingMs.median - mods.median : null,
    },
  };
}

// ------------------------------------------------------------------ serving

interface Lat {
  count: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

function latOf(us: ArrayLike<number>): Lat {
  const s = Float64Array.from(us).sort();
  let sum = 0;
  for (const v of s) sum += v;
  return {
    count: s.length,
    p50Ms: percentileOf(s, 50) / 1000, p90Ms: percentileOf(s, 90) / 1000, p99Ms: percentileOf(s, 99) / 1000,
    maxMs: (s[s.length - 1] ?? NaN) / 1000, meanMs: s.length ? sum / s.length / 1000 : NaN,
  };
}

/** Sequential: first GetMerchant of a merchant not in memory (cold), then again (warm). */
async function coldWarm(target: string, pick: number[], counts: Uint32Array) {
  const api = connect(target);
  const width = widthOf(spec.merchants);
  const cold: number[] = [];
  const warm: number[] = [];
  let mismatches = 0;
  let errors = 0;
  let ordersOfSampled = 0;
  // A few calls on one merchant first, so the connection and the server's code paths are warm.
  for (let k = 0; k < 20; k++) await api.getMerchant({ merchantId: merchantId(pick[0]!, width) }).catch(() => {});
  for (const i of pick.slice(1)) {
    const mid = merchantId(i, width);
    try {
      let t = performance.now();
      const m = await api.getMerchant({ merchantId: mid });
      cold.push((performance.now() - t) * 1000);
      t = performance.now();
      await api.getMerchant({ merchantId: mid });
      warm.push((performance.now() - t) * 1000);
      if (m.ordersRecorded !== String(counts[i])) mismatches++;
      ordersOfSampled += counts[i]!;
    } catch {
      errors++;
    }
  }
  api.close();
  return { cold: latOf(cold), warm: latOf(warm), mismatches, errors, meanOrdersPerMerchant: ordersOfSampled / Math.max(1, cold.length) };
}

async function metricsOf(port: number): Promise<Record<string, number>> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  const text = await res.text();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^(orderpool_actors_active|orderpool_actors_passivated_total\{reason="(?:idle|capacity)"\}|process_resident_memory_bytes|nodejs_heap_size_used_bytes|nodejs_heap_size_total_bytes|nodejs_external_memory_bytes)\s+([0-9.e+]+)/.exec(line);
    if (m) out[m[1]!] = Number(m[2]);
  }
  return out;
}

/** Reads every file of the data dir once, so its pages are in the OS page cache. */
function warmPageCache(dir: string): void {
  const buf = Buffer.allocUnsafe(1 << 20);
  for (const f of fs.readdirSync(dir)) {
    const file = path.join(dir, f);
    if (!fs.statSync(file).isFile()) continue;
    const fd = fs.openSync(file, 'r');
    while (fs.readSync(fd, buf, 0, buf.length, null) > 0);
    fs.closeSync(fd);
  }
}

async function servePhase(counts: Uint32Array, canDrop: boolean) {
  const clients = Array.from({ length: cfg.clients }, (_, k) => fork(`client-${k}`, 'client-worker.ts'));
  await Promise.all(clients.map((c) => c.call('ping')));
  const metricsPort = await freePort();
  const execArgv = [...cfg.nodeOptions, ...(cfg.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', path.join(OUT_DIR, 'prof')] : [])];
  // The first sample reads from disk: the data dir's pages are dropped from the OS page cache first.
  const diskCold = canDrop && dropPageCache(dbDir);
  const s = await startServer(dbDir, ['--metrics', `127.0.0.1:${metricsPort}`], execArgv);
  const pid = s.proc.pid!;
  log(`serving: server ${s.target} (pid ${pid}) on ${dbDir}, ${activeLabel()}${cfg.nodeOptions.length ? `, node ${cfg.nodeOptions.join(' ')}` : ''}; SERVING after ${s.servingMs.toFixed(0)} ms, RSS ${s.rssMb.toFixed(0)} MB`);

  // Memory sampled every 100 ms for the whole phase.
  const samples: { t: number; rssMb: number; anonMb: number; fileMb: number; phase: string }[] = [];
  let phase = 'idle';
  const t0 = performance.now();
  const sampler = setInterval(() => {
    const m = memOf(pid);
    samples.push({ t: Math.round(performance.now() - t0), rssMb: m.rss, anonMb: m.anon, fileMb: m.file, phase });
  }, 100);

  // Cold merchants are drawn from those no call of this run touches.
  const r = rng(mix(spec.seed, 0xc01d));
  const touched = new Set<number>();
  const pickUntouched = (n: number) => {
    const out: number[] = [];
    let guard = 0;
    while (out.length < n && guard++ < n * 100) {
      const i = Math.floor(r() * spec.merchants);
      if (touched.has(i)) continue;
      touched.add(i);
      out.push(i);
    }
    return out;
  };
  const n = Math.min(cfg.cold, Math.floor(spec.merchants / 4));

  phase = 'cold-disk';
  const coldDisk = await coldWarm(s.target, pickUntouched(n + 1), counts);
  log(`cold activation, ${diskCold ? 'page cache dropped' : 'page cache as found'}, server empty: p50 ${coldDisk.cold.p50Ms.toFixed(2)} ms, p99 ${coldDisk.cold.p99Ms.toFixed(2)} ms; `
    + `warm p50 ${coldDisk.warm.p50Ms.toFixed(2)} ms, p99 ${coldDisk.warm.p99Ms.toFixed(2)} ms`);
  // Reserve the second sample's merchants before the load, so the load cannot warm them.
  const reserved = pickUntouched(n + 1);

  phase = 'load';
  const cpu0 = processCpuMs(pid);
  const m0 = machineCpuMs();
  const l0 = performance.now();
  const per = Math.ceil(cfg.calls / cfg.clients);
  const results = await Promise.all(clients.map((c, k) => c.call<ClientResult>('run', {
    target: s.target, spec, calls: per, concurrency: cfg.concurrency, seed: mix(spec.seed, 1000 + k),
  } satisfies ClientJob)));
  const loadMs = performance.now() - l0;
  const cpu = processCpuMs(pid) - cpu0;
  const m1 = machineCpuMs();
  const all = new Float64Array(results.reduce((a, x) => a + x.latencyUs.length, 0));
  let off = 0;
  for (const x of results) {
    all.set(x.latencyUs, off);
    off += x.latencyUs.length;
  }
  const distinct = new Set<number>();
  for (const x of results) for (const i of x.merchants) distinct.add(i);
  const ok = results.reduce((a, x) => a + x.ok, 0);
  const errors: Record<string, number> = {};
  for (const x of results) for (const [k, v] of Object.entries(x.errors)) errors[k] = (errors[k] ?? 0) + v;
  const load = {
    calls: results.reduce((a, x) => a + x.calls, 0), ok, errors,
    errorSample: results.find((x) => x.errorSample)?.errorSample ?? '',
    mismatches: results.reduce((a, x) => a + x.mismatches, 0),
    mismatchSample: results.find((x) => x.mismatchSample)?.mismatchSample ?? '',
    distinctMerchants: distinct.size,
    seconds: loadMs / 1000,
    callsPerSecond: ok / (loadMs / 1000),
    latency: latOf(all),
    serverCpuPct: (cpu / loadMs) * 100,
    serverCpuMsPerCall: cpu / Math.max(1, ok),
    clientCpuPct: results.map((x) => (x.cpuMs / x.ms) * 100),
    machineBusyPct: ((m1.busy - m0.busy) / Math.max(1, m1.total - m0.total)) * 100 * CPUS,
  };
  log(`random load: ${fmt(load.ok)} calls in ${load.seconds.toFixed(1)} s (${fmt(load.callsPerSecond)}/s) over ${fmt(load.distinctMerchants)} distinct merchants; `
    + `p50 ${load.latency.p50Ms.toFixed(2)} ms, p99 ${load.latency.p99Ms.toFixed(2)} ms; errors ${JSON.stringify(errors)}, mismatches ${load.mismatches}`);
  const afterLoad = await metricsOf(metricsPort).catch((): Record<string, number> => ({}));

  // The second sample: actors not in memory while the server is at capacity
  // (each activation also passivates one), with the data in the page cache.
  phase = 'warm-cache';
  warmPageCache(dbDir);
  phase = 'cold-full';
  const coldFull = await coldWarm(s.target, reserved.filter((i) => !distinct.has(i)), counts);
  log(`cold activation, page cache warm, server at --max-active-merchants: p50 ${coldFull.cold.p50Ms.toFixed(2)} ms, p99 ${coldFull.cold.p99Ms.toFixed(2)} ms; `
    + `warm p50 ${coldFull.warm.p50Ms.toFixed(2)} ms, p99 ${coldFull.warm.p99Ms.toFixed(2)} ms`);

  // The largest merchant, cold (if nothing touched it).
  let largest = 0;
  for (let i = 1; i < spec.merchants; i++) if (counts[i]! > counts[largest]!) largest = i;
  let largestCold: { orders: number; coldMs: number; warmMs: number } | null = null;
  if (!distinct.has(largest) && !touched.has(largest)) {
    const api = connect(s.target);
    const mid = merchantId(largest, widthOf(spec.merchants));
    let t = performance.now();
    await api.getMerchant({ merchantId: mid });
    const coldMs = performance.now() - t;
    t = performance.now();
    await api.getMerchant({ merchantId: mid });
    largestCold = { orders: counts[largest]!, coldMs, warmMs: performance.now() - t };
    api.close();
  }

  phase = 'end';
  await sleep(300);
  clearInterval(sampler);
  const finalMetrics = await metricsOf(metricsPort).catch((): Record<string, number> => ({}));
  const mem = memOf(pid);
  await stopChild(s.proc);
  for (const c of clients) await c.stop();

  const maxOf = (k: 'rssMb' | 'anonMb' | 'fileMb', p?: string) => {
    const v = samples.filter((x) => (p === undefined || x.phase === p) && Number.isFinite(x[k])).map((x) => x[k]);
    return v.length ? Math.max(...v) : NaN;
  };
  return {
    startup: { servingMs: s.servingMs, rssMb: s.rssMb },
    pageCacheDroppedForFirstSample: diskCold,
    coldDisk, coldFull, largestCold, load,
    rss: {
      atServingMb: s.rssMb,
      maxSampledMb: maxOf('rssMb'),
      maxAnonMb: maxOf('anonMb'),
      maxFileMb: maxOf('fileMb'),
      /** The kernel's peak (VmHWM) over the server's life. */
      peakHwmMb: mem.hwm,
      end: { rssMb: mem.rss, anonMb: mem.anon, fileMb: mem.file },
      maxByPhaseMb: { coldDisk: maxOf('rssMb', 'cold-disk'), load: maxOf('rssMb', 'load'), coldFull: maxOf('rssMb', 'cold-full') },
      samples: samples.length,
      series: samples.filter((_, k) => k % 10 === 0),
    },
    metrics: { afterLoad, end: finalMetrics },
  };
}

// ------------------------------------------------------------------ report

const ms = (v: number | null | undefined, d = 0) => (v === null || v === undefined || !Number.isFinite(v) ? '-' : `${v.toFixed(d)} ms`);
const mbOf = (bytes: number | undefined) => (bytes === undefined ? '-' : `${(bytes / 2 ** 20).toFixed(0)} MB`);
const range = (s: Stats, d = 0) => `${s.median.toFixed(d)} (${s.min.toFixed(d)}-${s.max.toFixed(d)})`;

function table(rows: [string, string][]): string {
  const w = Math.max(...rows.map(([a]) => a.length));
  return rows.map(([a, b]) => (b === '' ? `\n${a}` : `  ${a.padEnd(w)}  ${b}`)).join('\n');
}

async function main(): Promise<void> {
  const started = Date.now();
  const load0 = os.loadavg();
  log(`${quick ? 'quick' : 'full'} mode; ${CPUS} CPUs, load average ${load0.map((l) => l.toFixed(2)).join(' ')}`);
  const manifest = await loadPhase();
  const loadS = (Date.now() - started) / 1000;
  if (cfg.loadOnly) {
    finished = true;
    log(`--load-only: data set kept in ${dataDir} (server data dir ${dbDir})`);
    return;
  }
  const counts = orderCounts(spec, MAX_ORDERS_PER_MERCHANT);
  const sortedCounts = Uint32Array.from(counts).sort();

  const emptyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderpool-scale-empty-'));
  const canDrop = (() => {
    try {
      execFileSync('dd', ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  let startup: Awaited<ReturnType<typeof startupPhase>> | null = null;
  let serving;
  try {
    const m0 = Date.now();
    if (!cfg.skipStartup) startup = await startupPhase(emptyDir, canDrop);
    const startupS = (Date.now() - m0) / 1000;
    const s0 = Date.now();
    serving = await servePhase(counts, canDrop);
    const servingS = (Date.now() - s0) / 1000;
    if (startup) Object.assign(startup, { phaseSeconds: startupS });
    Object.assign(serving, { phaseSeconds: servingS });
  } finally {
    fs.rmSync(emptyDir, { recursive: true, force: true });
  }

  const meta = {
    date: new Date(started).toISOString(),
    mode: quick ? 'quick' : 'full',
    config: { ...cfg, dataDir },
    node: process.version,
    cpus: CPUS,
    cpuModel: os.cpus()[0]?.model ?? '',
    memGiB: os.totalmem() / 2 ** 30,
    loadAverageBefore: load0,
    loadAverageAfter: os.loadavg(),
    git: gitInfo(ROOT),
    elapsedS: (Date.now() - started) / 1000,
    loadPhaseS: loadS,
  };
  const dataset = {
    ...spec,
    ordersPerMerchant: {
      min: sortedCounts[0], p50: percentileOf(sortedCounts, 50), p90: percentileOf(sortedCounts, 90),
      p99: percentileOf(sortedCounts, 99), max: sortedCounts[sortedCounts.length - 1],
    },
    load: manifest.load ?? null,
  };
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const stamp = new Date(started).toISOString().replace(/[:.]/g, '-');
  const file = path.join(OUT_DIR, `scale-${meta.mode}-${stamp}.json`);
  const json = JSON.stringify({ meta, dataset, startup, serving }, null, 2);
  fs.writeFileSync(file, json);
  fs.writeFileSync(path.join(OUT_DIR, `scale-latest-${meta.mode}.json`), json);

  const L = manifest.load;
  const st = startup;
  const startupRows: [string, string][] = !st ? [['start-up', '(skipped: --skip-startup)']] : [
    [`start-up, spawn -> Health/Check SERVING, median (min-max) of ${cfg.startupReps}`, ''],
    ['node + tsx (no app modules)', `${range(st.nodeTsxMs)} ms`],
    ['node + tsx + server modules', `${range(st.nodeTsxModulesMs)} ms`],
    ['SERVING, empty data dir', `${range(st.empty.servingMs)} ms, RSS ${st.empty.rssMb.median.toFixed(0)} MB`],
    ['SERVING, loaded data dir', `${range(st.loaded.servingMs)} ms, RSS ${st.loaded.rssMb.median.toFixed(0)} MB  (x${st.ratioLoadedToEmpty.toFixed(2)} of empty)`],
    ...(st.loadedCold ? [['SERVING, loaded, page cache dropped', `${range(st.loadedCold.servingMs)} ms  (x${st.ratioLoadedColdToEmpty!.toFixed(2)} of empty)`] as [string, string]] : []),
    ['startServer() alone (SERVING - modules)', `empty ${ms(st.startServerMs.empty)}, loaded ${ms(st.startServerMs.loaded)}${st.loadedCold ? `, cold cache ${ms(st.startServerMs.loadedCold)}` : ''}`],
  ];
  const sv = serving;
  const rows: [string, string][] = [
    [`data set: ${fmt(spec.merchants)} merchants, ${fmt(spec.orders)} orders (orders per merchant p50 ${dataset.ordersPerMerchant.p50}, p99 ${dataset.ordersPerMerchant.p99}, max ${dataset.ordersPerMerchant.max})`, ''],
    ['load (this data dir)', L ? `${(L.ms / 1000).toFixed(1)} s${L.resumed ? ' (resumed)' : ''}, ${fmt(L.orders / (L.ms / 1000))} orders/s, ${(L.bytes / 2 ** 30).toFixed(2)} GiB in ${fmt(L.files)} files` : '-'],
    ...startupRows,
    [`serving (${activeLabel()})`, ''],
    [`cold GetMerchant, fresh server, ${sv.pageCacheDroppedForFirstSample ? 'page cache dropped' : 'page cache as found'}`, `p50 ${ms(sv.coldDisk.cold.p50Ms, 2)}, p99 ${ms(sv.coldDisk.cold.p99Ms, 2)}, max ${ms(sv.coldDisk.cold.maxMs, 1)} (n ${sv.coldDisk.cold.count}, ${sv.coldDisk.meanOrdersPerMerchant.toFixed(1)} orders/merchant)`],
    ['  then warm (second GetMerchant)', `p50 ${ms(sv.coldDisk.warm.p50Ms, 2)}, p99 ${ms(sv.coldDisk.warm.p99Ms, 2)}`],
    ['cold GetMerchant, at capacity, page cache warm', `p50 ${ms(sv.coldFull.cold.p50Ms, 2)}, p99 ${ms(sv.coldFull.cold.p99Ms, 2)}, max ${ms(sv.coldFull.cold.maxMs, 1)} (n ${sv.coldFull.cold.count}, ${sv.coldFull.meanOrdersPerMerchant.toFixed(1)} orders/merchant)`],
    ['  then warm (second GetMerchant)', `p50 ${ms(sv.coldFull.warm.p50Ms, 2)}, p99 ${ms(sv.coldFull.warm.p99Ms, 2)}`],
    ...(sv.largestCold ? [[`largest merchant (${fmt(sv.largestCold.orders)} orders)`, `cold ${ms(sv.largestCold.coldMs, 1)}, warm ${ms(sv.largestCold.warmMs, 2)}`] as [string, string]] : []),
    [`random GetMerchant/GetOrder (${cfg.clients} x ${cfg.concurrency} in flight)`, `${fmt(sv.load.ok)} OK in ${sv.load.seconds.toFixed(1)} s = ${fmt(sv.load.callsPerSecond)}/s over ${fmt(sv.load.distinctMerchants)} merchants; `
      + `p50 ${ms(sv.load.latency.p50Ms, 2)}, p99 ${ms(sv.load.latency.p99Ms, 2)}; server ${sv.load.serverCpuPct.toFixed(0)} % CPU, ${sv.load.serverCpuMsPerCall.toFixed(3)} ms/call`],
    ['errors / wrong answers', `${JSON.stringify(sv.load.errors)} / ${sv.load.mismatches + sv.coldDisk.mismatches + sv.coldFull.mismatches}${sv.load.mismatchSample ? ` (${sv.load.mismatchSample})` : ''}`],
    ['actors active / passivated (capacity)', `${fmt(sv.metrics.end.orderpool_actors_active ?? NaN)} / ${fmt(sv.metrics.end['orderpool_actors_passivated_total{reason="capacity"}'] ?? NaN)}`],
    ['server RSS (VmRSS, target <= 512 MB)', `at SERVING ${sv.rss.atServingMb.toFixed(0)} MB; max sampled ${sv.rss.maxSampledMb.toFixed(0)} MB; peak (VmHWM) ${sv.rss.peakHwmMb.toFixed(0)} MB`],
    ['  of which anonymous / file-backed', `max ${sv.rss.maxAnonMb.toFixed(0)} MB / max ${sv.rss.maxFileMb.toFixed(0)} MB (file-backed = LevelDB's mmapped table files); at end ${sv.rss.end.anonMb.toFixed(0)} / ${sv.rss.end.fileMb.toFixed(0)} MB`],
    ['  V8 heap at end (total / used)', `${mbOf(sv.metrics.end.nodejs_heap_size_total_bytes)} / ${mbOf(sv.metrics.end.nodejs_heap_size_used_bytes)}`],
  ];
  process.stdout.write(`\norderpool scale benchmark, ${meta.mode} mode, ${meta.date}, node ${meta.node}, ${CPUS} CPUs, load average before ${load0.map((l) => l.toFixed(2)).join(' ')}\n`
    + `${table(rows)}\n\nJSON: ${path.relative(ROOT, file)}; server log: .bench/scale-server.log; total ${meta.elapsedS.toFixed(0)} s\n`);
  const wrong = sv.load.mismatches + sv.coldDisk.mismatches + sv.coldFull.mismatches + sv.coldDisk.errors + sv.coldFull.errors;
  if (sv.load.ok === 0 || wrong > 0 || Object.keys(sv.load.errors).length > 0) {
    process.stderr.write('scale: some calls failed or answered wrongly (see above)\n');
    process.exitCode = 1;
  }
  finished = true;
}

let signalled = false;
const onSignal = (sig: NodeJS.Signals) => {
  signalled = true;
  if (loading) cfg.keep = true; // an interrupted load is worth resuming
  log(`${sig}: stopping${loading ? `; the partial data set stays in ${dataDir}: rerun the same command to resume, or delete it` : ''}`);
  void cleanup().finally(() => process.exit(130));
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
process.on('exit', () => {
  // Last resort: never leave a server or a child behind.
  for (const s of servers) if (s.exitCode === null && s.signalCode === null) s.kill('SIGKILL');
  for (const c of children) c.proc.kill('SIGKILL');
});

main()
  .then(() => cleanup())
  .catch(async (e: unknown) => {
    if (signalled) return; // onSignal cleans up and exits
    process.stderr.write(`scale failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    await cleanup();
    process.exit(1);
  })
  .finally(() => {
    if (!finished && process.exitCode === undefined) process.exitCode = 1;
  });
