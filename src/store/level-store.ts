/**
 * The LevelDB store (classic-level). Key layout, with NUL as the separator
 * (ids are printable ASCII, so they never contain it):
 *
 *   s <m>                 merchant snapshot (up to 15 order-only events behind the
 *                         journal: a MerchantCommit without a snapshot; loading replays them)
 *   e <m> <seq:12>        journal event (it may refer to an order row and to an
 *                         earlier event instead of repeating them: ./journal.ts)
 *   o <m> <order_id>      order
 *   f <m> <financing_id>  financing
 *   r <m> <request_id>    RequestFinancing's first answer
 *   l <lender_id>         lender
 *   x <n:16>              outbox row, in the order written
 *   t <ms:15> <m>         a merchant's pending deadline
 *
 * Group commit: commits that arrive while a write is in flight are written
 * together in the next synced batch, which starts at the end of the event
 * loop's turn in which the write completed; every caller is answered only
 * after the batch that holds its commit is on disk. With no write in flight while
 * commits come concurrently, a commit waits `lingerMs` for others to share
 * its write (LevelStoreOptions.lingerMs).
 */
import { ClassicLevel, type ChainedBatch } from 'classic-level';
import { decode, encode, encodeRecord, RECORDS } from './codec';
import { copyInto, type CopyResult, type Target } from './backup';
import { decodeEvent, encodeEvent, missingRefs, orderRowOf, resolveEvents, type EventRow } from './journal';
import type { MerchantSnapshot } from '../domain/merchant';
import type { Effect, Financing, Lender, MerchantEvent, Order } from '../domain/types';
import type { LoadedMerchant, MerchantCommit, OutboxRow, RequestRecord, Store, TimerRow } from './store';

const SEP = '\x00';
const END = '\x01';
const pad = (n: number, width: number) => String(n).padStart(width, '0');

const k = {
  snap: (m: string) => `s${SEP}${m}`,
  event: (m: string, seq: number) => `e${SEP}${m}${SEP}${pad(seq, 12)}`,
  eventsOf: (m: string) => `e${SEP}${m}${SEP}`,
  order: (m: string, id: string) => `o${SEP}${m}${SEP}${id}`,
  ordersOf: (m: string) => `o${SEP}${m}${SEP}`,
  financing: (m: string, id: string) => `f${SEP}${m}${SEP}${id}`,
  request: (m: string, id: string) => `r${SEP}${m}${SEP}${id}`,
  lender: (id: string) => `l${SEP}${id}`,
  outbox: (n: number) => `x${SEP}${pad(n, 16)}`,
  timer: (deadline: number, m: string) => `t${SEP}${pad(deadline, 15)}${SEP}${m}`,
};

type Op = { type: 'put'; key: string; value: string } | { type: 'del'; key: string };
type Batch = ChainedBatch<ClassicLevel<string, string>, string, string>;

/**
 * Adds operations to a chained batch. A chained batch, not db.batch(array):
 * abstract-level's array batch copies and re-validates every operation object
 * and the binding then reads each one's properties, ~5x the CPU per operation
 * of chained put()/del() at 64-256 operations per batch (Buffers instead of
 * strings cost more).
 */
function fill(batch: Batch, ops: readonly Op[]): void {
  for (const op of ops) {
    if (op.type === 'put') batch.put(op.key, op.value);
    else batch.del(op.key);
  }
}

/** The batch that the next synced write will write, and whom it answers. */
interface OpenBatch {
  batch: Batch;
  ops: number;
  waiters: { count: number; resolve: (value: unknown) => void; reject: (e: unknown) => void; value: unknown }[];
}

export interface LevelStoreOptions {
  /** Test hook: throw instead of writing (disk full, I/O error). */
  failWrites?: () => Error | undefined;
  /** Observes each synced batch (metrics, tests). */
  onBatch?: (commits: number, ops: number, ms: number) => void;
  /**
   * LevelDB's max_open_files. LevelDB maps every open table file into memory
   * (up to 1,000 on 64-bit) and a table stays open while it is in the table
   * cache, so this bounds the table pages that count in the process's RSS.
   */
  maxOpenFiles?: number;
  /**
   * With no write in flight, while commits come concurrently (the last
   * write, less than 10 lingers ago, held more than one), the next commit
   * waits this long before its batch is written, so that those arriving
   * meanwhile share the sync and the hand-offs to and from LevelDB's thread
   * (each a thread wake-up). A commit after a quiet spell or after a lone
   * one (a client that waits for each answer), or with 0, is written at
   * once. While a write is in flight the next batch gathers anyway and is
   * written at the end of the turn in which that write completes.
   */
  lingerMs?: number;
}

