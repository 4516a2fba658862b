/**
 * The deterministic simulation of orderpool's domain and runtime (issue 4,
 * "A deterministic simulation"): the real Core/Router/Scheduler/Delivery and
 * the real Merchant, with every source of nondeterminism replaced by the
 * simulator's hand, driven by one seeded PRNG:
 *
 *  - time:    a ManualClock, advanced by the simulator (deadlines fire then);
 *  - disk:    an in-memory Store (./memory-store.ts) whose synced writes land
 *             only when the simulator flushes them, that can fail a write, and
 *             that can crash (drop what was not yet written);
 *  - network: simulated lender gateways and notifier (./sim-gateway.ts) whose
 *             calls fail, stall, answer twice or lose their answer, as chosen;
 *  - process: a crash kills the life between any two steps; a restart builds
 *             a new Core/Router/Delivery over the same durable state.
 *
 * Delivery's backoff is a real setTimeout of at least retryBaseMs / 2; it
 * runs with retryBaseMs = retryMaxMs = one hour, so the real timer never
 * fires: the simulator cancels it and runs the retry itself at a fixed point
 * (with 0 ms, the timer raced the simulator's takeover, and which came first
 * depended on how long the event loop's turns took: a seed did not always
 * replay). After each step the simulator waits until the system is quiescent
 * (no microtask chain running, no lane in backoff), so every step sees the
 * same state on every run: a seed replays exactly.
 *
 * After every step: DESIGN.md invariants 1-4 on every merchant's durable
 * state (./invariants.ts checks), gapless journals, every acknowledged command
 * still reflected on disk, every event published to watchers on disk and in
 * sequence, no effect sent that was not written first, no idempotency key
 * with two payloads. At the end of a seed, with the network healed and the
 * outbox drained: per financing the deduplicated repayments the lender
 * received = repaid (each repaid order exactly once), every written effect
 * delivered, live memory = disk = journal replay.
 */
import { createHash } from 'node:crypto';
import pino from 'pino';
import { OrderpoolError } from '../../domain/errors';
import { checkFinancing, checkMerchant, checkReplay, fingerprint } from '../../domain/invariants';
import { Merchant, type DomainConfig } from '../../domain/merchant';
import { ENDED, type Effect, type Financing, type FinancingStatus, type Lender, type MerchantEvent, type Order } from '../../domain/types';
import { Delivery } from '../../gateways/delivery';
import { ManualClock } from '../../runtime/clock';
import { Core } from '../../runtime/core';
import type { RuntimeConfig } from '../../runtime/router';
import { encode, encodeRecord, RECORDS } from '../../store/codec';
import { currentFinancings } from '../../store/check';
import { DurableState, MemoryStore } from './memory-store';
import { Prng } from './prng';
import { payloadOf, SimClients, SimReceiver, type Outcome } from './sim-gateway';

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;
const silent = pino({ level: 'silent' });

