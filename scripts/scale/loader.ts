/**
 * The scale benchmark's loader (a child process of scripts/scale.ts, over
 * ../bench/ipc.ts). It builds the data set of ./dataset.ts with the real
 * domain — for each merchant `new Merchant(id)`, then one
 * `m.run(env, mm => mm.recordOrder(…))` per order, exactly as
 * Router.runCommand runs a RecordOrder — and writes the result straight into
 * LevelDB with the store's key layout (src/store/level-store.ts) and codec
 * (src/store/codec.ts), many merchants per LevelDB batch, unsynced, with a
 * synced checkpoint every few seconds.
 *
 * Why the result is what the server would have written: the router commits
 * one MerchantCommit per RecordOrder (the snapshot after the command, its
 * events, its dirty orders; a RecordOrder in `idle` emits no effect and sets
 * no timer). Over a merchant's orders those commits put distinct event and
 * order keys, and each overwrites the snapshot key, so the final contents are
 * all of the events, all of the orders and the last snapshot: what one merged
 * commit per merchant writes. `verify` checks this byte for byte against the
 * server's own path (Core.recordOrder → Router → LevelStore.commit) on a
 * sample of merchants.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ClassicLevel } from 'classic-level';
import pino from 'pino';
import { DEFAULT_DOMAIN_CONFIG, Merchant, systemRandom, type Env } from '../../src/domain/merchant';
import { encodeRecord, RECORDS } from '../../src/store/codec';
import { LevelStore } from '../../src/store/level-store';
import { Core } from '../../src/runtime/core';
import type { Clock, TimerHandle } from '../../src/runtime/clock';
import { DEFAULTS } from '../../src/config';
import { serve } from '../bench/ipc';
import { MAX_ORDERS_PER_MERCHANT, merchantId, orderCounts, ordersOf, widthOf, type DatasetSpec } from './dataset';

// The key layout of src/store/level-store.ts (its `k` is not exported; `verify` proves these match).
const SEP = '\x00';
const pad = (n: number, width: number) => String(n).padStart(width, '0');
const snapKey = (m: string) => `s${SEP}${m}`;
const eventKey = (m: string, seq: number) => `e${SEP}${m}${SEP}${pad(seq, 12)}`;
const orderKey = (m: string, id: string) => `o${SEP}${m}${SEP}${id}`;

export interface LoadJob {
  dir: string;
  spec: DatasetSpec;
  /** Merchants already written (resume point). */
  from: number;
  /** Orders per LevelDB batch (roughly). */
  batchOrders: number;
  /** LevelDB memtable size while loading. */
  writeBufferMb: number;
}

export interface LoadResult {
  /** Merchants and orders written by this run (less than the data set when it resumed). */
  merchants: number;
  orders: number;
  ms: number;
  /** Time in the domain (Merchant.run / recordOrder) and in encoding, ms. */
  domainMs: number;
  encodeMs: number;
  /** Time waiting for LevelDB (its writes and write stalls), ms. */
  writeWaitMs: number;
  /** Time for the final flush and for background compaction to settle, ms. */
  settleMs: number;
}

/** Progress messages to the parent; id -1 so the ipc layer's reply matching ignores them. */
function progress(p: { merchants: number; orders: number; checkpoint?: number }): void {
  process.send?.({ id: -1, progress: p });
}

const env: Env = { now: 0, config: { ...DEFAULT_DOMAIN_CONFIG, maxOrdersPerMerchant: MAX_ORDERS_PER_MERCHANT }, ...systemRandom };

/**
 * Runs merchant i's RecordOrders through the domain and returns its
 * key/value puts (what LevelStore.commit would write), and the time split.
 */