/** Commits count as concurrent while the last write, of more than one, finished at most this many lingers ago. */
const CONCURRENT_WINDOW_LINGERS = 10;

/** Entries per native read of a range (see readRange). */
const RANGE_CHUNK = 64;

export class LevelStore implements Store {
  private outboxSeq = 0;
  private next: OpenBatch | undefined;
  private writing = false;
  /** When the last synced write completed, if it held more than one commit (performance.now()). */
  private lastShared = Number.NEGATIVE_INFINITY;
  /** Snapshot rows asked for in this run of microtasks (readSnapshotRow). */
  private snapReads: { key: string; resolve: (value: string | undefined) => void; reject: (e: unknown) => void }[] | undefined;

  private constructor(private readonly db: ClassicLevel<string, string>, private readonly opts: LevelStoreOptions) {}

  static async open(dir: string, opts: LevelStoreOptions = {}): Promise<LevelStore> {
    const db = new ClassicLevel<string, string>(dir, {
      keyEncoding: 'utf8', valueEncoding: 'utf8', ...(opts.maxOpenFiles ? { maxOpenFiles: opts.maxOpenFiles } : {}),
    });
    await db.open();
    const s = new LevelStore(db, opts);
    // Continue the outbox numbering after the last row (O(1): one seek).
    for await (const key of db.keys({ gte: `x${SEP}`, lt: `x${END}`, reverse: true, limit: 1 })) {
      s.outboxSeq = Number(key.slice(2));
    }
    return s;
  }

  private opsOf(c: MerchantCommit, ops: Op[]): void {
    const m = c.merchantId;
    if (c.snapshot) ops.push({ type: 'put', key: k.snap(m), value: encodeRecord(RECORDS.snapshot, c.snapshot) });
    for (const e of c.events) ops.push({ type: 'put', key: k.event(m, e.seq), value: encodeEvent(e, c.journal, (id) => orderRowOf(c.orders, id)) });
    for (const o of c.orders) ops.push({ type: 'put', key: k.order(m, o.orderId), value: encodeRecord(RECORDS.order, o) });
    for (const f of c.financings) ops.push({ type: 'put', key: k.financing(m, f.financingId), value: encodeRecord(RECORDS.financing, f) });
    for (const e of c.effects) ops.push({ type: 'put', key: k.outbox(++this.outboxSeq), value: encodeRecord(RECORDS.effect, e) });
    if (c.request) ops.push({ type: 'put', key: k.request(m, c.request.requestId), value: encode(c.request.record) });
    if (c.timer && c.timer.before !== c.timer.after) {
      if (c.timer.before) ops.push({ type: 'del', key: k.timer(c.timer.before, m) });
      if (c.timer.after) ops.push({ type: 'put', key: k.timer(c.timer.after, m), value: c.timer.financingId });
    }
  }

  /**
   * Commits and returns the outbox keys given to the effects, in order. Not
   * an async function: a commit waits out a synced write with the commands
   * behind it, and a suspended async function keeps its frame alive (and
   * through scavenges) for all that time.
   */
  commit(commits: MerchantCommit[]): Promise<string[]> {
    const ops: Op[] = [];
    const keys: string[] = [];
    try {
      for (const c of commits) {
        const first = this.outboxSeq + 1;
        this.opsOf(c, ops);
        for (let n = first; n <= this.outboxSeq; n++) keys.push(k.outbox(n));
      }
    } catch (e) {
      return Promise.reject(e);
    }
    return this.enqueue(ops, commits.length, keys);
  }

  /**
   * Adds a commit's operations to the batch that the next synced write will
   * write, at once: the native batch copies the encoded strings, so they die
   * young instead of waiting in a queue through the write in flight (they
   * outlived scavenges and were promoted, most of the runtime's GC work).
   * A commit whose operations could not all be added fails with every commit
   * of its batch, which is then never written: no batch holds part of one.
   */
  private enqueue<T = void>(ops: Op[], count: number, value?: T): Promise<T> {
    const open = (this.next ??= { batch: this.db.batch(), ops: 0, waiters: [] });
    return new Promise<T>((resolve, reject) => {
      open.waiters.push({ count, resolve: resolve as (value: unknown) => void, reject, value });
      try {
        fill(open.batch, ops);
        open.ops += ops.length;
      } catch (e) {
        if (this.next === open) this.next = undefined;
        void open.batch.close().catch(() => {});
        for (const w of open.waiters) w.reject(e);
        return;
      }
      if (this.writing) return;
      this.writing = true;
      const linger = this.opts.lingerMs ?? 0;
      if (linger > 0 && performance.now() - this.lastShared < CONCURRENT_WINDOW_LINGERS * linger) setTimeout(() => void this.drain(), linger);
      else void this.drain();
    });
  }

