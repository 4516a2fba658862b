/**
 * `npm run bench:runtime [-- options]`: the runtime below the gRPC edge, in
 * one process and one thread, as the runtime thread runs it: order commands
 * from request bytes to answer bytes (src/api/order-commands.ts), the actors,
 * LevelDB with synced group commits and delivery (to an in-process lender
 * that answers at once). No gRPC, no load generator, no second thread: what
 * it prints, per command, is the runtime's own cost:
 *
 *   - CPU: the process's user + system time (this thread, LevelDB's and
 *     libuv's threads, V8's helpers) per command;
 *   - allocation: bytes allocated on the heap per command (V8's heap
 *     statistics around each GC, v8.GCProfiler), and the scavenges and
 *     collector pause per 1,000 commands. Allocation drives the collector,
 *     which was ~45 % of a core during settle in `npm run bench`;
 *   - kept: what each scavenge found alive (copied in the young generation
 *     or promoted), the commands in flight and the orders kept. A scavenge
 *     costs about what it keeps;
 *   - written: bytes the process handed to write() per command (Linux's
 *     /proc/self/io `wchar`): LevelDB's log, and its memtable flushes and
 *     compactions as far as they ran within the phase. What a command
 *     writes costs CPU three times over (encoding, the log, compaction).
 *
 * Allocation and CPU per command move far less from run to run than
 * throughput on a shared VM, so this is the tool for deciding a change to the
 * runtime's hot path (run it before and after, a few times). It does not
 * replace `npm run bench`, which measures the whole server against the
 * gRPC ceiling.
 */
import * as fs from 'node:fs';
import * as inspector from 'node:inspector';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import * as v8 from 'node:v8';
import pino from 'pino';
import { DEFAULTS, type Config } from '../src/config';
import { orderCommands, type OrderCommandKind } from '../src/api/order-commands';
import { packageDefinition } from '../src/api/proto-definition';
import { schemas } from '../src/api/validate';
import type { GatewayClients } from '../src/gateways/clients';
import { startRuntime } from '../src/runtime/local-runtime';
import { promotedBy, usedIn, type GcStat } from './bench/gc-stats';
import { table } from './bench/report';

const { values: argv } = parseArgs({
  options: {
    merchants: { type: 'string', default: '200' },
    orders: { type: 'string', default: '150' },
    'in-flight': { type: 'string', default: '256' },
    reps: { type: 'string', default: '3' },
    'heap-profile': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (argv.help) {
  process.stdout.write(`npm run bench:runtime -- [--merchants 200] [--orders 150] [--in-flight 256] [--reps 3]
  records merchants x orders orders, opens a settling financing per merchant pledging them all,
  then completes every order; prints CPU, allocation and GC per command for record and complete.
  --heap-profile   sample what each phase allocates (collected objects included) into
                   .bench/runtime-<phase>.heapprofile (open in Chrome DevTools, Memory tab)\n`);
  process.exit(0);
}
const M = Number(argv.merchants);
const K = Number(argv.orders);
const IN_FLIGHT = Number(argv['in-flight']);
const REPS = Number(argv.reps);
const HEAP_PROFILE = argv['heap-profile'];

/** Samples allocations (collected objects included) around fn, into .bench/runtime-<name>.heapprofile. */
async function heapProfiled<T>(name: string, fn: () => Promise<T>): Promise<T> {
  if (!HEAP_PROFILE) return fn();
  const session = new inspector.Session();
  session.connect();
  const post = (method: string, params?: object) => new Promise<unknown>((resolve, reject) => {
    session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res)));
  });
  await post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  try {
    return await fn();
  } finally {
    const { profile } = (await post('HeapProfiler.stopSampling')) as { profile: unknown };
    session.disconnect();
    const file = path.join(__dirname, '..', '.bench', `runtime-${name}.heapprofile`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(profile));
    process.stderr.write(`heap profile: ${file}\n`);
  }
}

const svc = packageDefinition['orderpool.v1.OrderPoolService'] as unknown as Record<string, { requestSerialize: (v: unknown) => Buffer }>;
const bytes = (method: string, req: unknown) => new Uint8Array(svc[method]!.requestSerialize(req));

/** A lender gateway that accepts every call at once (delivery's own cost stays in). */
const acceptAll: GatewayClients = { send: () => Promise.resolve(), close: () => {} };

interface Phase { name: string; commands: number; wallMs: number; cpuMs: number; allocated: number; survived: number; scavenges: number; majors: number; pauseMs: number; written: number | undefined }