export function merchantPuts(spec: DatasetSpec, i: number, count: number, width: number, out: [string, string][], timing?: { domain: number; encode: number }): void {
  const t0 = timing ? performance.now() : 0;
  const mid = merchantId(i, width);
  const m = new Merchant(mid);
  const events = [];
  const orders = [];
  for (const g of ordersOf(spec, mid, i, count)) {
    env.now = g.time;
    const { tx } = m.run(env, (mm) => mm.recordOrder({ orderId: g.orderId, buyerId: g.buyerId, currency: g.currency, amount: g.amount }));
    if (tx.failure || tx.effects.length > 0 || tx.events.length !== 1) throw new Error(`unexpected RecordOrder outcome for ${mid}/${g.orderId}`);
    events.push(tx.events[0]!);
    for (const o of tx.dirtyOrders.values()) orders.push(o);
  }
  if (m.deadline() !== 0) throw new Error(`${mid} has a deadline after RecordOrders`);
  const t1 = timing ? performance.now() : 0;
  out.push([snapKey(mid), encodeRecord(RECORDS.snapshot, m.snapshot())]);
  for (const e of events) out.push([eventKey(mid, e.seq), encodeRecord(RECORDS.event, e)]);
  for (const o of orders) out.push([orderKey(mid, o.orderId), encodeRecord(RECORDS.order, o)]);
  if (timing) {
    const t2 = performance.now();
    timing.domain += t1 - t0;
    timing.encode += t2 - t1;
  }
}

function writeManifestCheckpoint(dir: string, done: number): void {
  const file = path.join(dir, 'progress.json');
  fs.writeFileSync(`${file}.tmp`, JSON.stringify({ done }));
  fs.renameSync(`${file}.tmp`, file);
}