  /** Writes the open batches one after another; `writing` is set by the caller. */
  private async drain(): Promise<void> {
    while (this.next) {
      const group = this.next;
      this.next = undefined;
      const t0 = performance.now();
      try {
        const injected = this.opts.failWrites?.();
        if (injected) throw injected;
        await group.batch.write({ sync: true });
        const commits = group.waiters.reduce((c, w) => c + w.count, 0);
        if (commits > 1) this.lastShared = performance.now();
        else if (commits === 1) this.lastShared = Number.NEGATIVE_INFINITY; // a lone commit: no company now
        this.opts.onBatch?.(commits, group.ops, performance.now() - t0);
        for (const w of group.waiters) w.resolve(w.value);
      } catch (e) {
        await group.batch.close().catch(() => {});
        for (const w of group.waiters) w.reject(e);
      }
      // The next write starts at the end of this turn of the event loop, not
      // at once: with what the answers' reactions (a merchant's next
      // commands) and the runtime thread's turn (thread-protocol.ts, Intake)
      // start meanwhile, instead of leaving them for the write after.
      await new Promise((r) => setImmediate(r));
    }
    this.writing = false;
  }

  async loadMerchant(merchantId: string): Promise<LoadedMerchant | undefined> {
    const raw = await this.readSnapshotRow(k.snap(merchantId));
    if (raw === undefined) return undefined;
    const snapshot = decode<MerchantSnapshot>(raw);
    // Both ranges at once (readRange). Nothing else writes this merchant
    // meanwhile: loads run in its mailbox.
    const p = k.ordersOf(merchantId);
    const [tailRows, rows] = await Promise.all([
      this.readJournal(merchantId, snapshot.seq + 1, Number.MAX_SAFE_INTEGER),
      this.readRange({ gte: p, lt: p.slice(0, -1) + END }),
    ]);
    const orders = rows.map((v) => decode<Order>(v));
    const tail = await this.resolve(merchantId, tailRows, orders);
    return { snapshot, tail, orders };
  }

  /**
   * A snapshot row, read together with the others asked for in the same run
   * of the event loop's microtasks: one db.getMany for all of them. A single
   * db.get takes a LevelDB snapshot on the calling thread (classic-level's
   * GetWorker), which locks the database's mutex; under load that mutex is
   * held by LevelDB's other threads (the write, the compaction, the reads in
   * libuv's pool), and on two busy cores the runtime thread waited for it
   * ~22 µs a get when every order came for a merchant not in memory
   * (docs/benchmarks.md, "Sixteenth session"). getMany takes one snapshot for
   * the lot, and reads them in one task of libuv's pool.
   */
  private readSnapshotRow(key: string): Promise<string | undefined> {
    return new Promise<string | undefined>((resolve, reject) => {
      if (this.snapReads === undefined) {
        this.snapReads = [];
        queueMicrotask(() => this.flushSnapshotReads());
      }
      this.snapReads.push({ key, resolve, reject });
    });
  }

  private flushSnapshotReads(): void {
    const reads = this.snapReads!;
    this.snapReads = undefined;
    this.db.getMany(reads.map((r) => r.key)).then(
      (values) => {
        for (let i = 0; i < reads.length; i++) reads[i]!.resolve(values[i]);
      },
      (e: unknown) => {
        for (const r of reads) r.reject(e);
      },
    );
  }

  async readEvents(merchantId: string, fromSeq: number, limit: number): Promise<MerchantEvent[]> {
    return this.resolve(merchantId, await this.readJournal(merchantId, fromSeq, limit), undefined);
  }

  private async readJournal(merchantId: string, fromSeq: number, limit: number): Promise<(MerchantEvent | EventRow)[]> {
    const p = k.eventsOf(merchantId);
    const rows = await this.readRange({ gte: k.event(merchantId, Math.max(1, fromSeq)), lt: p.slice(0, -1) + END, limit });
    return rows.map(decodeEvent);
  }

