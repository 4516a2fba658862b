/**
 * Router, shards and actors (DESIGN.md "Architecture").
 *
 *  R1 A merchant id hashes to one shard; within a shard each merchant is one
 *     actor with one mailbox: its commands and reads run one at a time.
 *  R2 Compute, persist, then act: a command runs against the in-memory state,
 *     its events + snapshot + outbox rows are committed in one synced batch
 *     (grouped with other actors' commits by the store), and only then is the
 *     caller answered, the events published and the effects handed to
 *     delivery. If the commit fails the actor's memory is dropped and
 *     reloaded from disk on next use, so nothing half-done survives.
 *  R3 Lazy activation: an actor is loaded from its snapshot (and the journal
 *     after it) on first use; start-up reads no merchant.
 *  R4 Passivation: actors idle longer than `idleMs`, or the least recently
 *     used while more than `maxActive` actors or more than `maxOrders` orders
 *     are in memory, are dropped from memory (their state is on disk
 *     already). The order bound is what bounds memory: merchants differ in
 *     size by orders of magnitude. Least recently used across all shards
 *     (one recency order for all actors): taking shard 0's oldest first
 *     evicted the busiest merchants of that shard while other shards held
 *     idle ones, and each came back with a reload of its whole order book
 *     (docs/benchmarks.md, "Seventeenth session").
 *  R5 Bounded queues: a full mailbox or shard gives RESOURCE_EXHAUSTED.
 *  R6 Commands queued together share a commit: when an actor takes a command
 *     that needs nothing from the store (no prepare, no request record) and
 *     more such commands wait behind it, it runs them one after another and
 *     commits their events in one MerchantCommit. Every answer, errors
 *     included, waits for that commit, since each was computed on the
 *     state the commands before it left; if the commit fails, all of them
 *     fail with it. While a commit is on disk the next commands queue, so a
 *     busy merchant's commands go in groups instead of one per synced
 *     batch.
 */
import { ensureError, exhausted, unavailable } from '../domain/errors';
import { Merchant, type DomainConfig, type Env, type Tx } from '../domain/merchant';
import type { Effect, Financing, MerchantEvent, Order } from '../domain/types';
import { JournalWriter } from '../store/journal';
import type { MerchantCommit, RequestRecord, Store } from '../store/store';
import type { Clock } from './clock';

export interface RuntimeConfig {
  shards: number;
  maxActive: number;
  /** Orders held by all active actors together (R4). */
  maxOrders: number;
  idleMs: number;
  maxMailbox: number;
  maxShardQueue: number;
  domain: DomainConfig;
}

export interface Committed {
  merchantId: string;
  events: MerchantEvent[];
  effects: { key: string; effect: Effect }[];
  deadline: { at: number; financingId: string };
}

/**
 * A mailbox entry: a read or a command, and how to answer its caller. A
 * command is held as its options, not wrapped in closures (two per command,
 * kept in the mailbox and through the write).
 */
interface Task {
  /** A read. */
  work: ((slot: Slot) => Promise<unknown>) | undefined;
  /** A command. */
  command: CommandOptions<unknown, unknown> | undefined;
  /** A command that may share its commit with the commands queued after it (R6): no prepare step, no request record. */
  shares: boolean;
  resolve: (value: unknown) => void;
  reject: (e: unknown) => void;
}

/** Commands that share one commit at most (R6). */
const MAX_GROUP = 64;

/** The state a command or group of commands started from: what decides the snapshot write and the timer row. */
interface Before {
  deadline: number;
  state: string;
  financingId: string | undefined;
}

interface Slot {
  merchantId: string;
  shard: Shard;
  merchant: Merchant | undefined;
  mailbox: Task[];
  running: boolean;
  lastUsed: number;
  /** Orders of this actor counted in Router.ordersHeld. */
  held: number;
  /** What the actor's next journal rows may refer to (src/store/journal.ts); dropped with the actor. */
  journal: JournalWriter | undefined;
}

interface Shard {
  queued: number;
}

