/**
 * An in-memory Store for the deterministic simulation, with the semantics of
 * the LevelDB store (src/store/level-store.ts) made explicit:
 *
 *  - DurableState is "the disk": it outlives a crash. MemoryStore is one
 *    life's handle on it; a new life (restart) opens a new MemoryStore over
 *    the same DurableState.
 *  - Synced writes (commit, replaceOutbox) queue in `pending` and reach the
 *    disk only when the simulator calls flush(): one atomic group commit for
 *    everything queued. Until then callers wait, exactly like a caller of
 *    LevelStore waits for its synced batch. flush() can fail the whole group
 *    (disk full, I/O error): nothing of it is written.
 *  - Unsynced writes (deleteOutbox) are visible at once but are made durable
 *    only by the next successful synced write (LevelDB's log is sequential);
 *    a crash that loses unsynced data drops them.
 *  - crash(): the life's store is dead. Its queued writes are dropped (never
 *    answered), and every later call on it never answers either, so nothing of
 *    the dead life can touch the disk again.
 *
 * Values are stored encoded (src/store/codec.ts) so no object is shared between
 * the runtime's memory and "the disk".
 */
import { decode, encode, encodeRecord, RECORDS } from '../../store/codec';
import { decodeEvent, encodeEvent, orderRowOf, REFERRING_ROW_PREFIX, resolveEvents } from '../../store/journal';
import type { MerchantSnapshot } from '../../domain/merchant';
import type { Effect, Financing, Lender, MerchantEvent, Order } from '../../domain/types';
import type { LoadedMerchant, MerchantCommit, OutboxRow, RequestRecord, Store, TimerRow } from '../../store/store';

const SEP = '\x00';
const pad = (n: number, width: number) => String(n).padStart(width, '0');

type Table = Map<string, string>;
type Op = { type: 'put'; group: string; sub: string; value: string } | { type: 'del'; group: string; sub: string };

/** Table (group) names; sub-keys sort like LevelStore's keys within a group. */
const g = {
  snap: 's',
  events: (m: string) => `e${SEP}${m}`,
  orders: (m: string) => `o${SEP}${m}`,
  financings: (m: string) => `f${SEP}${m}`,
  requests: (m: string) => `r${SEP}${m}`,
  lenders: 'l',
  outbox: 'x',
  timers: 't',
};
const outboxKey = (n: number) => `x${SEP}${pad(n, 16)}`;
const outboxSub = (key: string) => key.slice(2);

/** An outbox row as written, for the simulator's checks. */
export interface WrittenEffect {
  key: string;
  effect: Effect;
}

export class DurableState {
  readonly tables = new Map<string, Table>();
  /** Unsynced deletes: visible to reads, durable only after the next synced write. */
  readonly volatileDeletes = new Set<string>();
  /** Per merchant, bumped on every durable change (the simulator rechecks only what changed). */
  readonly versions = new Map<string, number>();
  /** Every outbox row ever made durable, by idempotency key (last written). */
  readonly writtenEffects = new Map<string, Effect>();
  /** Keys written twice with different payloads (must stay empty: D4). */
  readonly rewrites: string[] = [];
  /** Decoded values by their encoding (the simulator's reads share them; the store's do not). */
  private readonly decoded = new Map<string, unknown>();
  /** Synced batches written and failed. */
  batches = 0;
  failedBatches = 0;

  table(group: string): Table {
    let t = this.tables.get(group);
    if (!t) this.tables.set(group, (t = new Map()));
    return t;
  }

  get(group: string, sub: string): string | undefined {
    if (this.volatileDeletes.has(group + SEP + sub)) return undefined;
    return this.tables.get(group)?.get(sub);
  }

  /** Visible rows of a group in key order. */
  scan(group: string): [string, string][] {
    const t = this.tables.get(group);
    if (!t) return [];
    const out: [string, string][] = [];
    for (const [sub, v] of t) if (!this.volatileDeletes.has(group + SEP + sub)) out.push([sub, v]);
    out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return out;
  }

