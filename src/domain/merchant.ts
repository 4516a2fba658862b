/**
 * One merchant: its order book, its lifecycle machine and the rules of
 * DESIGN.md "Lifecycle". No I/O: a command runs against the in-memory state
 * inside a Tx, every change is an emitted journal event applied by `apply`
 * (the only mutator), and the Tx collects the events, the outbox effects and
 * the dirty records for the store to write in one batch.
 *
 * Invariants (DESIGN.md; checked by ./invariants.ts after every test step):
 *  I1 pool total = sum of the amounts of the orders pooled to the financing;
 *  I2 outstanding = approved + fee - repaid >= 0;
 *  I3 repaid <= approved + fee, and repayments routed = repaid;
 *  I4 an order is in at most one pool; a completed or refunded order in none.
 * A command validates everything before its first emit, so a rejected command
 * emits nothing (rejected input changes nothing).
 */
import { createHash, randomBytes, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import { alreadyExists, exhausted, invalid, notFound, OrderpoolError, precondition, denied } from './errors';
import { covers, minBig, shareOf } from './money';
import { initialMachine, restoreMachine, stateName, step, type EffectAction, type MachineState, type MachineStateName } from './merchant-machine';
import { ENDED, type Effect, type EffectMethod, type EventType, type Financing, type FinancingStatus, type Lender, type MerchantEvent, type Order } from './types';

export interface DomainConfig {
  verificationTtlMs: number;
  disbursementTimeoutMs: number;
  maxVerificationAttempts: number;
  maxOrdersPerMerchant: number;
}

export const DEFAULT_DOMAIN_CONFIG: DomainConfig = {
  verificationTtlMs: 10 * 60_000,
  disbursementTimeoutMs: 24 * 3600_000,
  maxVerificationAttempts: 5,
  maxOrdersPerMerchant: 100_000,
};

/** What a command may not compute by itself: the time and randomness. */
export interface Env {
  now: number;
  config: DomainConfig;
  newFinancingId(): string;
  newCode(): string;
}

export const systemRandom = {
  newFinancingId: () => `fin-${randomUUID()}`,
  newCode: () => String(randomInt(0, 1_000_000)).padStart(6, '0'),
};

export interface History {
  ordersRecorded: number;
  ordersCompleted: number;
  ordersRefunded: number;
  financingsRequested: number;
  financingsRepaid: number;
}

/** What a store persists for a merchant besides its orders. */
export interface MerchantSnapshot {
  v: 1;
  merchantId: string;
  seq: number;
  machine: { value: MachineStateName; financing: Financing | null };
  history: History;
  nextArrival: number;
  firstCurrency: string;
}

/** One command's output: what to write in one batch, and what to answer. */
export class Tx {
  readonly events: MerchantEvent[] = [];
  readonly effects: Effect[] = [];
  readonly dirtyOrders = new Map<string, Order>();
  readonly financings = new Map<string, Financing>();
  /** Set when the command's answer is an error although it changed state. */
  failure: OrderpoolError | undefined;
  /** The plaintext code of a VERIFICATION_REQUESTED, for the notifier row only. */
  code = '';
}

const ACTIVE_POOL: ReadonlySet<FinancingStatus> = new Set(['AWAITING_VERIFICATION', 'NOTIFIED', 'SETTLING']);

export function hashCode(salt: string, code: string): string {
  return createHash('sha256').update(salt).update(':').update(code).digest('hex');
}

export interface RecordOrderCommand { orderId: string; buyerId: string; currency: string; amount: bigint }
export interface RequestFinancingCommand { lenderId: string; currency: string; amount: bigint; requestId: string }

export class Merchant {
  seq = 0;
  machine: MachineState = initialMachine();
  readonly orders = new Map<string, Order>();
  /** Order ids in the active pool, in pledge order. */
  readonly pool = new Set<string>();
  readonly openTotals = new Map<string, { total: bigint; count: number }>();
  history: History = { ordersRecorded: 0, ordersCompleted: 0, ordersRefunded: 0, financingsRequested: 0, financingsRepaid: 0 };
  nextArrival = 1;
  firstCurrency = '';
  /**
   * The store's bookkeeping, not state: the sequence of the last snapshot
   * written to (or restored from) the store, 0 before the first. The router
   * skips the snapshot write of order-only commands while the journal tail
   * after it stays short (src/runtime/router.ts).
   */
  snapshotSeq = 0;
  private env: Env | undefined;
  private tx: Tx | undefined;

  constructor(readonly merchantId: string) {}

  static restore(snap: MerchantSnapshot, orders: Iterable<Order>): Merchant {
    const m = new Merchant(snap.merchantId);
    m.seq = snap.seq;
    m.snapshotSeq = snap.seq;
    m.machine = restoreMachine(snap.machine.value, { financing: snap.machine.financing });
    m.history = { ...snap.history };
    m.nextArrival = snap.nextArrival;
    m.firstCurrency = snap.firstCurrency;
    const sorted = [...orders].sort((a, b) => a.arrival - b.arrival);
    const activeId = m.active?.financingId;
    const pooled: Order[] = [];
    for (const o of sorted) {
      m.orders.set(o.orderId, o);
      if (o.state === 'OPEN') m.addOpen(o, 1);
      if (o.state === 'POOLED' && o.financingId === activeId) pooled.push(o);
    }
    pooled.sort((a, b) => a.pledgeSeq - b.pledgeSeq);
    for (const o of pooled) m.pool.add(o.orderId);
    return m;
  }

  snapshot(): MerchantSnapshot {
    return {
      v: 1,
      merchantId: this.merchantId,
      seq: this.seq,
      machine: { value: stateName(this.machine), financing: this.active },
      history: { ...this.history },
      nextArrival: this.nextArrival,
      firstCurrency: this.firstCurrency,
    };
  }

  get exists(): boolean {
    return this.seq > 0;
  }

  get active(): Financing | null {
    return this.machine.context.financing;
  }

  get state(): MachineStateName {
    return stateName(this.machine);
  }

  /** The pending deadline of the active financing (0: none). */
  deadline(): number {
    const f = this.active;
    if (!f) return 0;
    if (f.state === 'AWAITING_VERIFICATION') return f.verificationExpireTime;
    if (f.state === 'NOTIFIED') return f.disbursementDeadline;
    return 0;
  }

  /** Runs one command; its events are applied as they are emitted. */
  run<T, C = undefined>(env: Env, body: (m: this, context: C | undefined) => T, context?: C): { tx: Tx; result: T } {
    this.env = env;
    this.tx = new Tx();
    try {
      const result = body(this, context);
      return { tx: this.tx, result };
    } finally {
      this.env = undefined;
      this.tx = undefined;
    }
  }

  // ---------------------------------------------------------------- commands

  recordOrder(cmd: RecordOrderCommand): Order {
    const existing = this.orders.get(cmd.orderId);
    if (existing) {
      if (existing.buyerId === cmd.buyerId && existing.currency === cmd.currency && existing.amount === cmd.amount) return existing;
      throw alreadyExists('ORDER_ALREADY_EXISTS', `order ${cmd.orderId} exists with a different buyer or amount`, { order_id: cmd.orderId });
    }
    const { config, now } = this.ctx();
    if (this.orders.size >= config.maxOrdersPerMerchant) {
      throw exhausted('TOO_MANY_ORDERS', `merchant holds the maximum of ${config.maxOrdersPerMerchant} orders`, undefined, { limit: String(config.maxOrdersPerMerchant) });
    }
    const order: Order = {
      merchantId: this.merchantId, orderId: cmd.orderId, buyerId: cmd.buyerId, currency: cmd.currency, amount: cmd.amount,
      state: 'OPEN', financingId: '', createTime: now, updateTime: now, refundReason: '', repayment: 0n,
      arrival: this.nextArrival, pledgeSeq: 0,
    };
    this.emit('ORDER_RECORDED', { order });
    const f = this.active;
    if (f && f.underCovered && f.currency === order.currency && ACTIVE_POOL.has(f.state)) {
      // DESIGN.md: while under-covered, every new order is pledged on arrival.
      this.pledge(order);
      this.checkCoverage();
    }
    return this.orders.get(cmd.orderId)!;
  }

  completeOrder(orderId: string): Order {
    const o = this.order(orderId);
    if (o.state === 'COMPLETED') return o;
    if (o.state === 'REFUNDED') throw precondition('ORDER_REFUNDED', `order ${orderId} was refunded`, { order_id: orderId });
    const now = this.ctx().now;
    const f = this.active;
    if (o.state === 'POOLED' && f && this.pool.has(orderId)) {
      const repayment = f.state === 'SETTLING' ? minBig(shareOf(o.amount, f.repaymentShareBps), f.outstanding) : 0n;
      const done: Order = { ...o, state: 'COMPLETED', repayment, updateTime: now };
      this.emit('ORDER_COMPLETED', {
        order: done,
        amount: repayment,
        financing: this.with(f, {
          poolTotal: f.poolTotal - o.amount, poolOrderCount: f.poolOrderCount - 1,
          repaid: f.repaid + repayment, outstanding: f.outstanding - repayment,
        }),
      });
      this.afterPoolChange();
      return this.orders.get(orderId)!;
    }
    const done: Order = { ...o, state: 'COMPLETED', updateTime: now };
    this.emit('ORDER_COMPLETED', { order: done, amount: 0n });
    return done;
  }

  refundOrder(orderId: string, reason: string): Order {
    const o = this.order(orderId);
    if (o.state === 'REFUNDED') return o;
    if (o.state === 'COMPLETED') throw precondition('ORDER_COMPLETED', `order ${orderId} already completed`, { order_id: orderId });
    const now = this.ctx().now;
    const f = this.active;
    const refunded: Order = { ...o, state: 'REFUNDED', refundReason: reason, updateTime: now };
    if (o.state === 'POOLED' && f && this.pool.has(orderId)) {
      this.emit('ORDER_REFUNDED', {
        order: refunded,
        financing: this.with(f, { poolTotal: f.poolTotal - o.amount, poolOrderCount: f.poolOrderCount - 1 }),
      });
      this.checkCoverage();
    } else {
      this.emit('ORDER_REFUNDED', { order: refunded });
    }
    return this.orders.get(orderId)!;
  }

  requestFinancing(cmd: RequestFinancingCommand, lender: Lender | undefined): Financing {
    this.mustExist();
    const current = this.active;
    if (current) {
      throw precondition('FINANCING_IN_PROGRESS', `merchant already has financing ${current.financingId}`, { financing_id: current.financingId });
    }
    if (!lender) throw notFound('LENDER_NOT_FOUND', `lender ${cmd.lenderId} not found`, { lender_id: cmd.lenderId });
    const { now, config } = this.ctx();
    let f: Financing = {
      merchantId: this.merchantId, financingId: this.env!.newFinancingId(), lenderId: lender.lenderId, requestId: cmd.requestId,
      state: 'COLLECTING', currency: cmd.currency, requested: cmd.amount, approved: 0n, fee: 0n, poolTotal: 0n, poolOrderCount: 0,
      outstanding: 0n, repaid: 0n, underCovered: false, endReason: '', lenderReference: '', createTime: now, updateTime: now,
      verificationExpireTime: 0, verificationAttemptsLeft: 0, verificationCodeHash: '', verificationSalt: '', disbursementDeadline: 0,
      disbursementTimeoutMs: lender.disbursementTimeoutMs || config.disbursementTimeoutMs,
      advanceRateBps: lender.advanceRateBps, repaymentShareBps: lender.repaymentShareBps, feeBps: lender.feeBps,
    };
    this.emit('FINANCING_REQUESTED', { financing: f });

    const reject = (reason: string, message: string): Financing => {
      f = this.with(this.active!, { state: 'REJECTED', endReason: reason });
      this.emit('FINANCING_REJECTED', { financing: f, detail: reason });
      this.tx!.failure = precondition(reason, message, { financing_id: f.financingId });
      return f;
    };

    const threshold = lender.verificationThreshold;
    if (threshold && threshold.currency !== cmd.currency) {
      return reject('CURRENCY_NOT_SUPPORTED', `lender ${lender.lenderId} finances in ${threshold.currency} only`);
    }
    const h = this.history;
    if (h.ordersCompleted < lender.minCompletedOrders) {
      return reject('NOT_ELIGIBLE', `merchant completed ${h.ordersCompleted} orders; lender requires ${lender.minCompletedOrders}`);
    }
    const settled = h.ordersCompleted + h.ordersRefunded;
    if (lender.maxRefundRateBps !== null && settled > 0 && h.ordersRefunded * 10_000 > lender.maxRefundRateBps * settled) {
      return reject('NOT_ELIGIBLE', `merchant's refund rate is above the lender's ${lender.maxRefundRateBps} bps`);
    }

    // Collecting: oldest open orders first until the pool carries the request.
    const chosen: Order[] = [];
    let poolTotal = 0n;
    for (const o of this.orders.values()) {
      if (covers(poolTotal, lender.advanceRateBps, cmd.amount)) break;
      if (o.state === 'OPEN' && o.currency === cmd.currency) {
        chosen.push(o);
        poolTotal += o.amount;
      }
    }
    const approved = minBig(cmd.amount, shareOf(poolTotal, lender.advanceRateBps));
    if (approved === 0n) {
      return reject('INSUFFICIENT_ORDERS', `open ${cmd.currency} orders cannot carry any advance`);
    }
    for (const o of chosen) this.pledge(o);

    // Totaling.
    f = this.active!;
    const fee = shareOf(approved, f.feeBps);
    f = this.with(f, { state: 'TOTALING', approved, fee, outstanding: approved + fee });
    this.emit('POOL_TOTALED', { financing: f });

    if (threshold && f.poolTotal >= threshold.amount) {
      const code = this.env!.newCode();
      const salt = randomBytes(16).toString('hex');
      this.tx!.code = code;
      f = this.with(f, {
        state: 'AWAITING_VERIFICATION',
        verificationExpireTime: now + (lender.verificationTtlMs || config.verificationTtlMs),
        verificationAttemptsLeft: config.maxVerificationAttempts,
        verificationSalt: salt,
        verificationCodeHash: hashCode(salt, code),
      });
      this.emit('VERIFICATION_REQUESTED', { financing: f });
    } else {
      f = this.with(f, { state: 'NOTIFIED', disbursementDeadline: now + f.disbursementTimeoutMs });
      this.emit('DISBURSEMENT_AUTHORIZED', { financing: f });
    }
    return f;
  }

  verifyFinancing(financingId: string, code: string, ended: Financing | undefined): Financing {
    const f = this.financing(financingId, ended);
    if (f.state === 'EXPIRED' && f.endReason === 'VERIFICATION_EXPIRED') {
      // The proto: VERIFICATION_EXPIRED "when the code expired (the financing is EXPIRED)",
      // whether the deadline timer already ended it or this call does.
      throw precondition('VERIFICATION_EXPIRED', 'the verification code expired', { financing_id: financingId });
    }
    if (f.state !== 'AWAITING_VERIFICATION') {
      throw precondition('FINANCING_NOT_AWAITING_VERIFICATION', `financing is ${f.state}`, { financing_id: financingId, state: f.state });
    }
    const now = this.ctx().now;
    if (now >= f.verificationExpireTime) {
      const ended = this.end('FINANCING_EXPIRED', 'EXPIRED', 'VERIFICATION_EXPIRED');
      this.tx!.failure = precondition('VERIFICATION_EXPIRED', 'the verification code expired', { financing_id: financingId });
      return ended;
    }
    const expected = Buffer.from(f.verificationCodeHash, 'hex');
    const given = Buffer.from(hashCode(f.verificationSalt, code), 'hex');
    if (expected.length === given.length && timingSafeEqual(expected, given)) {
      const next = this.with(f, {
        state: 'NOTIFIED', verificationCodeHash: '', verificationSalt: '', verificationExpireTime: 0, verificationAttemptsLeft: 0,
        disbursementDeadline: now + f.disbursementTimeoutMs,
      });
      this.emit('DISBURSEMENT_AUTHORIZED', { financing: next });
      return next;
    }
    const left = f.verificationAttemptsLeft - 1;
    this.emit('VERIFICATION_FAILED', { financing: this.with(f, { verificationAttemptsLeft: left }) });
    if (left <= 0) {
      const ended = this.end('FINANCING_CANCELLED', 'CANCELLED', 'VERIFICATION_ATTEMPTS_EXHAUSTED');
      this.tx!.failure = invalid('VERIFICATION_ATTEMPTS_EXHAUSTED', 'wrong code; no attempts left, the financing is cancelled', 'code', { attempts_left: '0', financing_id: financingId });
      return ended;
    }
    this.tx!.failure = invalid('VERIFICATION_CODE_MISMATCH', 'wrong verification code', 'code', { attempts_left: String(left), financing_id: financingId });
    return this.active!;
  }

  cancelFinancing(financingId: string, reason: string, ended: Financing | undefined): Financing {
    const f = this.financing(financingId, ended);
    if (f.state === 'CANCELLED') return f;
    if (f.state === 'SETTLING') throw precondition('FINANCING_ALREADY_DISBURSED', 'a disbursed financing cannot be cancelled', { financing_id: financingId });
    if (ENDED.has(f.state)) throw precondition('FINANCING_ENDED', `financing already ended ${f.state}`, { financing_id: financingId, state: f.state });
    return this.end('FINANCING_CANCELLED', 'CANCELLED', reason || 'CANCELLED_BY_MERCHANT');
  }

  confirmDisbursement(financingId: string, lenderId: string, currency: string, amount: bigint, reference: string, ended: Financing | undefined): Financing {
    const f = this.financing(financingId, ended);
    if (f.lenderId !== lenderId) throw denied('LENDER_MISMATCH', 'financing belongs to another lender', { financing_id: financingId });
    if (f.lenderReference !== '' && f.lenderReference === reference) return f; // replayed confirmation
    if (f.state === 'SETTLING' || f.state === 'REPAID') {
      throw precondition('FINANCING_ALREADY_DISBURSED', 'financing was confirmed with another lender_reference', { financing_id: financingId });
    }
    if (f.state !== 'NOTIFIED') throw precondition('FINANCING_NOT_NOTIFIED', `financing is ${f.state}`, { financing_id: financingId, state: f.state });
    if (currency !== f.currency || amount !== f.approved) {
      throw invalid('AMOUNT_MISMATCH', `amount must be the approved ${f.approved} ${f.currency}`, 'amount', { approved: String(f.approved) });
    }
    if (this.ctx().now >= f.disbursementDeadline) {
      const ended = this.end('FINANCING_EXPIRED', 'EXPIRED', 'DISBURSEMENT_EXPIRED');
      this.tx!.failure = precondition('DISBURSEMENT_EXPIRED', 'the disbursement deadline passed', { financing_id: financingId });
      return ended;
    }
    const next = this.with(f, { state: 'SETTLING', lenderReference: reference, disbursementDeadline: 0 });
    this.emit('DISBURSEMENT_CONFIRMED', { financing: next });
    return next;
  }

  declineFinancing(financingId: string, lenderId: string, reason: string, ended: Financing | undefined): Financing {
    const f = this.financing(financingId, ended);
    if (f.lenderId !== lenderId) throw denied('LENDER_MISMATCH', 'financing belongs to another lender', { financing_id: financingId });
    if (f.state === 'DECLINED') return f;
    if (f.state === 'SETTLING') throw precondition('FINANCING_ALREADY_DISBURSED', 'a disbursed financing cannot be declined', { financing_id: financingId });
    if (ENDED.has(f.state)) throw precondition('FINANCING_ENDED', `financing already ended ${f.state}`, { financing_id: financingId, state: f.state });
    if (f.state !== 'NOTIFIED') throw precondition('FINANCING_NOT_NOTIFIED', `financing is ${f.state}`, { financing_id: financingId, state: f.state });
    return this.end('FINANCING_DECLINED', 'DECLINED', reason || 'DECLINED_BY_LENDER');
  }

  /** Fired by the scheduler: ends the active financing if its deadline passed. */
  expireDue(financingId: string): void {
    const f = this.active;
    if (!f || f.financingId !== financingId) return;
    const now = this.ctx().now;
    if (f.state === 'AWAITING_VERIFICATION' && now >= f.verificationExpireTime) this.end('FINANCING_EXPIRED', 'EXPIRED', 'VERIFICATION_EXPIRED');
    else if (f.state === 'NOTIFIED' && now >= f.disbursementDeadline) this.end('FINANCING_EXPIRED', 'EXPIRED', 'DISBURSEMENT_EXPIRED');
  }

  // ----------------------------------------------------------------- helpers

  private ctx(): Env {
    if (!this.env) throw new Error('merchant command outside run()');
    return this.env;
  }

  private mustExist(): void {
    if (!this.exists) throw notFound('MERCHANT_NOT_FOUND', `merchant ${this.merchantId} not found`, { merchant_id: this.merchantId });
  }

  private order(orderId: string): Order {
    this.mustExist();
    const o = this.orders.get(orderId);
    if (!o) throw notFound('ORDER_NOT_FOUND', `order ${orderId} not found`, { order_id: orderId });
    return o;
  }

  private financing(financingId: string, ended: Financing | undefined): Financing {
    this.mustExist();
    const f = this.active;
    if (f && f.financingId === financingId) return f;
    if (ended) return ended;
    throw notFound('FINANCING_NOT_FOUND', `financing ${financingId} not found`, { financing_id: financingId });
  }

  private with(f: Financing, patch: Partial<Financing>): Financing {
    return { ...f, ...patch, updateTime: this.ctx().now };
  }

  private pledge(o: Order): void {
    const f = this.active!;
    this.emit('ORDER_PLEDGED', {
      order: { ...o, state: 'POOLED', financingId: f.financingId, pledgeSeq: this.seq + 1, updateTime: this.ctx().now },
      financing: this.with(f, { poolTotal: f.poolTotal + o.amount, poolOrderCount: f.poolOrderCount + 1 }),
    });
  }

  /** Returns every pooled order to OPEN, then ends the financing. */
  private end(type: EventType, state: FinancingStatus, reason: string): Financing {
    this.releasePool();
    const f = this.with(this.active!, {
      state, endReason: state === 'REPAID' ? '' : reason,
      verificationCodeHash: '', verificationSalt: '', verificationExpireTime: 0, verificationAttemptsLeft: 0, disbursementDeadline: 0,
    });
    this.emit(type, { financing: f, detail: reason });
    return f;
  }

  private releasePool(): void {
    const now = this.ctx().now;
    for (const id of [...this.pool]) {
      const o = this.orders.get(id)!;
      const f = this.active!;
      this.emit('ORDER_RELEASED', {
        order: { ...o, state: 'OPEN', financingId: '', pledgeSeq: 0, updateTime: now },
        financing: this.with(f, { poolTotal: f.poolTotal - o.amount, poolOrderCount: f.poolOrderCount - 1 }),
      });
    }
  }

  private afterPoolChange(): void {
    const f = this.active!;
    if (f.state === 'SETTLING' && f.outstanding === 0n) {
      this.end('FINANCING_REPAID', 'REPAID', 'REPAID');
      return;
    }
    this.checkCoverage();
  }

  /** The coverage check, with top-up ('588 claim 2) and UNDER_COVERED. */
  private checkCoverage(): void {
    let f = this.active;
    if (!f || !ACTIVE_POOL.has(f.state)) return;
    if (!covers(f.poolTotal, f.advanceRateBps, f.outstanding)) {
      for (const o of this.orders.values()) {
        f = this.active!;
        if (covers(f.poolTotal, f.advanceRateBps, f.outstanding)) break;
        if (o.state === 'OPEN' && o.currency === f.currency) this.pledge(o);
      }
    }
    f = this.active!;
    const ok = covers(f.poolTotal, f.advanceRateBps, f.outstanding);
    if (!ok && !f.underCovered) this.emit('COVERAGE_LOST', { financing: this.with(f, { underCovered: true }) });
    else if (ok && f.underCovered) this.emit('COVERAGE_RESTORED', { financing: this.with(f, { underCovered: false }) });
  }

  private emit(type: EventType, body: { order?: Order; financing?: Financing; amount?: bigint; detail?: string }): void {
    const tx = this.tx!;
    const ev: MerchantEvent = { seq: this.seq + 1, merchantId: this.merchantId, time: this.ctx().now, type, ...body };
    const actions = this.apply(ev);
    tx.events.push(ev);
    if (ev.order) tx.dirtyOrders.set(ev.order.orderId, ev.order);
    if (ev.financing) tx.financings.set(ev.financing.financingId, ev.financing);
    for (const a of actions) tx.effects.push(effectOf(a, ev, tx.code));
  }

  // ------------------------------------------------------------------ evolve

  /**
   * Applies one journal event; the only place state changes. Used while a
   * command runs and when replaying the journal after a snapshot.
   */
  apply(ev: MerchantEvent): EffectAction[] {
    if (ev.seq !== this.seq + 1) throw new Error(`event ${ev.seq} applied after ${this.seq}`);
    let effects: EffectAction[] = [];
    if (ev.financing) {
      const r = step(this.machine, { type: ev.type, financing: ev.financing, amount: ev.amount ?? 0n });
      if (!r) throw new Error(`${ev.type} is not allowed in state ${this.state}`);
      this.machine = r.next;
      effects = r.effects;
      if (ev.type === 'FINANCING_REQUESTED') this.history.financingsRequested++;
      if (ev.type === 'FINANCING_REPAID') this.history.financingsRepaid++;
    }
    const o = ev.order;
    if (o) {
      const prior = this.orders.get(o.orderId);
      if (prior?.state === 'OPEN') this.addOpen(prior, -1);
      if (o.state === 'OPEN') this.addOpen(o, 1);
      this.orders.set(o.orderId, o);
      if (o.state === 'POOLED') this.pool.add(o.orderId);
      else this.pool.delete(o.orderId);
      if (ev.type === 'ORDER_RECORDED') {
        this.history.ordersRecorded++;
        this.nextArrival = Math.max(this.nextArrival, o.arrival + 1);
        if (!this.firstCurrency) this.firstCurrency = o.currency;
      }
      if (ev.type === 'ORDER_COMPLETED') this.history.ordersCompleted++;
      if (ev.type === 'ORDER_REFUNDED') this.history.ordersRefunded++;
    }
    // Set.prototype.clear allocates a new table even for an empty set (in old
    // space for a long-lived merchant's), and this runs for every event of a
    // merchant with no financing: every recorded order.
    if (!this.active && this.pool.size !== 0) this.pool.clear();
    this.seq = ev.seq;
    return effects;
  }

  private addOpen(o: Order, sign: 1 | -1): void {
    const t = this.openTotals.get(o.currency) ?? { total: 0n, count: 0 };
    const next = { total: t.total + (sign === 1 ? o.amount : -o.amount), count: t.count + sign };
    if (next.count === 0) this.openTotals.delete(o.currency);
    else this.openTotals.set(o.currency, next);
  }
}

/** Builds the outbox row of one effect action of one event. */
function effectOf(action: EffectAction, ev: MerchantEvent, code: string): Effect {
  const f = ev.financing!;
  switch (action) {
    case 'authorizeDisbursement':
      return effect(ev, 'AuthorizeDisbursement', f.lenderId, f.approved, [], '', '', f.disbursementDeadline, '');
    case 'sendVerificationCode':
      return effect(ev, 'SendVerificationCode', '', 0n, [], '', '', f.verificationExpireTime, code);
    case 'receiveRepayment':
      return effect(ev, 'ReceiveRepayment', f.lenderId, ev.amount ?? 0n, [ev.order!.orderId], '', '', 0, '');
    case 'coverageAlert':
      return effect(ev, 'ReceiveCoverageAlert', f.lenderId, 0n, [], '', '', 0, '');
    case 'financingClosed':
      return effect(ev, 'ReceiveFinancingClosed', f.lenderId, f.repaid, [], f.state, f.endReason, 0, '');
  }
}

/**
 * One effect of an event, written out in one object literal: a pooled
 * completion makes one, and a base record spread into a second one made
 * effects 4 % of what a completion allocated (3 % now).
 */
function effect(
  ev: MerchantEvent, method: EffectMethod, lenderId: string, amount: bigint, orderIds: string[],
  finalState: Effect['finalState'], reason: string, deadline: number, code: string,
): Effect {
  const f = ev.financing!;
  return {
    idempotencyKey: `${ev.merchantId}:${ev.seq}:${method}`, method, lenderId, merchantId: ev.merchantId, financingId: f.financingId,
    createTime: ev.time, seq: ev.seq, currency: f.currency, amount, fee: f.fee, poolTotal: f.poolTotal,
    poolOrderCount: f.poolOrderCount, outstanding: f.outstanding, orderIds, underCovered: f.underCovered, finalState,
    reason, deadline, code,
  };
}