/** Error statuses a well-formed command may legitimately end with. */
const EXPECTED_STATUSES = new Set(['NOT_FOUND', 'ALREADY_EXISTS', 'FAILED_PRECONDITION', 'INVALID_ARGUMENT', 'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'UNAVAILABLE']);
/** RequestFinancing answers that were committed (and so are replayed for the same request_id). */
const COMMITTED_REJECTIONS = new Set(['NOT_ELIGIBLE', 'INSUFFICIENT_ORDERS', 'CURRENCY_NOT_SUPPORTED']);
/** Answers that carry no information about the command (it may or may not run again). */
const TRANSIENT = new Set(['MAILBOX_FULL', 'SHARD_BUSY', 'STORE_UNAVAILABLE']);

export interface SimOptions {
  seed: number;
  /** Steps before the final drain (default: drawn from the seed, 60..140). */
  steps?: number;
  /** Keep the whole trace (default: the last 80 lines). */
  fullTrace?: boolean;
}

export interface SimStats {
  steps: number;
  commands: number;
  acked: number;
  rejected: number;
  unavailable: number;
  crashes: number;
  flushes: number;
  failedFlushes: number;
  gatewayCalls: number;
  outcomes: Record<Outcome, number>;
  effectsDelivered: number;
  repayments: number;
  financings: Partial<Record<FinancingStatus, number>>;
  events: number;
  /** Journal rows on disk that refer to other rows (src/store/journal.ts). */
  referringEvents: number;
  /** Error answers by reason. */
  reasons: Record<string, number>;
}

export interface SimResult {
  seed: number;
  violations: string[];
  trace: string[];
  stats: SimStats;
  /** A digest of what happened, to compare two runs of one seed. */
  digest: string;
}

export function emptyStats(): SimStats {
  return {
    steps: 0, commands: 0, acked: 0, rejected: 0, unavailable: 0, crashes: 0, flushes: 0, failedFlushes: 0, gatewayCalls: 0,
    outcomes: { ok: 0, duplicate: 0, 'lost-answer': 0, fail: 0, stall: 0 }, effectsDelivered: 0, repayments: 0, financings: {}, events: 0, referringEvents: 0, reasons: {},
  };
}

export function addStats(into: SimStats, s: SimStats): void {
  for (const k of ['steps', 'commands', 'acked', 'rejected', 'unavailable', 'crashes', 'flushes', 'failedFlushes', 'gatewayCalls', 'effectsDelivered', 'repayments', 'events', 'referringEvents'] as const) {
    into[k] += s[k];
  }
  for (const [k, v] of Object.entries(s.outcomes)) into.outcomes[k as Outcome] += v;
  for (const [k, v] of Object.entries(s.reasons)) into.reasons[k] = (into.reasons[k] ?? 0) + v;
  for (const [k, v] of Object.entries(s.financings)) into.financings[k as FinancingStatus] = (into.financings[k as FinancingStatus] ?? 0) + v;
}

interface OrderSpec {
  id: string;
  buyer: string;
  currency: string;
  amount: bigint;
}

interface RequestSpec {
  rid: string;
  lenderId: string;
  currency: string;
  amount: bigint;
}

interface MerchantModel {
  id: string;
  orders: OrderSpec[];
  requests: RequestSpec[];
  nextOrder: number;
  nextRequest: number;
}

/** Something an acknowledged answer made true forever. */
type Fact =
  | { kind: 'order'; m: string; spec: OrderSpec; by: string }
  | { kind: 'order-state'; m: string; id: string; state: 'COMPLETED' | 'REFUNDED'; by: string }
  | { kind: 'financing'; m: string; fid: string; states: ReadonlySet<FinancingStatus> | null; by: string }
  | { kind: 'request'; m: string; rid: string; fid: string; by: string };

interface RequestAnswer {
  content: string;
  fid: string;
  reason?: string;
}

interface Life {
  n: number;
  store: MemoryStore;
  clients: SimClients;
  core: Core;
  delivery: Delivery;
  unsubscribe: (() => void)[];
}

const AFTER_VERIFY: ReadonlySet<FinancingStatus> = new Set(['NOTIFIED', 'SETTLING', 'REPAID', 'DECLINED', 'CANCELLED', 'EXPIRED']);
const AFTER_CONFIRM: ReadonlySet<FinancingStatus> = new Set(['SETTLING', 'REPAID']);
/** A cancelled timer: marks a lane whose backoff retry the simulator holds. */
const HELD = setTimeout(() => {}, 0);
/** Delivery's retry backoff in the simulation: long enough that only the simulator fires a retry (see the header). */
const HOUR = 3_600_000;
clearTimeout(HELD);
const immediate = () => new Promise<void>((r) => setImmediate(r));

export class Simulation {
  readonly rng: Prng;
  private readonly codeRng: Prng;
  readonly clock = new ManualClock(T0);
  readonly disk = new DurableState();
  readonly receiver = new SimReceiver();
  readonly stats = emptyStats();
  readonly violations: string[] = [];
  private readonly trace: string[] = [];
  private life!: Life;
  private lifeN = 0;
  private activity = 0;
  private step = 0;
  private cmdN = 0;
  private finN = 0;
  private faultSteps = 0;
  private readonly hash = createHash('sha256');

  private readonly merchants: MerchantModel[];
  private readonly lenders: Omit<Lender, 'createTime' | 'updateTime'>[];
  private readonly runtime: RuntimeConfig;
  private readonly maxCoalesce: number;
  private readonly maxInFlight: number;
  /** D7's repayment linger (0 in half the seeds). */
  private readonly lingerMs: number;
  /** drain(): the clock was moved past the linger since the last activity. */
  private lingered = false;
  private readonly stuckLender: string | null;
  private readonly steps: number;

  private readonly facts: Fact[] = [];
  private readonly requestAnswers = new Map<string, RequestAnswer>();
  /** Every event published to watchers, by merchant and sequence (encoded). */
  private readonly published = new Map<string, Map<number, string>>();
  private readonly lastPublished = new Map<string, number>();
  private readonly checkedVersion = new Map<string, number>();
  private readonly gaplessUpTo = new Map<string, number>();

  constructor(private readonly opts: SimOptions) {
    this.rng = new Prng(opts.seed);
    this.codeRng = this.rng.fork();
    const r = this.rng;
    const nMerchants = r.int(2, 4);
    this.merchants = Array.from({ length: nMerchants }, (_, i) => ({ id: `M${i}`, orders: [], requests: [], nextOrder: 1, nextRequest: 1 }));
    const domain: DomainConfig = {
      verificationTtlMs: 10 * MIN,
      disbursementTimeoutMs: 60 * MIN,
      maxVerificationAttempts: 3,
      maxOrdersPerMerchant: r.chance(0.2) ? r.int(8, 20) : 1000,
    };
    this.runtime = {
      shards: r.int(1, 3),
      maxActive: r.chance(0.5) ? r.int(1, 3) : 1000,
      idleMs: 0,
      maxMailbox: r.int(3, 8),
      maxShardQueue: r.chance(0.2) ? r.int(4, 10) : 1000,
      domain,
      // Drawn last so the earlier draws of a seed stay as they were.
      maxOrders: r.chance(0.3) ? r.int(5, 40) : 100_000,
    };
    this.maxCoalesce = r.int(1, 5);
    this.maxInFlight = r.int(1, 3);
    const base = { gatewayTarget: 'sim', verificationThreshold: null, minCompletedOrders: 0, maxRefundRateBps: null, verificationTtlMs: 0, disbursementTimeoutMs: 0 };
    this.lenders = [
      { ...base, lenderId: 'L-plain', advanceRateBps: r.int(5000, 9000), repaymentShareBps: r.int(3000, 8000), feeBps: r.int(0, 300) },
      {
        ...base, lenderId: 'L-verify', advanceRateBps: r.int(5000, 9000), repaymentShareBps: r.pick([5000, 10000]), feeBps: r.int(0, 300),
        verificationThreshold: { currency: 'USD', amount: r.big(1000, 6000) }, verificationTtlMs: r.int(2, 8) * MIN, disbursementTimeoutMs: r.int(20, 90) * MIN,
      },
      {
        ...base, lenderId: 'L-picky', advanceRateBps: r.int(3000, 6000), repaymentShareBps: r.int(2000, 5000), feeBps: r.int(0, 100),
        minCompletedOrders: r.int(1, 3), maxRefundRateBps: r.int(1000, 4000),
      },
    ];
    this.stuckLender = r.chance(0.3) ? r.pick(this.lenders).lenderId : null;
    this.steps = opts.steps ?? r.int(60, 140);
    // Drawn last, like maxOrders above.
    this.lingerMs = r.chance(0.5) ? r.int(1, 120) * 1000 : 0;
    this.log(`seed ${opts.seed}: merchants ${nMerchants}, runtime ${JSON.stringify({ ...this.runtime, domain: undefined })}, ` +
      `maxOrders ${domain.maxOrdersPerMerchant}, coalesce ${this.maxCoalesce}, in flight per lane ${this.maxInFlight}, linger ${this.lingerMs} ms, stuck lender ${this.stuckLender ?? 'none'}, steps ${this.steps}`);
  }

  // ------------------------------------------------------------------ driver

  async run(): Promise<SimResult> {
    await this.startLife();
    for (const l of this.lenders) await this.life.core.upsertLender(l);
    for (this.step = 1; this.step <= this.steps && this.violations.length === 0; this.step++) {
      await this.oneStep();
      await this.settle();
      this.checkStep();
    }
    if (this.violations.length === 0) await this.finish();
    this.stopLife();
    this.stats.steps = this.step - 1;
    for (const m of this.merchants) for (const f of this.disk.financings(m.id)) this.stats.financings[f.state] = (this.stats.financings[f.state] ?? 0) + 1;
    this.stats.effectsDelivered = this.receiver.byKey.size;
    this.stats.repayments = [...this.receiver.byKey.values()].filter((r) => r.effect.method === 'ReceiveRepayment').length;
    this.stats.gatewayCalls = this.receiver.calls.length;
    for (const m of this.merchants) this.stats.events += this.disk.eventCount(m.id);
    for (const m of this.merchants) this.stats.referringEvents += this.disk.referringEventCount(m.id);
    return {
      seed: this.opts.seed,
      violations: this.violations,
      trace: this.opts.fullTrace ? this.trace : this.trace.slice(-80),
      stats: this.stats,
      digest: this.digest(),
    };
  }

  private log(line: string): void {
    const entry = `[${this.step}] ${line}`;
    this.hash.update(entry).update('\n');
    this.trace.push(entry);
    if (!this.opts.fullTrace && this.trace.length > 400) this.trace.splice(0, 200);
  }

  private violation(v: string): void {
    if (this.violations.length < 50) this.violations.push(`step ${this.step}: ${v}`);
    this.log(`VIOLATION ${v}`);
  }

  private bump = () => void this.activity++;

  private async oneStep(): Promise<void> {
    const r = this.rng;
    if (this.faultSteps > 0 && --this.faultSteps === 0) {
      this.life.store.fault = undefined;
      this.log('disk healthy again');
    }
    const action = r.weighted({ cmd: 42, flush: 30, gateway: 14, clock: 6, crash: 3, disk: 2 });
    switch (action) {
      case 'cmd': {
        const n = r.int(1, 3);
        for (let i = 0; i < n; i++) this.issueCommand();
        break;
      }
      case 'flush':
        this.flush();
        break;
      case 'gateway':
        this.gatewayStep();
        break;
      case 'clock': {
        const kind = r.int(1, 4);
        const ms = kind <= 2 ? r.int(1, 60) * 1000 : kind === 3 ? r.int(1, 15) * MIN : r.int(30, 120) * MIN;
        this.log(`clock +${ms} ms`);
        this.clock.advance(ms);
        break;
      }
      case 'crash':
        await this.crash();
        break;
      case 'disk':
        this.life.store.fault = new Error('EIO: simulated disk failure');
        this.faultSteps = r.int(1, 3);
        this.log(`disk failing for ${this.faultSteps} step(s)`);
        this.flush();
        break;
    }
  }

  private flush(): void {
    const { groups, failed } = this.life.store.flush();
    if (groups > 0) {
      this.stats.flushes++;
      if (failed) this.stats.failedFlushes++;
    }
    this.log(`flush ${groups} group(s)${failed ? ' FAILED' : ''}`);
  }

  private gatewayStep(): void {
    const calls = [...this.life.clients.pending];
    const summary: string[] = [];
    for (const c of calls) {
      const stuck = this.stuckLender !== null && c.lane === `lender:${this.stuckLender}`;
      const outcome: Outcome = stuck ? 'stall' : this.rng.weighted({ ok: 45, fail: 20, 'lost-answer': 12, duplicate: 8, stall: 15 });
      this.settleCall(c, outcome);
      summary.push(`${c.effect.idempotencyKey}=${outcome}`);
    }
    this.log(`gateway ${summary.join(' ') || '(nothing pending)'}`);
  }

  private settleCall(c: SimClients['pending'][number], outcome: Outcome): void {
    this.stats.outcomes[outcome]++;
    if (outcome !== 'fail' && outcome !== 'stall') this.checkSendable(c.effect);
    this.life.clients.settle(c, outcome);
  }

  /** Compute, persist, then act: what reaches a lender was written first, with this very payload. */
  private checkSendable(e: Effect): void {
    const written = this.disk.writtenEffects.get(e.idempotencyKey);
    if (!written) this.violation(`effect ${e.idempotencyKey} sent but never written to the outbox`);
    else if (payloadOf(written) !== payloadOf(e)) this.violation(`effect ${e.idempotencyKey} sent with a payload other than the one written`);
  }

  /**
   * Waits until nothing runs: no microtask chain, no lane retrying. A lane in
   * backoff has its retry timer taken over by the simulator: the real
   * timer is cancelled and the same callback Delivery would run is run here,
   * at a deterministic point, at most a few times per step (a lane that keeps
   * failing, e.g. while the disk fails, waits for the next step instead of
   * spinning).
   */
  private async settle(): Promise<void> {
    const fired = new Map<unknown, number>();
    for (let i = 0; i < 20_000; i++) {
      const before = this.activity;
      await immediate();
      await immediate();
      if (this.activity !== before) continue;
      if (this.fireBackoffTimers(fired) > 0) continue;
      return;
    }
    this.violation('the system never became quiescent');
  }

  /** Runs the pending backoff retries of the live Delivery's lanes (its private state). */
  private fireBackoffTimers(fired: Map<unknown, number>): number {
    const d = this.life.delivery as unknown as { lanes?: Map<string, { timer?: NodeJS.Timeout }>; pump?: (lane: unknown) => void };
    if (!(d.lanes instanceof Map) || typeof d.pump !== 'function') throw new Error('Delivery internals changed: update Simulation.fireBackoffTimers');
    let n = 0;
    for (const lane of d.lanes.values()) {
      if (lane.timer === undefined) continue;
      if (lane.timer !== HELD) {
        clearTimeout(lane.timer);
        lane.timer = HELD; // still "in backoff" for Delivery, but only the simulator fires it
      }
      const k = fired.get(lane) ?? 0;
      if (k >= 3) continue;
      fired.set(lane, k + 1);
      lane.timer = undefined;
      d.pump.call(this.life.delivery, lane);
      n++;
    }
    if (n > 0) this.bump();
    return n;
  }

  // ------------------------------------------------------------------- lives

  private async startLife(): Promise<void> {
    const n = ++this.lifeN;
    const store = new MemoryStore(this.disk, { activity: this.bump, payloadOf });
    const clients = new SimClients(this.receiver, this.bump);
    const random = {
      newFinancingId: () => `F${++this.finN}`,
      newCode: () => String(this.codeRng.int(0, 999_999)).padStart(6, '0'),
    };
    const core = new Core(store, this.clock, this.runtime, random, silent);
    const delivery = new Delivery(store, clients, {
      retryBaseMs: HOUR, retryMaxMs: HOUR, callTimeoutMs: 1000, maxCoalesce: this.maxCoalesce, maxInFlight: this.maxInFlight, lingerMs: this.lingerMs,
    }, silent, () => this.clock.now(), this.clock);
    core.delivery = delivery;
    const unsubscribe: (() => void)[] = [];
    for (const m of this.merchants) {
      this.lastPublished.set(m.id, this.disk.eventCount(m.id));
      unsubscribe.push(core.hub.subscribe(m.id, (events) => this.onPublished(m.id, events)));
    }
    if (this.faultSteps > 0) store.fault = new Error('EIO: simulated disk failure'); // the disk is still failing
    this.life = { n, store, clients, core, delivery, unsubscribe };
    const started = (async () => {
      // The server's order (src/server.ts): lenders, the outbox, then deadlines.
      await core.loadLenders();
      await delivery.start();
      await core.startDeadlines();
    })();
    await this.settle();
    await started;
    this.log(`life ${n} started: ${this.disk.outbox().length} outbox row(s), ${this.disk.timers().length} timer(s)`);
  }

  private stopLife(): void {
    const l = this.life;
    for (const u of l.unsubscribe) u();
    l.delivery.stop();
    l.core.stop();
  }

  private async crash(): Promise<void> {
    const r = this.rng;
    const l = this.life;
    const silently = r.chance(0.3);
    const loseUnsynced = r.chance(0.5);
    const written = silently ? l.store.flush({ silently: true }) : { groups: 0, failed: false };
    let reached = 0;
    l.clients.crash(() => (r.chance(0.5) ? (reached++, true) : false));
    l.store.crash();
    this.stopLife();
    this.disk.crash(loseUnsynced);
    this.stats.crashes++;
    const lastBatch = written.groups > 0 ? ` (${written.groups} queued write(s) ${written.failed ? 'failed' : 'written'} as it died, unanswered)` : '';
    this.log(`CRASH life ${l.n}${lastBatch}; ${reached} call(s) in flight reached the lender; unsynced writes ${loseUnsynced ? 'lost' : 'kept'}`);
    await this.startLife();
    // Everything acknowledged before the crash is still there.
    this.checkPublished();
  }

  // ---------------------------------------------------------------- commands

  private issueCommand(): void {
    const r = this.rng;
    const mm = r.pick(this.merchants);
    const m = mm.id;
    const core = this.life.core;
    const snap = this.disk.snapshot(m);
    const active = snap?.machine.financing ?? null;
    // What a merchant, its buyers and its lender would plausibly do next, with some noise.
    const kind = r.weighted(!snap ? { record: 90, complete: 2, refund: 2, request: 2, verify: 1, confirm: 1, decline: 1, cancel: 1 }
      : !active ? { record: 35, complete: 15, refund: 5, request: 25, verify: 2, confirm: 3, decline: 1, cancel: 2 }
        : active.state === 'AWAITING_VERIFICATION' ? { record: 20, complete: 10, refund: 5, request: 3, verify: 35, confirm: 5, decline: 2, cancel: 5 }
          : active.state === 'NOTIFIED' ? { record: 20, complete: 12, refund: 6, request: 3, verify: 3, confirm: 35, decline: 5, cancel: 5 }
            : { record: 25, complete: 45, refund: 10, request: 3, verify: 2, confirm: 5, decline: 2, cancel: 3 });
    const targetFinancing = (): string => {
      if (active && r.chance(0.9)) return active.financingId;
      const all = this.disk.financings(m);
      if (all.length > 0 && r.chance(0.8)) return r.pick(all).financingId;
      return `F-unknown-${r.int(1, 9)}`;
    };
    const financingOf = (fid: string): Financing | undefined => (active?.financingId === fid ? active : this.disk.financing(m, fid));

    switch (kind) {
      case 'record': {
        let spec: OrderSpec;
        const roll = r.next();
        if (mm.orders.length > 0 && roll < 0.12) spec = r.pick(mm.orders);
        else if (mm.orders.length > 0 && roll < 0.18) spec = { ...r.pick(mm.orders), amount: r.big(100, 4000) };
        else {
          spec = { id: `${m}-o${mm.nextOrder++}`, buyer: `B${r.int(1, 5)}`, currency: r.chance(0.9) ? 'USD' : 'EUR', amount: r.big(100, 4000) };
          mm.orders.push(spec);
        }
        const s = spec;
        this.command(`${m} record ${s.id} ${s.amount} ${s.currency}`, () => core.recordOrder(m, { orderId: s.id, buyerId: s.buyer, currency: s.currency, amount: s.amount }), (o) => {
          if (o.amount !== s.amount || o.currency !== s.currency || o.buyerId !== s.buyer) this.violation(`${m} record ${s.id} answered another order: ${encode(o)}`);
          this.facts.push({ kind: 'order', m, spec: s, by: `record ${s.id}` });
        });
        break;
      }
      case 'complete':
      case 'refund': {
        const id = this.pickOrder(mm);
        if (kind === 'complete') {
          this.command(`${m} complete ${id}`, () => core.completeOrder(m, id), (o) => {
            if (o.state !== 'COMPLETED') this.violation(`${m} complete ${id} answered ${o.state}`);
            this.facts.push({ kind: 'order-state', m, id, state: 'COMPLETED', by: `complete ${id}` });
          });
        } else {
          this.command(`${m} refund ${id}`, () => core.refundOrder(m, id, 'sim'), (o) => {
            if (o.state !== 'REFUNDED') this.violation(`${m} refund ${id} answered ${o.state}`);
            this.facts.push({ kind: 'order-state', m, id, state: 'REFUNDED', by: `refund ${id}` });
          });
        }
        break;
      }
      case 'request': {
        let spec: RequestSpec;
        const roll = r.next();
        if (mm.requests.length > 0 && roll < 0.15) spec = r.pick(mm.requests);
        else if (mm.requests.length > 0 && roll < 0.2) spec = { ...r.pick(mm.requests), amount: r.big(200, 15000) };
        else {
          // Mostly about what the open orders can carry, sometimes far more.
          const currency = r.chance(0.9) ? 'USD' : 'EUR';
          const open = this.disk.orders(m).filter((o) => o.state === 'OPEN' && o.currency === currency).reduce((sum, o) => sum + o.amount, 0n);
          const amount = r.chance(0.8) && open > 0n ? (open * BigInt(r.int(20, 110))) / 100n + 1n : r.big(200, 15000);
          const lenderId = r.weighted({ 'L-plain': 40, 'L-verify': 40, 'L-picky': 20 });
          spec = { rid: `${m}-r${mm.nextRequest++}`, lenderId, currency, amount };
          mm.requests.push(spec);
        }
        const s = spec;
        const key = `${m}/${s.rid}`;
        const content = `${s.lenderId} ${s.amount} ${s.currency}`;
        this.command(`${m} request ${s.rid} ${content}`, () => core.requestFinancing(m, { lenderId: s.lenderId, currency: s.currency, amount: s.amount, requestId: s.rid }), (f) => {
          const prior = this.requestAnswers.get(key);
          if (prior && prior.content !== content) this.violation(`${m} request ${s.rid} reused with other content was accepted (first: ${prior.content})`);
          else if (prior && (prior.reason !== undefined || prior.fid !== f.financingId)) {
            this.violation(`${m} request ${s.rid} replayed as ${f.financingId}, first answered ${prior.reason ?? prior.fid}`);
          }
          if (!prior) this.requestAnswers.set(key, { content, fid: f.financingId });
          this.facts.push({ kind: 'financing', m, fid: f.financingId, states: null, by: `request ${s.rid}` });
          this.facts.push({ kind: 'request', m, rid: s.rid, fid: f.financingId, by: `request ${s.rid}` });
        }, (e) => {
          if (TRANSIENT.has(e.reason)) return;
          const prior = this.requestAnswers.get(key);
          if (e.reason === 'REQUEST_ID_REUSED') {
            if (prior && prior.content === content) this.violation(`${m} request ${s.rid} with its original content answered REQUEST_ID_REUSED`);
            return;
          }
          const fid = e.metadata.financing_id ?? '';
          if (prior && prior.content === content && (prior.reason !== e.reason || prior.fid !== fid)) {
            this.violation(`${m} request ${s.rid} replayed as ${e.reason} ${fid}, first answered ${prior.reason ?? 'ok'} ${prior.fid}`);
          }
          if (prior && prior.content !== content) this.violation(`${m} request ${s.rid} reused with other content answered ${e.reason}, not REQUEST_ID_REUSED`);
          if (COMMITTED_REJECTIONS.has(e.reason)) {
            if (!prior) this.requestAnswers.set(key, { content, fid, reason: e.reason });
            this.facts.push({ kind: 'financing', m, fid, states: new Set(['REJECTED']), by: `request ${s.rid} (${e.reason})` });
            this.facts.push({ kind: 'request', m, rid: s.rid, fid, by: `request ${s.rid} (${e.reason})` });
          }
        });
        break;
      }
      case 'verify': {
        const fid = targetFinancing();
        const right = r.chance(0.7);
        const code = right ? (this.receiver.codeOf(fid) ?? this.codeInOutbox(fid) ?? '000000') : String(r.int(0, 999_999)).padStart(6, '0');
        this.command(`${m} verify ${fid} ${right ? 'right' : 'wrong'} code`, () => core.verifyFinancing(m, fid, code), () => {
          this.facts.push({ kind: 'financing', m, fid, states: AFTER_VERIFY, by: `verify ${fid}` });
        }, (e) => {
          if (e.reason === 'VERIFICATION_EXPIRED') this.facts.push({ kind: 'financing', m, fid, states: new Set(['EXPIRED']), by: `verify ${fid} (expired)` });
          if (e.reason === 'VERIFICATION_ATTEMPTS_EXHAUSTED') this.facts.push({ kind: 'financing', m, fid, states: new Set(['CANCELLED']), by: `verify ${fid} (exhausted)` });
        });
        break;
      }
      case 'confirm': {
        const fid = targetFinancing();
        const f = financingOf(fid);
        const lenderId = f && r.chance(0.92) ? f.lenderId : r.pick(this.lenders).lenderId;
        const amount = f && r.chance(0.92) ? f.approved : r.big(1, 5000);
        const ref = r.chance(0.9) ? `wire-${fid}` : `wire-${fid}-${r.int(1, 3)}`;
        this.command(`${m} confirm ${fid} by ${lenderId} ${amount} ${ref}`, () => core.confirmDisbursement(m, fid, lenderId, f?.currency ?? 'USD', amount, ref), () => {
          this.facts.push({ kind: 'financing', m, fid, states: AFTER_CONFIRM, by: `confirm ${fid}` });
        }, (e) => {
          if (e.reason === 'DISBURSEMENT_EXPIRED') this.facts.push({ kind: 'financing', m, fid, states: new Set(['EXPIRED']), by: `confirm ${fid} (expired)` });
        });
        break;
      }
      case 'decline': {
        const fid = targetFinancing();
        const f = financingOf(fid);
        const lenderId = f && r.chance(0.9) ? f.lenderId : r.pick(this.lenders).lenderId;
        this.command(`${m} decline ${fid} by ${lenderId}`, () => core.declineFinancing(m, fid, lenderId, 'sim'), () => {
          this.facts.push({ kind: 'financing', m, fid, states: new Set(['DECLINED']), by: `decline ${fid}` });
        });
        break;
      }
      case 'cancel': {
        const fid = targetFinancing();
        this.command(`${m} cancel ${fid}`, () => core.cancelFinancing(m, fid, ''), () => {
          this.facts.push({ kind: 'financing', m, fid, states: new Set(['CANCELLED']), by: `cancel ${fid}` });
        });
        break;
      }
    }
  }

  /** Mostly an order that can still change; sometimes any known or an unknown one. */
  private pickOrder(mm: MerchantModel): string {
    const r = this.rng;
    const live = mm.orders.filter((o) => {
      const d = this.disk.order(mm.id, o.id);
      return d !== undefined && (d.state === 'OPEN' || d.state === 'POOLED');
    });
    if (live.length > 0 && r.chance(0.85)) {
      const pooled = live.filter((o) => this.disk.order(mm.id, o.id)!.state === 'POOLED');
      return (pooled.length > 0 && r.chance(0.6) ? r.pick(pooled) : r.pick(live)).id;
    }
    if (mm.orders.length > 0 && r.chance(0.8)) return r.pick(mm.orders).id;
    return `${mm.id}-unknown`;
  }

  private codeInOutbox(fid: string): string | undefined {
    for (const row of this.disk.outbox()) if (row.effect.method === 'SendVerificationCode' && row.effect.financingId === fid) return row.effect.code;
    return undefined;
  }

  /** Starts a command; its answer is recorded when (if ever) it comes. */
  private command<T>(label: string, call: () => Promise<T>, onOk: (v: T) => void, onErr?: (e: OrderpoolError) => void): void {
    const n = ++this.cmdN;
    const life = this.lifeN;
    this.stats.commands++;
    this.log(`#${n} ${label}`);
    let p: Promise<T>;
    try {
      p = call();
    } catch (e) {
      this.violation(`#${n} ${label} threw synchronously: ${String(e)}`);
      return;
    }
    p.then(
      (v) => {
        this.bump();
        if (life !== this.lifeN) return this.violation(`#${n} ${label} answered after its life died`);
        this.stats.acked++;
        this.log(`#${n} ok`);
        onOk(v);
      },
      (e: unknown) => {
        this.bump();
        if (life !== this.lifeN) return this.violation(`#${n} ${label} answered after its life died`);
        if (!(e instanceof OrderpoolError) || !EXPECTED_STATUSES.has(e.status)) {
          this.violation(`#${n} ${label} failed with an unexpected error: ${e instanceof Error ? e.stack : String(e)}`);
          return;
        }
        if (e.status === 'UNAVAILABLE') this.stats.unavailable++;
        else this.stats.rejected++;
        this.stats.reasons[e.reason] = (this.stats.reasons[e.reason] ?? 0) + 1;
        this.log(`#${n} ${e.status} ${e.reason}`);
        onErr?.(e);
      },
    );
  }

  // ------------------------------------------------------------------ checks

  private onPublished(m: string, events: MerchantEvent[]): void {
    this.bump();
    let seen = this.published.get(m);
    if (!seen) this.published.set(m, (seen = new Map()));
    for (const ev of events) {
      const want = (this.lastPublished.get(m) ?? 0) + 1;
      if (ev.seq !== want) this.violation(`${m}: watcher got event ${ev.seq} after ${want - 1} (gap or repeat)`);
      this.lastPublished.set(m, ev.seq);
      const text = encodeRecord(RECORDS.event, ev);
      const prior = seen.get(ev.seq);
      if (prior !== undefined && prior !== text) this.violation(`${m}: event ${ev.seq} published twice with different contents`);
      seen.set(ev.seq, text);
      // Published only after its batch is durable: it must be on disk now, as published.
      const onDisk = this.disk.eventText(m, ev.seq);
      if (onDisk !== text) this.violation(`${m}: published event ${ev.seq} (${ev.type}) is ${onDisk === undefined ? 'not on disk' : 'different on disk'}`);
    }
  }

  /** Every event ever published is on disk, unchanged (acknowledged = durable). */
  private checkPublished(): void {
    for (const [m, seen] of this.published) {
      for (const [seq, text] of seen) {
        if (this.disk.eventText(m, seq) !== text) this.violation(`${m}: acknowledged event ${seq} lost or changed after a crash`);
      }
    }
  }

  private checkStep(): void {
    for (const m of this.merchants) {
      const v = this.disk.versions.get(m.id) ?? 0;
      if (this.checkedVersion.get(m.id) === v) continue;
      this.checkedVersion.set(m.id, v);
      for (const x of this.checkDurableMerchant(m.id)) this.violation(x);
    }
    this.checkFacts();
    if (this.receiver.conflicts.length > 0) this.violation(`idempotency keys with two payloads at the lender: ${this.receiver.conflicts.join('; ')}`);
    if (this.disk.rewrites.length > 0) this.violation(`outbox keys rewritten with another payload: ${this.disk.rewrites.join(', ')}`);
    this.receiver.conflicts.length = 0;
    this.disk.rewrites.length = 0;
  }

  /** Invariants 1-4, a gapless journal and consistent records, on what is on disk. */
  private checkDurableMerchant(m: string): string[] {
    const v: string[] = [];
    const snap = this.disk.snapshot(m);
    const count = this.disk.eventCount(m);
    if (!snap) {
      if (count > 0) v.push(`${m}: ${count} journal events but no snapshot`);
      return v;
    }
    // Gapless: exactly the events 1..n (checked incrementally: the journal only grows),
    // with the snapshot at most 15 events behind, none of which moved the
    // machine (src/runtime/router.ts).
    const from = this.gaplessUpTo.get(m) ?? 0;
    let gap = count < snap.seq || count - snap.seq >= 16;
    for (let seq = from + 1; seq <= count && !gap; seq++) if (this.disk.eventRaw(m, seq) === undefined) gap = true;
    if (gap) v.push(`${m}: journal is not exactly events 1..${count} with the snapshot (#${snap.seq}) less than 16 behind: [${this.disk.eventSeqs(m).slice(0, 8).join(',')}...]`);
    else this.gaplessUpTo.set(m, count);
    const orders = this.disk.orders(m);
    let merchant: Merchant;
    try {
      merchant = Merchant.restore(structuredClone(snap), orders.map((o) => structuredClone(o)));
      for (const ev of this.disk.events(m, snap.seq + 1, true)) {
        merchant.apply(ev);
        if (merchant.state !== snap.machine.value || merchant.active?.financingId !== snap.machine.financing?.financingId) {
          v.push(`${m}: event #${ev.seq} (${ev.type}) moves the machine after the snapshot at #${snap.seq}`);
        }
      }
    } catch (e) {
      return [...v, `${m}: cannot restore from disk: ${String(e)}`];
    }
    for (const x of checkMerchant(merchant)) v.push(`${m}@${snap.seq}: ${x}`);
    const fins = this.disk.financings(m);
    const active = snap.machine.financing;
    const repaidByOrders = new Map<string, bigint>();
    for (const o of orders) {
      if (o.state === 'COMPLETED' && o.financingId) repaidByOrders.set(o.financingId, (repaidByOrders.get(o.financingId) ?? 0n) + o.repayment);
      if (o.financingId && !fins.some((f) => f.financingId === o.financingId)) v.push(`${m}: order ${o.orderId} names unknown financing ${o.financingId}`);
    }
    for (const f of fins) {
      for (const x of checkFinancing(f)) v.push(`${m}: ${x}`);
      if (!ENDED.has(f.state) && f.financingId !== active?.financingId) v.push(`${m}: financing ${f.financingId} is ${f.state} but not the active one`);
      // The active financing's record is the snapshot's; the journal tail brings it up to date.
      const current = f.financingId === active?.financingId ? merchant.active ?? f : f;
      const byOrders = repaidByOrders.get(f.financingId) ?? 0n;
      if (byOrders !== current.repaid) v.push(`${m}: I3 financing ${f.financingId} repaid ${current.repaid} but its completed orders routed ${byOrders}`);
    }
    if (active && this.disk.financingRaw(m, active.financingId) !== encodeRecord(RECORDS.financing, active)) v.push(`${m}: snapshot's active financing differs from its record`);
    return v;
  }

  /** Every acknowledged answer is still true on disk. */
  private checkFacts(): void {
    for (const f of this.facts) {
      switch (f.kind) {
        case 'order': {
          const o = this.disk.order(f.m, f.spec.id);
          if (!o) this.violation(`${f.m}: acknowledged ${f.by} lost`);
          else if (o.amount !== f.spec.amount || o.currency !== f.spec.currency || o.buyerId !== f.spec.buyer) this.violation(`${f.m}: acknowledged ${f.by} changed content`);
          break;
        }
        case 'order-state': {
          const o = this.disk.order(f.m, f.id);
          if (o?.state !== f.state) this.violation(`${f.m}: acknowledged ${f.by} lost: order is ${o?.state ?? 'missing'}`);
          break;
        }
        case 'financing': {
          const fin = this.disk.financing(f.m, f.fid);
          if (!fin) this.violation(`${f.m}: acknowledged ${f.by} lost: financing ${f.fid} missing`);
          else if (f.states && !f.states.has(fin.state)) this.violation(`${f.m}: acknowledged ${f.by} lost: financing ${f.fid} is ${fin.state}`);
          break;
        }
        case 'request': {
          const rec = this.disk.request(f.m, f.rid);
          if (!rec || rec.financingId !== f.fid) this.violation(`${f.m}: acknowledged ${f.by} lost: request record ${rec ? rec.financingId : 'missing'}`);
          break;
        }
      }
    }
  }

  // -------------------------------------------------------------- the end

  /** Heals everything, drains the outbox, then checks delivery and state end to end. */
  private async finish(): Promise<void> {
    this.step = this.steps + 1;
    this.faultSteps = 0;
    this.life.store.fault = undefined;
    this.log('--- final phase');

    // One stuck lender holds up no one: everything else drains and every merchant still commands.
    if (this.stuckLender) {
      const stuckLane = `lender:${this.stuckLender}`;
      await this.drain((lane) => lane !== stuckLane);
      const lanes = this.life.delivery.stats().lanes;
      for (const [name, l] of Object.entries(lanes)) {
        if (name !== stuckLane && l.backlog > 0) this.violation(`lane ${name} has ${l.backlog} row(s) left while only ${stuckLane} is stuck`);
      }
      let answered = 0;
      for (const mm of this.merchants) {
        const spec: OrderSpec = { id: `${mm.id}-o${mm.nextOrder++}`, buyer: 'B1', currency: 'USD', amount: 500n };
        mm.orders.push(spec);
        // Any answer will do (the merchant may be at its order limit): the point is that it comes.
        this.command(`${mm.id} record ${spec.id} (stuck lender ${this.stuckLender})`, () => this.life.core.recordOrder(mm.id, { orderId: spec.id, buyerId: spec.buyer, currency: spec.currency, amount: spec.amount }), () => {
          answered++;
          this.facts.push({ kind: 'order', m: mm.id, spec, by: `record ${spec.id}` });
        }, () => void answered++);
      }
      await this.drain((lane) => lane !== stuckLane);
      if (answered !== this.merchants.length) this.violation(`only ${answered}/${this.merchants.length} merchants were answered while lender ${this.stuckLender} was stuck`);
      this.log(`stuck lender ${this.stuckLender}: other lanes drained, ${answered} merchant(s) answered`);
    }

    await this.drain(() => true);
    const stats = this.life.delivery.stats();
    if (stats.backlog > 0 || this.life.clients.pending.length > 0 || this.life.store.pendingGroups > 0) {
      this.violation(`outbox not drained with a healthy network: ${JSON.stringify(stats.lanes)}, ${this.life.clients.pending.length} call(s) pending`);
    }
    this.checkStep();
    this.checkPublished();
    if (this.disk.outbox().length > 0) this.violation(`${this.disk.outbox().length} outbox row(s) left on disk after delivery`);

    // Live memory = disk = journal replay.
    const live = this.merchants.map((mm) => this.life.core.router.read(mm.id, (m) => (m.exists ? fingerprint(m) : '')));
    await this.settle();
    const prints = await Promise.all(live);
    this.merchants.forEach((mm, i) => {
      const snap = this.disk.snapshot(mm.id);
      if (!snap) {
        if (prints[i] !== '') this.violation(`${mm.id}: live merchant exists but nothing is on disk`);
        return;
      }
      const fromDisk = Merchant.restore(structuredClone(snap), this.disk.orders(mm.id, true));
      for (const ev of this.disk.events(mm.id, snap.seq + 1, true)) fromDisk.apply(ev);
      if (fingerprint(fromDisk) !== prints[i]) this.violation(`${mm.id}: live state differs from disk`);
      for (const x of checkReplay(fromDisk, this.disk.events(mm.id))) this.violation(`${mm.id}: ${x}`);
    });

    this.checkDelivery();
  }

  /** Flushes and answers every call (except on lanes `heal` refuses) until quiescent. */
  private async drain(heal: (lane: string) => boolean): Promise<void> {
    for (let i = 0; i < 2000; i++) {
      const before = this.activity;
      this.life.store.flush();
      for (const c of [...this.life.clients.pending]) if (heal(c.lane)) this.settleCall(c, 'ok');
      await this.settle();
      const waiting = this.life.clients.pending.some((c) => heal(c.lane));
      if (this.activity === before && !waiting && this.life.store.pendingGroups === 0) {
        // Lingering repayments (D7) go once their linger is over: let it pass, then go on draining.
        if (this.lingerMs === 0 || this.lingered) return;
        this.lingered = true;
        this.clock.advance(this.lingerMs);
        continue;
      }
      this.lingered = false;
    }
    this.violation('delivery did not drain within 2000 rounds');
  }

  private checkDelivery(): void {
    const received = [...this.receiver.byKey.values()];
    for (const mm of this.merchants) {
      const orders = new Map(this.disk.orders(mm.id).map((o) => [o.orderId, o] as [string, Order]));
      const snap = this.disk.snapshot(mm.id);
      for (const f of currentFinancings(snap, this.disk.events(mm.id, (snap?.seq ?? 0) + 1), this.disk.financings(mm.id))) {
        const calls = received.filter((r) => r.effect.method === 'ReceiveRepayment' && r.effect.merchantId === mm.id && r.effect.financingId === f.financingId);
        const sum = calls.reduce((s, r) => s + r.effect.amount, 0n);
        if (sum !== f.repaid) this.violation(`${mm.id}: I3 financing ${f.financingId} repaid ${f.repaid} but the lender received ${sum} (deduplicated)`);
        const paid = calls.flatMap((r) => r.effect.orderIds);
        if (new Set(paid).size !== paid.length) this.violation(`${mm.id}: financing ${f.financingId}: an order repaid under two idempotency keys: ${paid.join(',')}`);
        const owed = [...orders.values()].filter((o) => o.financingId === f.financingId && o.state === 'COMPLETED' && o.repayment > 0n).map((o) => o.orderId).sort();
        if (encode([...paid].sort()) !== encode(owed)) this.violation(`${mm.id}: financing ${f.financingId}: repaid orders at the lender [${[...paid].sort().join(',')}] != [${owed.join(',')}]`);
        for (const c of calls) {
          const parts = c.effect.orderIds.reduce((s, id) => s + (orders.get(id)?.repayment ?? 0n), 0n);
          if (parts !== c.effect.amount) this.violation(`${c.effect.idempotencyKey}: amount ${c.effect.amount} != its orders' repayments ${parts}`);
        }
        // D2: the lender hears of the disbursement before its repayments, and of the close after them.
        const firstOf = (method: string) => received.filter((r) => r.effect.method === method && r.effect.financingId === f.financingId && r.effect.merchantId === mm.id).map((r) => r.n);
        const auth = firstOf('AuthorizeDisbursement');
        const closed = firstOf('ReceiveFinancingClosed');
        const rep = calls.map((r) => r.n);
        if (rep.length > 0 && (auth.length === 0 || Math.min(...auth) > Math.min(...rep))) this.violation(`${f.financingId}: a repayment reached the lender before AuthorizeDisbursement`);
        if (rep.length > 0 && closed.length > 0 && Math.min(...closed) < Math.max(...rep)) this.violation(`${f.financingId}: ReceiveFinancingClosed reached the lender before a repayment`);
      }
    }
    // Every effect the journal implies was written (an independent statement of the machine's effects).
    for (const mm of this.merchants) {
      const last = new Map<string, FinancingStatus>();
      for (const ev of this.disk.events(mm.id)) {
        const f = ev.financing;
        if (!f) continue;
        const prior = last.get(f.financingId);
        last.set(f.financingId, f.state);
        const want: string[] = [];
        if (ev.type === 'DISBURSEMENT_AUTHORIZED') want.push('AuthorizeDisbursement');
        if (ev.type === 'VERIFICATION_REQUESTED') want.push('SendVerificationCode');
        if ((ev.type === 'COVERAGE_LOST' || ev.type === 'COVERAGE_RESTORED') && (f.state === 'NOTIFIED' || f.state === 'SETTLING')) want.push('ReceiveCoverageAlert');
        if (ev.type === 'FINANCING_REPAID' || ((ev.type === 'FINANCING_CANCELLED' || ev.type === 'FINANCING_EXPIRED') && prior === 'NOTIFIED')) want.push('ReceiveFinancingClosed');
        if (ev.type === 'ORDER_COMPLETED' && (ev.amount ?? 0n) > 0n) want.push('ReceiveRepayment');
        for (const method of want) {
          const key = `${mm.id}:${ev.seq}:${method}`;
          if (!this.disk.writtenEffects.has(key)) this.violation(`${mm.id}: event ${ev.seq} ${ev.type} implies effect ${key}, never written`);
        }
      }
    }
    // Every written effect reached its destination (a verification code only until it expired).
    for (const [key, e] of this.disk.writtenEffects) {
      if (e.method === 'ReceiveRepayment') continue; // by order, above (parts are merged under new keys)
      if (this.receiver.byKey.has(key)) continue;
      if (e.method === 'SendVerificationCode' && this.clock.now() >= e.deadline) continue;
      this.violation(`effect ${key} was written but never delivered`);
    }
    if (this.receiver.conflicts.length > 0) this.violation(`idempotency keys with two payloads: ${this.receiver.conflicts.join('; ')}`);
  }

  private digest(): string {
    return this.hash.digest('hex').slice(0, 16);
  }
}

export async function runSeed(opts: SimOptions): Promise<SimResult> {
  return new Simulation(opts).run();
}