export interface CommandOptions<T, C> {
  /**
   * Runs first, inside the mailbox: reads what the body needs from the store
   * (an ended financing, a request_id record), or answers without running.
   */
  prepare?: (m: Merchant) => Promise<{ answer: T } | { context: C }>;
  body: (m: Merchant, context: C | undefined) => T;
  request?: { requestId: string; record: (result: T, tx: Tx) => RequestRecord };
}

/**
 * Fewer than this many journal events follow the last written snapshot (see
 * runCommand). Each tail event costs a cold activation ~5 µs (read, decode,
 * apply), about what an order row costs; at 16 a command skips 15/16 of the
 * snapshot writes and an activation replays at most 15 events (64 would skip
 * 63/64 for up to 63 replayed events, ~+300 µs on an activation).
 */
const SNAPSHOT_EVERY = 16;

/**
 * FNV-1a (32-bit) over the id's UTF-16 code units: stable and cheap (~40 ns
 * against ~2 µs for a sha1 digest). Shards exist in memory only, so changing
 * the hash moves no data.
 */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * The financing records a command that writes the snapshot writes: those its
 * events changed, and the active one, which earlier commands may have changed
 * without writing it (see runCommand).
 */
function financingsToWrite(tx: Pick<Tx, 'financings'>, active: Financing | null): Financing[] {
  if (!active) return [...tx.financings.values()];
  return [...new Map(tx.financings).set(active.financingId, active).values()];
}

/** What the commands of a group changed, in their order: later versions of an order or financing win. */
function mergeTxs(txs: Tx[]): Pick<Tx, 'events' | 'effects' | 'dirtyOrders' | 'financings'> {
  const out = { events: [] as MerchantEvent[], effects: [] as Effect[], dirtyOrders: new Map<string, Order>(), financings: new Map<string, Financing>() };
  for (const tx of txs) {
    for (const e of tx.events) out.events.push(e);
    for (const e of tx.effects) out.effects.push(e);
    for (const [id, o] of tx.dirtyOrders) out.dirtyOrders.set(id, o);
    for (const [id, f] of tx.financings) out.financings.set(id, f);
  }
  return out;
}