  /** Applies one synced batch atomically (the earlier unsynced deletes first). */
  applySynced(ops: Op[], payloadOf: (e: Effect) => string): void {
    this.persistVolatile();
    for (const op of ops) {
      const t = this.table(op.group);
      if (op.type === 'put') {
        if (op.group === g.outbox) {
          const effect = decode<Effect & { sealed?: boolean }>(op.value);
          const prior = this.writtenEffects.get(effect.idempotencyKey);
          if (prior && payloadOf(prior) !== payloadOf(effect)) this.rewrites.push(effect.idempotencyKey);
          this.writtenEffects.set(effect.idempotencyKey, effect);
        }
        t.set(op.sub, op.value);
      } else {
        t.delete(op.sub);
      }
      this.touch(op);
    }
    this.batches++;
  }

  private persistVolatile(): void {
    // Only outbox rows are deleted unsynced.
    for (const k of this.volatileDeletes) this.tables.get(g.outbox)?.delete(k.slice(g.outbox.length + 1));
    this.volatileDeletes.clear();
  }

  private touch(op: Op): void {
    const m = op.group === g.snap ? op.sub : op.group.length > 2 && op.group[1] === SEP ? op.group.slice(2) : undefined;
    if (m !== undefined) this.versions.set(m, (this.versions.get(m) ?? 0) + 1);
  }

  /** The process died: unsynced writes are lost when `loseUnsynced` (power cut), kept otherwise (kill -9). */
  crash(loseUnsynced: boolean): void {
    if (loseUnsynced) this.volatileDeletes.clear();
    else this.persistVolatile();
  }

  // ------------------------------------------------------------- typed reads
  // Shared, cached objects unless `fresh`: the simulator only reads them;
  // what the store hands the runtime is always a fresh copy.

  private dec<T>(raw: string, fresh: boolean): T {
    let v = this.decoded.get(raw);
    if (fresh) return v === undefined ? decode<T>(raw) : structuredClone(v as T);
    if (v === undefined) {
      if (this.decoded.size > 200_000) this.decoded.clear();
      v = decode<T>(raw);
      this.decoded.set(raw, v);
    }
    return v as T;
  }

  snapshot(m: string, fresh = false): MerchantSnapshot | undefined {
    const v = this.get(g.snap, m);
    return v === undefined ? undefined : this.dec<MerchantSnapshot>(v, fresh);
  }

  events(m: string, fromSeq = 1, fresh = false): MerchantEvent[] {
    const from = pad(Math.max(1, fromSeq), 12);
    return this.scan(g.events(m)).filter(([sub]) => sub >= from).map(([, v]) => this.event(m, v, fresh));
  }

  /** A journal row's event, its references (src/store/journal.ts) met from the rows on "the disk". */
  private event(m: string, raw: string, fresh: boolean): MerchantEvent {
    if (!raw.startsWith(REFERRING_ROW_PREFIX)) return this.dec<MerchantEvent>(raw, fresh);
    let v = fresh ? undefined : (this.decoded.get(raw) as MerchantEvent | undefined);
    if (v === undefined) {
      const row = decodeEvent(raw);
      const base = (seq: number) => {
        const b = this.eventRaw(m, seq);
        return b === undefined ? undefined : decodeEvent(b);
      };
      v = resolveEvents([row], (id) => this.order(m, id, true), base)[0]!;
      if (!fresh) this.decoded.set(raw, v);
    }
    return v;
  }

  /** The journal's sequence numbers, in key order. */
  eventSeqs(m: string): number[] {
    return this.scan(g.events(m)).map(([sub]) => Number(sub));
  }

  eventCount(m: string): number {
    return this.tables.get(g.events(m))?.size ?? 0;
  }

  /** Journal rows that refer to other rows (src/store/journal.ts). */
  referringEventCount(m: string): number {
    let n = 0;
    for (const v of this.tables.get(g.events(m))?.values() ?? []) if (v.startsWith(REFERRING_ROW_PREFIX)) n++;
    return n;
  }

  eventRaw(m: string, seq: number): string | undefined {
    return this.get(g.events(m), pad(seq, 12));
  }

  /**
   * The event stored at `seq` as encodeRecord writes it in full: its row, or
   * for a row with references (src/store/journal.ts) the event they rebuild,
   * so it compares with what was published.
   */
  eventText(m: string, seq: number): string | undefined {
    const raw = this.eventRaw(m, seq);
    if (raw === undefined || !raw.startsWith(REFERRING_ROW_PREFIX)) return raw;
    return encodeRecord(RECORDS.event, this.event(m, raw, true));
  }

  orders(m: string, fresh = false): Order[] {
    return this.scan(g.orders(m)).map(([, v]) => this.dec<Order>(v, fresh));
  }