  /** The events of journal rows, their references met (./journal.ts); `orders`: the merchant's order rows, when read already. */
  private async resolve(merchantId: string, rows: (MerchantEvent | EventRow)[], orders: Order[] | undefined): Promise<MerchantEvent[]> {
    const { orderIds, baseSeqs } = missingRefs(rows);
    if (orderIds.length === 0 && baseSeqs.length === 0) return rows as MerchantEvent[];
    const byId = new Map<string, Order>();
    if (orders) {
      for (const o of orders) byId.set(o.orderId, o);
    } else if (orderIds.length > 0) {
      const values = await this.db.getMany(orderIds.map((id) => k.order(merchantId, id)));
      values.forEach((v) => {
        if (v !== undefined) {
          const o = decode<Order>(v);
          byId.set(o.orderId, o);
        }
      });
    }
    const bases = new Map<number, MerchantEvent | EventRow>();
    if (baseSeqs.length > 0) {
      const values = await this.db.getMany(baseSeqs.map((seq) => k.event(merchantId, seq)));
      values.forEach((v, i) => {
        if (v !== undefined) bases.set(baseSeqs[i]!, decodeEvent(v));
      });
    }
    return resolveEvents(rows, (id) => byId.get(id), (seq) => bases.get(seq));
  }

  /**
   * The values of a key range, read RANGE_CHUNK at a time. classic-level's
   * native iterator reserves room for as many entries as one nextv asks for
   * and holds it until its JavaScript object is garbage collected, which V8
   * does not hurry (it cannot see that memory). all() asks for 1,000 at a
   * time: ~64 KB held per iterator, two iterators per merchant load, and a
   * server loading random merchants grew by hundreds of MB. 64 at a time holds
   * ~4 KB and reads a typical merchant in the same two round trips.
   */
  private async readRange(range: { gte: string; lt: string; limit?: number }): Promise<string[]> {
    const it = this.db.values(range);
    try {
      const out: string[] = [];
      for (;;) {
        const chunk = await it.nextv(RANGE_CHUNK);
        if (chunk.length === 0) return out;
        for (const v of chunk) out.push(v);
      }
    } finally {
      await it.close();
    }
  }

  async getFinancing(merchantId: string, financingId: string): Promise<Financing | undefined> {
    const v = await this.db.get(k.financing(merchantId, financingId));
    return v === undefined ? undefined : decode<Financing>(v);
  }

  async getOrder(merchantId: string, orderId: string): Promise<Order | undefined> {
    const v = await this.db.get(k.order(merchantId, orderId));
    return v === undefined ? undefined : decode<Order>(v);
  }

  async getRequest(merchantId: string, requestId: string): Promise<RequestRecord | undefined> {
    const v = await this.db.get(k.request(merchantId, requestId));
    return v === undefined ? undefined : decode<RequestRecord>(v);
  }

  async putLender(lender: Lender): Promise<void> {
    await this.enqueue([{ type: 'put', key: k.lender(lender.lenderId), value: encode(lender) }], 1);
  }

  async listLenders(): Promise<Lender[]> {
    const out: Lender[] = [];
    for await (const v of this.db.values({ gte: `l${SEP}`, lt: `l${END}` })) out.push(decode<Lender>(v));
    return out;
  }

  async scanOutboxAfter(afterKey: string, limit: number): Promise<OutboxRow[]> {
    const out: OutboxRow[] = [];
    const range = afterKey ? { gt: afterKey, lt: `x${END}`, limit } : { gte: `x${SEP}`, lt: `x${END}`, limit };
    for await (const [key, v] of this.db.iterator(range)) out.push({ key, effect: decode<Effect>(v) });
    return out;
  }

  async deleteOutbox(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    // Not waited for: the deletes ride in the next synced batch (no write of
    // their own, ~0.2-0.6 ms of the runtime thread each on a busy 2-core
    // machine), and the caller goes on at once. Losing a delete, to a crash
    // or a failed batch, only re-sends an effect under its same idempotency
    // key, which the lender deduplicates.
    this.enqueue(keys.map((key) => ({ type: 'del' as const, key })), 0).catch(() => {});
  }

  async replaceOutbox(remove: string[], row: OutboxRow): Promise<void> {
    const ops: Op[] = remove.filter((key) => key !== row.key).map((key) => ({ type: 'del' as const, key }));
    ops.push({ type: 'put', key: row.key, value: encodeRecord(RECORDS.effect, row.effect) });
    await this.enqueue(ops, 0);
  }

  async scanTimers(): Promise<TimerRow[]> {
    const out: TimerRow[] = [];
    for await (const [key, financingId] of this.db.iterator({ gte: `t${SEP}`, lt: `t${END}` })) {
      const [, deadline, merchantId] = key.split(SEP);
      out.push({ deadline: Number(deadline), merchantId: merchantId!, financingId });
    }
    return out;
  }

  /**
   * Copies the whole store, as of one LevelDB snapshot taken now, into the
   * prepared target while commits go on (./backup.ts, AdminService.CreateBackup).
   */
  backupTo(target: Target): Promise<CopyResult> {
    return copyInto(this.db, target);
  }

  async close(): Promise<void> {
    while (this.writing || this.next) await new Promise((r) => setTimeout(r, 5));
    await this.db.close();
  }
}