/** Bytes this process has handed to write() so far (Linux), or undefined. */
function written(): number | undefined {
  try {
    const m = /^wchar: (\d+)$/m.exec(fs.readFileSync('/proc/self/io', 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What a scavenge found alive: what it left in the young generation plus what
 * it moved to the old one. Objects alive across a scavenge are what it costs
 * (it copies them), and the promoted ones are what the mark-compacts then
 * trace: in the server, the commands in flight while the synced write runs.
 */
function keptBy(g: GcStat): number {
  const after = g.afterGC.heapSpaceStatistics;
  return usedIn(after, 'new_space') + usedIn(after, 'new_large_object_space') + promotedBy(g);
}

async function measure(name: string, requests: Request[], run: OrderCommandsFn): Promise<Phase> {
  const profiler = new v8.GCProfiler();
  profiler.start();
  const used0 = v8.getHeapStatistics().used_heap_size;
  const written0 = written();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (next < requests.length) {
      const r = requests[next++]!;
      await run(r.kind, r.bytes);
    }
  }));
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const written1 = written();
  const used1 = v8.getHeapStatistics().used_heap_size;
  const gcs = profiler.stop()?.statistics ?? [];
  // Allocated = growth between GCs + what each GC found in use before it.
  let allocated = 0;
  let after = used0;
  for (const g of gcs) {
    allocated += g.beforeGC.heapStatistics.usedHeapSize - after;
    after = g.afterGC.heapStatistics.usedHeapSize;
  }
  allocated += used1 - after;
  const scavenges = gcs.filter((g) => g.gcType === 'Scavenge');
  return {
    name, commands: requests.length, wallMs, cpuMs: (cpu.user + cpu.system) / 1000, allocated,
    survived: scavenges.reduce((n, g) => n + keptBy(g), 0), scavenges: scavenges.length,
    majors: gcs.length - scavenges.length, pauseMs: gcs.reduce((ms, g) => ms + g.cost / 1000, 0),
    written: written0 === undefined || written1 === undefined ? undefined : written1 - written0,
  };
}

type Request = { kind: OrderCommandKind; bytes: Uint8Array };
type OrderCommandsFn = (kind: OrderCommandKind, request: Uint8Array) => Promise<Uint8Array>;

async function once(rep: number): Promise<Phase[]> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderpool-rtbench-'));
  const config: Config = { ...DEFAULTS, dataDir, repaymentLingerMs: 450 };
  const rt = await startRuntime(config, pino({ level: 'silent' }), { gateways: acceptAll });
  try {
    const run = orderCommands(rt.core, schemas(config));
    await rt.core.upsertLender({
      lenderId: 'L1', gatewayTarget: '127.0.0.1:1', advanceRateBps: 5000, repaymentShareBps: 5000, feeBps: 0,
      verificationThreshold: null, minCompletedOrders: 0, maxRefundRateBps: null, verificationTtlMs: 0, disbursementTimeoutMs: 0,
    });
    const p = `r${rep}-`;
    const records: Request[] = [];
    for (let j = 0; j < K; j++) {
      for (let i = 0; i < M; i++) {
        records.push({
          kind: 'record' as const,
          bytes: bytes('RecordOrder', { merchantId: `${p}m${i}`, orderId: `${p}o${i}-${j}`, buyerId: `b${j}`, amount: { currencyCode: 'USD', minorUnits: '1000' } }),
        });
      }
    }
    const out = [await heapProfiled('record', () => measure('record', records, run))];
    for (let i = 0; i < M; i++) {
      const merchantId = `${p}m${i}`;
      const f = await rt.core.requestFinancing(merchantId, { lenderId: 'L1', currency: 'USD', amount: BigInt(K * 500), requestId: `${p}rq${i}` });
      if (f.state !== 'NOTIFIED') throw new Error(`financing of ${merchantId} is ${f.state}`);
      await rt.core.confirmDisbursement(merchantId, f.financingId, 'L1', 'USD', BigInt(K * 500), `${p}w${i}`);
    }
    const completes: Request[] = [];
    for (let j = 0; j < K; j++) {
      for (let i = 0; i < M; i++) completes.push({ kind: 'complete' as const, bytes: bytes('CompleteOrder', { merchantId: `${p}m${i}`, orderId: `${p}o${i}-${j}` }) });
    }
    out.push(await heapProfiled('complete', () => measure('complete', completes, run)));
    return out;
  } finally {
    await rt.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  process.stderr.write(`bench:runtime: ${M} merchants x ${K} orders, ${IN_FLIGHT} commands in flight, ${REPS} repetitions, node ${process.version}\n`);
  const all: Phase[] = [];
  for (let rep = 1; rep <= REPS; rep++) all.push(...(await once(rep)));
  const rows = all.map((r) => [
    r.name, String(r.commands), (r.commands / (r.wallMs / 1000)).toFixed(0), ((r.cpuMs * 1000) / r.commands).toFixed(1),
    (r.allocated / r.commands / 1024).toFixed(2), r.scavenges ? (r.survived / r.scavenges / 1024).toFixed(0) : '-', ((r.scavenges * 1000) / r.commands).toFixed(2), String(r.majors), ((r.pauseMs * 1000) / r.commands).toFixed(1),
    r.written === undefined ? '-' : (r.written / r.commands).toFixed(0),
  ]);
  const head = ['command', 'count', 'per s', 'CPU µs/cmd', 'alloc KiB/cmd', 'kept KiB/scavenge', 'scavenges/1k', 'major GCs', 'GC pause µs/cmd', 'written B/cmd'];
  process.stdout.write(`${table([head, ...rows])}\n`);
}

void main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