  order(m: string, id: string, fresh = false): Order | undefined {
    const v = this.get(g.orders(m), id);
    return v === undefined ? undefined : this.dec<Order>(v, fresh);
  }

  financings(m: string): Financing[] {
    return this.scan(g.financings(m)).map(([, v]) => this.dec<Financing>(v, false));
  }

  financing(m: string, id: string, fresh = false): Financing | undefined {
    const v = this.get(g.financings(m), id);
    return v === undefined ? undefined : this.dec<Financing>(v, fresh);
  }

  financingRaw(m: string, id: string): string | undefined {
    return this.get(g.financings(m), id);
  }

  request(m: string, id: string, fresh = false): RequestRecord | undefined {
    const v = this.get(g.requests(m), id);
    return v === undefined ? undefined : this.dec<RequestRecord>(v, fresh);
  }

  outbox(fresh = false): OutboxRow[] {
    return this.scan(g.outbox).map(([sub, v]) => ({ key: `x${SEP}${sub}`, effect: this.dec<Effect>(v, fresh) }));
  }

  timers(): TimerRow[] {
    return this.scan(g.timers).map(([sub, financingId]) => {
      const [deadline, merchantId] = sub.split(SEP);
      return { deadline: Number(deadline), merchantId: merchantId!, financingId };
    });
  }

  putLender(l: Lender): void {
    this.table(g.lenders).set(l.lenderId, encode(l));
  }

  lenders(): Lender[] {
    return this.scan(g.lenders).map(([, v]) => decode<Lender>(v));
  }

  lastOutboxSeq(): number {
    const rows = this.scan(g.outbox);
    return rows.length === 0 ? 0 : Number(rows[rows.length - 1]![0]);
  }
}

interface Group {
  ops: Op[];
  resolve: () => void;
  reject: (e: unknown) => void;
}

const never = <T>(): Promise<T> => new Promise<T>(() => {});

export interface MemoryStoreHooks {
  /** Called on every store activity (the simulator's quiescence detector). */
  activity(): void;
  /** The wire payload of an effect (for the D4 rewrite check). */
  payloadOf(e: Effect): string;
}

export class MemoryStore implements Store {
  private dead = false;
  private pending: Group[] = [];
  private outboxSeq: number;
  /** While set, synced batches and outbox deletes fail with this error. */
  fault: Error | undefined;

  constructor(readonly disk: DurableState, private readonly hooks: MemoryStoreHooks) {
    // Like LevelStore.open: continue the outbox numbering after the last row.
    this.outboxSeq = disk.lastOutboxSeq();
  }

  get pendingGroups(): number {
    return this.pending.length;
  }

  get isDead(): boolean {
    return this.dead;
  }

  /**
   * Writes every queued group in one atomic batch and answers its callers, or
   * fails them all. With `silently`, the batch is written but nobody hears
   * back (the process dies between the write and the answers).
   */
  flush(opts: { silently?: boolean } = {}): { groups: number; failed: boolean } {
    if (this.dead) return { groups: 0, failed: false };
    const groups = this.pending;
    this.pending = [];
    if (groups.length === 0) return { groups: 0, failed: false };
    if (this.fault) {
      this.disk.failedBatches++;
      if (!opts.silently) for (const gr of groups) gr.reject(this.fault);
      this.hooks.activity();
      return { groups: groups.length, failed: true };
    }
    this.disk.applySynced(groups.flatMap((gr) => gr.ops), this.hooks.payloadOf);
    if (!opts.silently) for (const gr of groups) gr.resolve();
    this.hooks.activity();
    return { groups: groups.length, failed: false };
  }

  /** The life ends: queued writes are dropped unanswered, later calls never answer. */
  crash(): void {
    this.dead = true;
    this.pending = [];
  }

  private enqueue(ops: Op[]): Promise<void> {
    if (this.dead) return never();
    this.hooks.activity();
    return new Promise<void>((resolve, reject) => this.pending.push({ ops, resolve, reject }));
  }

  /** Answers a read on a later microtask, or never when the life is dead. */
  private async read<T>(fn: () => T): Promise<T> {
    if (this.dead) return never();
    this.hooks.activity();
    await Promise.resolve();
    if (this.dead) return never();
    return fn();
  }