async function load(job: LoadJob): Promise<LoadResult> {
  const t0 = performance.now();
  const { spec } = job;
  const counts = orderCounts(spec, MAX_ORDERS_PER_MERCHANT);
  const width = widthOf(spec.merchants);
  const dbDir = path.join(job.dir, 'db');
  const db = new ClassicLevel<string, string>(dbDir, { keyEncoding: 'utf8', valueEncoding: 'utf8', writeBufferSize: job.writeBufferMb << 20 });
  await db.open();
  const timing = { domain: 0, encode: 0 };
  let writeWait = 0;
  let ordersDone = 0;
  for (let i = 0; i < job.from; i++) ordersDone += counts[i]!;
  const ordersBefore = ordersDone;
  let inFlight: Promise<void> | undefined;
  let lastReport = 0;
  let lastCheckpoint = performance.now();
  let i = job.from;
  const puts: [string, string][] = [];
  while (i < spec.merchants) {
    // Build the next group while the previous one is being written.
    puts.length = 0;
    let groupOrders = 0;
    const first = i;
    while (i < spec.merchants && groupOrders < job.batchOrders) {
      merchantPuts(spec, i, counts[i]!, width, puts, timing);
      groupOrders += counts[i]!;
      i++;
    }
    const w0 = performance.now();
    if (inFlight) await inFlight;
    const now = performance.now();
    writeWait += now - w0;
    const batch = db.batch();
    for (const [key, value] of puts) batch.put(key, value);
    // A synced checkpoint every ~5 s: everything before it is on disk, so a
    // rerun can resume after it (writes are deterministic, redoing is harmless).
    const sync = now - lastCheckpoint > 5000 || i === spec.merchants;
    const done = i;
    inFlight = batch.write({ sync }).then(() => {
      if (sync) {
        writeManifestCheckpoint(job.dir, done);
        lastCheckpoint = performance.now();
      }
    });
    ordersDone += groupOrders;
    if (now - lastReport > 200 || i === spec.merchants) {
      lastReport = now;
      progress({ merchants: first, orders: ordersDone - groupOrders });
    }
  }
  const w0 = performance.now();
  if (inFlight) await inFlight;
  writeWait += performance.now() - w0;
  progress({ merchants: spec.merchants, orders: ordersDone });
  const s0 = performance.now();
  await settle(db);
  await db.close();
  // Reopen with the server's options: LevelDB turns the last memtable's log
  // into a table now, so the server's first open finds a short log (as after
  // a clean shutdown) instead of a long one left by the loader's large buffer.
  const again = new ClassicLevel<string, string>(dbDir, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
  await again.open();
  await settle(again);
  await again.close();
  const settleMs = performance.now() - s0;
  return {
    merchants: spec.merchants - job.from, orders: ordersDone - ordersBefore, ms: performance.now() - t0,
    domainMs: timing.domain, encodeMs: timing.encode, writeWaitMs: writeWait, settleMs,
  };
}

/** Waits until LevelDB's background compaction has been idle for 1.5 s (its stats stop changing). */
async function settle(db: ClassicLevel<string, string>): Promise<void> {
  let last = '';
  let quiet = 0;
  for (;;) {
    const stats = db.getProperty('leveldb.stats');
    quiet = stats === last ? quiet + 1 : 0;
    last = stats;
    if (quiet >= 6) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

// --------------------------------------------------------------- verification

/** A clock the verification sets to each order's time (like ManualClock, but settable). */
class SetClock implements Clock {
  t = 0;
  now(): number {
    return this.t;
  }
  at(): TimerHandle {
    return { cancel: () => {} };
  }
}

export interface VerifyJob {
  spec: DatasetSpec;
  /** Merchant indexes to check. */
  sample: number[];
}

export interface VerifyResult {
  merchants: number;
  orders: number;
  keys: number;
  ms: number;
}

/**
 * Writes the sample through the server's own path — Core.recordOrder, one
 * RecordOrder at a time with the clock set to the order's time, through the
 * Router's lazy activation and LevelStore.commit's synced group commit —
 * into a scratch store, and requires its every key and value to equal the
 * loader's puts for the same merchants. Snapshots are the exception: the
 * server writes one only now and then (LevelStore skips it for order-only
 * commands while the journal tail is short), so for `s` keys the merchant
 * the server's store loads (snapshot + tail) must equal the loader's.
 */
async function verify(job: VerifyJob): Promise<VerifyResult> {
  const t0 = performance.now();
  const { spec } = job;
  const counts = orderCounts(spec, MAX_ORDERS_PER_MERCHANT);
  const width = widthOf(spec.merchants);
  const base = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
  const scratch = fs.mkdtempSync(path.join(base, 'orderpool-scale-verify-'));
  try {
    const store = await LevelStore.open(scratch);
    const clock = new SetClock();
    const core = new Core(store, clock, {
      shards: DEFAULTS.shards, maxActive: DEFAULTS.maxActiveMerchants, maxOrders: DEFAULTS.maxOrdersInMemory, idleMs: 0, maxMailbox: DEFAULTS.maxMailbox,
      maxShardQueue: DEFAULTS.maxShardQueue, domain: env.config,
    }, systemRandom, pino({ level: 'silent' }));
    await core.start();
    const expected = new Map<string, string>();
    const puts: [string, string][] = [];
    let orders = 0;
    for (const i of job.sample) {
      const mid = merchantId(i, width);
      for (const g of ordersOf(spec, mid, i, counts[i]!)) {
        clock.t = g.time;
        await core.recordOrder(mid, { orderId: g.orderId, buyerId: g.buyerId, currency: g.currency, amount: g.amount });
        orders++;
      }
      puts.length = 0;
      merchantPuts(spec, i, counts[i]!, width, puts);
      for (const [k, v] of puts) expected.set(k, v);
    }
    core.stop();
    await store.close();
    const db = new ClassicLevel<string, string>(scratch, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    await db.open();
    let keys = 0;
    const show = (s: string) => JSON.stringify(s.length > 300 ? `${s.slice(0, 300)}…` : s);
    const snapshots: string[] = [];
    for await (const [k, v] of db.iterator()) {
      keys++;
      const want = expected.get(k);
      if (want === undefined) throw new Error(`the server wrote a key the loader does not: ${show(k)}`);
      if (k.startsWith('s\x00')) snapshots.push(k);
      else if (want !== v) throw new Error(`value differs at ${show(k)}:\n server ${show(v)}\n loader ${show(want)}`);
    }
    await db.close();
    if (keys !== expected.size) throw new Error(`the server wrote ${keys} keys, the loader ${expected.size}`);
    const reopened = await LevelStore.open(scratch);
    try {
      for (const k of snapshots) {
        const loaded = (await reopened.loadMerchant(k.slice(2)))!;
        const m = Merchant.restore(loaded.snapshot, loaded.orders);
        for (const ev of loaded.tail) m.apply(ev);
        const got = encodeRecord(RECORDS.snapshot, m.snapshot());
        if (got !== expected.get(k)) throw new Error(`merchant differs at ${show(k)}:\n server ${show(got)}\n loader ${show(expected.get(k)!)}`);
      }
    } finally {
      await reopened.close();
    }
    return { merchants: job.sample.length, orders, keys, ms: performance.now() - t0 };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

serve({
  load: (job: LoadJob) => load(job),
  verify: (job: VerifyJob) => verify(job),
  ping: () => 'pong',
});