export class Router {
  private readonly shards: Shard[];
  private active = 0;
  private ordersHeld = 0;
  private sweeper: NodeJS.Timeout | undefined;
  private inFlight = 0;
  /** Every actor's slot, least recently used first (R4). */
  private readonly slots = new Map<string, Slot>();
  /** Actors passivated since start, by reason (metrics). */
  private readonly passivated = { idle: 0, capacity: 0 };
  private draining: (() => void) | undefined;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly config: RuntimeConfig,
    private readonly random: { newFinancingId(): string; newCode(): string },
    private readonly onCommitted: (c: Committed) => void,
  ) {
    this.shards = Array.from({ length: config.shards }, () => ({ queued: 0 }));
    if (config.idleMs > 0) {
      this.sweeper = setInterval(() => this.sweepIdle(), Math.max(1000, Math.floor(config.idleMs / 2)));
      this.sweeper.unref();
    }
  }

  stats(): { active: number; orders: number; shards: number[]; passivated: { idle: number; capacity: number } } {
    return { active: this.active, orders: this.ordersHeld, shards: this.shards.map((s) => s.queued), passivated: { ...this.passivated } };
  }

  shardOf(merchantId: string): number {
    return fnv1a(merchantId) % this.shards.length;
  }

  /** Runs a read against the merchant's current state (in its mailbox). */
  read<T>(merchantId: string, fn: (m: Merchant) => T | Promise<T>): Promise<T> {
    return this.enqueue(merchantId, async (slot) => fn(await this.load(slot)), undefined);
  }

  /** Runs a command: compute, persist, then answer (R2). */
  command<T, C = undefined>(merchantId: string, opts: CommandOptions<T, C>): Promise<T> {
    return this.enqueue(merchantId, undefined, opts as CommandOptions<unknown, unknown>) as Promise<T>;
  }

  /** Resolves when no command is running or queued. */
  async drain(): Promise<void> {
    if (this.inFlight === 0) return;
    await new Promise<void>((resolve) => (this.draining = resolve));
  }

  stop(): void {
    if (this.sweeper) clearInterval(this.sweeper);
  }

  private enqueue<T>(merchantId: string, work: ((slot: Slot) => Promise<T>) | undefined, command: CommandOptions<unknown, unknown> | undefined): Promise<T> {
    const shard = this.shards[this.shardOf(merchantId)]!;
    let slot = this.slots.get(merchantId);
    if (slot && slot.mailbox.length >= this.config.maxMailbox) {
      return Promise.reject(exhausted('MAILBOX_FULL', `too many requests queued for merchant ${merchantId}`, 100));
    }
    if (shard.queued >= this.config.maxShardQueue) {
      return Promise.reject(exhausted('SHARD_BUSY', 'the service is overloaded', 100));
    }
    if (!slot) {
      slot = { merchantId, shard, merchant: undefined, mailbox: [], running: false, lastUsed: 0, held: 0, journal: undefined };
      this.slots.set(merchantId, slot);
    } else {
      // Map order is recency order: move to the back.
      this.slots.delete(merchantId);
      this.slots.set(merchantId, slot);
    }
    const s = slot;
    shard.queued++;
    this.inFlight++;
    return new Promise<T>((resolve, reject) => {
      const shares = command !== undefined && !command.prepare && !command.request;
      s.mailbox.push({ work, command, shares, resolve: resolve as (v: unknown) => void, reject });
      if (!s.running) this.pump(s);
    });
  }

  /** Bookkeeping once a task is answered. */
  private done(slot: Slot, tasks: number): void {
    slot.shard.queued -= tasks;
    this.inFlight -= tasks;
    slot.lastUsed = Date.now();
    if (this.inFlight === 0 && this.draining) {
      this.draining();
      this.draining = undefined;
    }
  }

  /**
   * Runs the slot's mailbox, one task (or group, R6) at a time, until it is
   * empty. Not an async function: a suspended pump kept its frame, and a
   * promise for each await, alive through every command's synced write; here
   * a task's answer is the reaction that starts the next.
   */
  private pump(slot: Slot): void {
    slot.running = true;
    this.pumpNext(slot);
  }

  private pumpNext(slot: Slot): void {
    const box = slot.mailbox;
    if (box.length === 0) {
      slot.running = false;
      if (this.overCap()) this.evictOverCap();
      return;
    }
    let n = 1;
    if (box[0]!.shares) while (n < box.length && n < MAX_GROUP && box[n]!.shares) n++;
    if (n > 1) {
      void this.runGroup(slot, box.splice(0, n)).then(() => this.pumpNext(slot));
      return;
    }
    const task = box.shift()!;
    let answer: Promise<unknown>;
    try {
      answer = task.command ? this.runCommand(slot, task.command) : task.work!(slot);
    } catch (e) {
      answer = Promise.reject(e);
    }
    answer.then(
      (value) => {
        task.resolve(value);
        this.done(slot, 1);
        this.pumpNext(slot);
      },
      (e: unknown) => {
        task.reject(e);
        this.done(slot, 1);
        this.pumpNext(slot);
      },
    );
  }

  private async load(slot: Slot): Promise<Merchant> {
    if (slot.merchant) return slot.merchant;
    const loaded = await this.store.loadMerchant(slot.merchantId);
    let m: Merchant;
    if (loaded) {
      m = Merchant.restore(loaded.snapshot, loaded.orders);
      for (const ev of loaded.tail) m.apply(ev);
    } else {
      m = new Merchant(slot.merchantId);
    }
    if (!slot.merchant) {
      slot.merchant = m;
      slot.journal = new JournalWriter();
      this.active++;
      this.hold(slot);
    }
    return slot.merchant;
  }

  private runCommand<T, C>(slot: Slot, opts: CommandOptions<T, C>): Promise<T> {
    // An active actor without a prepare step runs at once: no promise and
    // turn for load(), and no async frame kept alive through the write.
    const m = slot.merchant;
    if (!m || opts.prepare) return this.loadAndRun(slot, opts);
    try {
      return this.runBody(slot, m, opts, undefined);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private async loadAndRun<T, C>(slot: Slot, opts: CommandOptions<T, C>): Promise<T> {
    const m = slot.merchant ?? (await this.load(slot));
    let context: C | undefined;
    if (opts.prepare) {
      const p = await opts.prepare(m);
      if ('answer' in p) return p.answer;
      context = p.context;
    }
    return this.runBody(slot, m, opts, context);
  }

  /** Runs a command's body and commits what it did; what the body throws is thrown, not returned. */
  private runBody<T, C>(slot: Slot, m: Merchant, opts: CommandOptions<T, C>, context: C | undefined): Promise<T> {
    const env = this.env();
    const before = this.before(m);
    const seqBefore = m.seq;
    let tx: Tx;
    let result: T;
    try {
      ({ tx, result } = m.run(env, opts.body, context));
    } catch (e) {
      if (m.seq !== seqBefore) this.forget(slot); // a bug mid-command: reload from disk
      throw e;
    }
    this.hold(slot);
    if (tx.events.length === 0) return Promise.resolve(result);
    const request = opts.request ? { requestId: opts.request.requestId, record: opts.request.record(result, tx) } : undefined;
    // The reaction keeps the failure, not the Tx: a command's Tx (its maps of
    // dirty records) dies once its commit is encoded, not after the write.
    return this.persist(slot, m, before, [tx], request, tx.failure, result);
  }

  /**
   * Runs queued commands that need nothing from the store one after another
   * and commits them together (R6), then answers each. A command that throws
   * having changed the state (a bug) is answered with its error; the others
   * go back to the front of the mailbox and run again on the state reloaded
   * from disk, since nothing of the group was written.
   */
  private async runGroup(slot: Slot, tasks: Task[]): Promise<void> {
    const outcomes: { ok: boolean; value: unknown }[] = [];
    const txs: Tx[] = [];
    try {
      const m = slot.merchant ?? (await this.load(slot));
      const env = this.env();
      const before = this.before(m);
      for (let i = 0; i < tasks.length; i++) {
        const seq = m.seq;
        try {
          const { tx, result } = m.run(env, tasks[i]!.command!.body, undefined);
          if (tx.events.length > 0) txs.push(tx);
          outcomes.push(tx.failure ? { ok: false, value: tx.failure } : { ok: true, value: result });
        } catch (e) {
          if (m.seq === seq) {
            outcomes.push({ ok: false, value: e });
            continue;
          }
          this.forget(slot);
          slot.mailbox.unshift(...tasks.slice(0, i), ...tasks.slice(i + 1));
          tasks[i]!.reject(e);
          this.done(slot, 1);
          return;
        }
      }
      this.hold(slot);
      if (txs.length > 0) {
        const written = this.persist(slot, m, before, txs, undefined, undefined, undefined);
        // persist has taken what it writes and publishes: the Txs (their
        // events, effects and two Maps each) need not wait out the synced
        // write in this suspended frame, through the scavenges in it.
        txs.length = 0;
        await written;
      }
    } catch (e) {
      for (const t of tasks) t.reject(e);
      this.done(slot, tasks.length);
      return;
    }
    for (let i = 0; i < tasks.length; i++) {
      const o = outcomes[i]!;
      if (o.ok) tasks[i]!.resolve(o.value);
      else tasks[i]!.reject(o.value);
    }
    this.done(slot, tasks.length);
  }

  private env(): Env {
    return { now: this.clock.now(), config: this.config.domain, newFinancingId: this.random.newFinancingId, newCode: this.random.newCode };
  }

  private before(m: Merchant): Before {
    return { deadline: m.deadline(), state: m.state, financingId: m.active?.financingId };
  }

  /**
   * Commits the events of one or more commands run since `before`, in one
   * MerchantCommit, then publishes them and hands their effects to delivery
   * (R2). On failure the actor is reloaded from disk on next use and the
   * error is STORE_UNAVAILABLE. Once written it settles as the command's
   * answer: `failure` thrown if there is one, else `result` (one reaction per
   * command, not one here and another in the caller).
   */
  private persist<T>(slot: Slot, m: Merchant, before: Before, txs: Tx[], request: MerchantCommit['request'], failure: unknown, result: T): Promise<T> {
    const tx = txs.length === 1 ? txs[0]! : mergeTxs(txs);
    const deadlineAfter = m.deadline();
    // A command that leaves the machine where it was (same state, and its
    // events carry no financing but the active one: recording orders, and the
    // settling self-loop of completions, refunds, top-ups and coverage
    // changes) skips the snapshot write, and the write of the active
    // financing's record with it, while the journal after the last written
    // snapshot stays short. Loading replays that tail on top of the orders,
    // which are written in their final state (open totals telescope, the pool
    // is rebuilt from the pooled orders, history counts the events, each event
    // carries the financing as it is after it). So the stored active financing
    // is always the snapshot's, and a financing that starts or ends always
    // writes both. A merchant's first commit always writes one. On a failed
    // commit the merchant is reloaded, so setting snapshotSeq before the write
    // is safe.
    let sameMachine = m.state === before.state && m.active?.financingId === before.financingId;
    for (let i = 0; sameMachine && i < tx.events.length; i++) {
      const f = tx.events[i]!.financing;
      if (f !== undefined && f.financingId !== before.financingId) sameMachine = false;
    }
    const writeSnapshot = m.snapshotSeq === 0 || m.seq - m.snapshotSeq >= SNAPSHOT_EVERY || !sameMachine;
    if (writeSnapshot) m.snapshotSeq = m.seq;
    const commit: MerchantCommit = {
      merchantId: m.merchantId,
      snapshot: writeSnapshot ? m.snapshot() : undefined,
      events: tx.events,
      orders: [...tx.dirtyOrders.values()],
      financings: writeSnapshot ? financingsToWrite(tx, m.active) : [],
      effects: tx.effects,
      timer: { before: before.deadline, after: deadlineAfter, financingId: m.active?.financingId ?? '' },
      journal: slot.journal,
    };
    if (request) commit.request = request;
    // Not an async function (see LevelStore.commit): the reaction below is
    // all that waits out the synced write, and it keeps only what it
    // publishes (the events and effects), not the Tx or the commit.
    const { events, effects } = tx;
    return this.store.commit([commit]).then(
      (keys) => {
        this.onCommitted({
          merchantId: m.merchantId,
          events,
          effects: effects.map((effect, i) => ({ key: keys[i]!, effect })),
          deadline: { at: deadlineAfter, financingId: m.active?.financingId ?? '' },
        });
        if (failure) throw failure;
        return result;
      },
      (e: unknown) => {
        this.forget(slot);
        throw unavailable('STORE_UNAVAILABLE', 'the store could not write; nothing was changed', ensureError(e));
      },
    );
  }

  /** Recounts the slot's orders in ordersHeld (after a load or a command). */
  private hold(slot: Slot): void {
    const n = slot.merchant?.orders.size ?? 0;
    this.ordersHeld += n - slot.held;
    slot.held = n;
  }

  private forget(slot: Slot): void {
    if (slot.merchant) {
      slot.merchant = undefined;
      slot.journal = undefined;
      this.active--;
    }
    this.ordersHeld -= slot.held;
    slot.held = 0;
  }

  private overCap(): boolean {
    return this.active > this.config.maxActive || this.ordersHeld > this.config.maxOrders;
  }

  /** Evicts idle actors, least recently used first, until under the bounds (R4). */
  private evictOverCap(): void {
    for (const slot of this.slots.values()) {
      if (!this.overCap()) return;
      if (!slot.running && slot.mailbox.length === 0) this.evict(slot, 'capacity');
    }
  }

  private sweepIdle(): void {
    const cutoff = Date.now() - this.config.idleMs;
    for (const slot of this.slots.values()) {
      if (slot.lastUsed > cutoff) break; // recency order: the rest are newer
      if (!slot.running && slot.mailbox.length === 0) this.evict(slot, 'idle');
    }
  }

  private evict(slot: Slot, reason: 'idle' | 'capacity'): void {
    this.slots.delete(slot.merchantId);
    if (slot.merchant) this.passivated[reason]++;
    this.forget(slot);
  }
}