  private opsOf(c: MerchantCommit, ops: Op[], keys: string[]): void {
    const m = c.merchantId;
    if (c.snapshot) ops.push({ type: 'put', group: g.snap, sub: m, value: encodeRecord(RECORDS.snapshot, c.snapshot) });
    for (const e of c.events) {
      ops.push({ type: 'put', group: g.events(m), sub: pad(e.seq, 12), value: encodeEvent(e, c.journal, (id) => orderRowOf(c.orders, id)) });
    }
    for (const o of c.orders) ops.push({ type: 'put', group: g.orders(m), sub: o.orderId, value: encodeRecord(RECORDS.order, o) });
    for (const f of c.financings) ops.push({ type: 'put', group: g.financings(m), sub: f.financingId, value: encodeRecord(RECORDS.financing, f) });
    for (const e of c.effects) {
      const key = outboxKey(++this.outboxSeq);
      keys.push(key);
      ops.push({ type: 'put', group: g.outbox, sub: outboxSub(key), value: encodeRecord(RECORDS.effect, e) });
    }
    if (c.request) ops.push({ type: 'put', group: g.requests(m), sub: c.request.requestId, value: encode(c.request.record) });
    if (c.timer && c.timer.before !== c.timer.after) {
      if (c.timer.before) ops.push({ type: 'del', group: g.timers, sub: `${pad(c.timer.before, 15)}${SEP}${m}` });
      if (c.timer.after) ops.push({ type: 'put', group: g.timers, sub: `${pad(c.timer.after, 15)}${SEP}${m}`, value: c.timer.financingId });
    }
  }

  async commit(commits: MerchantCommit[]): Promise<string[]> {
    if (this.dead) return never();
    const ops: Op[] = [];
    const keys: string[] = [];
    for (const c of commits) this.opsOf(c, ops, keys);
    await this.enqueue(ops);
    return keys;
  }

  loadMerchant(merchantId: string): Promise<LoadedMerchant | undefined> {
    return this.read(() => {
      const snapshot = this.disk.snapshot(merchantId, true);
      if (!snapshot) return undefined;
      return { snapshot, tail: this.disk.events(merchantId, snapshot.seq + 1, true), orders: this.disk.orders(merchantId, true) };
    });
  }

  readEvents(merchantId: string, fromSeq: number, limit: number): Promise<MerchantEvent[]> {
    return this.read(() => this.disk.events(merchantId, fromSeq, true).slice(0, limit));
  }

  getFinancing(merchantId: string, financingId: string): Promise<Financing | undefined> {
    return this.read(() => this.disk.financing(merchantId, financingId, true));
  }

  getOrder(merchantId: string, orderId: string): Promise<Order | undefined> {
    return this.read(() => this.disk.order(merchantId, orderId, true));
  }

  getRequest(merchantId: string, requestId: string): Promise<RequestRecord | undefined> {
    return this.read(() => this.disk.request(merchantId, requestId, true));
  }

  async putLender(lender: Lender): Promise<void> {
    if (this.dead) return never();
    this.disk.putLender(lender);
  }

  listLenders(): Promise<Lender[]> {
    return this.read(() => this.disk.lenders());
  }

  scanOutboxAfter(afterKey: string, limit: number): Promise<OutboxRow[]> {
    return this.read(() => this.disk.outbox(true).filter((r) => r.key > afterKey).slice(0, limit));
  }

  /** Unsynced, like LevelStore: visible now, durable with the next synced batch. */
  async deleteOutbox(keys: string[]): Promise<void> {
    if (this.dead) return never();
    this.hooks.activity();
    await Promise.resolve();
    if (this.dead) return never();
    if (this.fault) throw this.fault;
    for (const key of keys) this.disk.volatileDeletes.add(`${g.outbox}${SEP}${outboxSub(key)}`);
  }

  replaceOutbox(remove: string[], row: OutboxRow): Promise<void> {
    const ops: Op[] = remove.filter((key) => key !== row.key).map((key) => ({ type: 'del' as const, group: g.outbox, sub: outboxSub(key) }));
    ops.push({ type: 'put', group: g.outbox, sub: outboxSub(row.key), value: encodeRecord(RECORDS.effect, row.effect) });
    return this.enqueue(ops);
  }

  scanTimers(): Promise<TimerRow[]> {
    return this.read(() => this.disk.timers());
  }

  async close(): Promise<void> {
    // Nothing to release; queued writes stay queued until flushed.
  }
}
