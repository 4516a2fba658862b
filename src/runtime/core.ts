/**
 * The service's operations over the router, the store, the lenders, the
 * scheduler, the watch hub and delivery. The gRPC handlers (src/api) only
 * validate, call one of these, and convert the answer.
 */
import type { Logger } from 'pino';
import { alreadyExists, notFound, OrderpoolError, precondition, type StatusName } from '../domain/errors';
import { Merchant, type RecordOrderCommand, type RequestFinancingCommand } from '../domain/merchant';
import type { Financing, Lender, MerchantEvent, Order } from '../domain/types';
import type { Store } from '../store/store';
import type { CopyResult, Target } from '../store/backup';
import type { Delivery } from '../gateways/delivery';
import { lenderFrom, type Backend, type LenderInput, type MerchantView, type PoolPage } from './backend';
import type { Clock } from './clock';
import { Router, type Committed, type RuntimeConfig } from './router';
import { Scheduler } from './scheduler';
import { WatchHub } from './watch-hub';

export class Core implements Backend {
  readonly lenders = new Map<string, Lender>();
  readonly hub = new WatchHub();
  readonly scheduler: Scheduler;
  readonly router: Router;
  delivery: Delivery | undefined;

  constructor(
    readonly store: Store,
    readonly clock: Clock,
    config: RuntimeConfig,
    random: { newFinancingId(): string; newCode(): string },
    private readonly log: Logger,
  ) {
    this.scheduler = new Scheduler(clock, (m, f) => void this.expire(m, f));
    this.router = new Router(store, clock, config, random, (c) => this.committed(c));
  }

  /** Loads the lenders; reads no merchant (R3). */
  async loadLenders(): Promise<void> {
    for (const l of await this.store.listLenders()) this.lenders.set(l.lenderId, l);
  }

  /**
   * Arms the pending deadlines. Call after delivery has loaded the outbox: an
   * overdue deadline fires at once, and its effects must not be queued twice
   * (once from its commit, once from the outbox scan).
   */
  async startDeadlines(): Promise<void> {
    for (const t of await this.store.scanTimers()) this.scheduler.set(t.merchantId, t.deadline, t.financingId);
  }

  async start(): Promise<void> {
    await this.loadLenders();
    await this.startDeadlines();
  }

  stop(): void {
    this.scheduler.stop();
    this.router.stop();
  }

  private committed(c: Committed): void {
    this.hub.publish(c.merchantId, c.events);
    if (c.effects.length > 0) this.delivery?.enqueue(c.effects);
    this.scheduler.set(c.merchantId, c.deadline.at, c.deadline.financingId);
  }

  private async expire(merchantId: string, financingId: string): Promise<void> {
    try {
      await this.router.command(merchantId, { body: (m) => m.expireDue(financingId) });
    } catch (e) {
      this.log.error({ err: e, merchantId, financingId }, 'expiring a financing failed; will retry');
      const retry = this.clock.now() + 1000;
      this.scheduler.set(merchantId, retry, financingId);
    }
  }

  // ---------------------------------------------------------------- orders

  recordOrder(merchantId: string, cmd: RecordOrderCommand): Promise<Order> {
    return this.orderCommand(merchantId, (m) => m.recordOrder(cmd));
  }

  completeOrder(merchantId: string, orderId: string): Promise<Order> {
    return this.orderCommand(merchantId, (m) => m.completeOrder(orderId));
  }

  refundOrder(merchantId: string, orderId: string, reason: string): Promise<Order> {
    return this.orderCommand(merchantId, (m) => m.refundOrder(orderId, reason));
  }

  /**
   * The order commands' bodies are passed as arguments, not written as
   * `{ body: (m) => … }`: under tsx (esbuild's keepNames) a function written
   * as a property value is named with a call per command.
   */
  private orderCommand(merchantId: string, body: (m: Merchant) => Order): Promise<Order> {
    return this.router.command(merchantId, { body });
  }

  // ------------------------------------------------------------ financings

  requestFinancing(merchantId: string, cmd: RequestFinancingCommand): Promise<Financing> {
    return this.router.command<Financing>(merchantId, {
      prepare: async () => {
        const rec = await this.store.getRequest(merchantId, cmd.requestId);
        if (!rec) return { context: undefined };
        if (rec.lenderId !== cmd.lenderId || rec.currency !== cmd.currency || rec.amount !== cmd.amount) {
          throw alreadyExists('REQUEST_ID_REUSED', `request_id ${cmd.requestId} was used for a different request`, { financing_id: rec.financingId });
        }
        if (rec.error) throw new OrderpoolError(rec.error.status as StatusName, rec.error.reason, rec.error.message, rec.error.metadata);
        return { answer: rec.financing! };
      },
      body: (m) => m.requestFinancing(cmd, this.lenders.get(cmd.lenderId)),
      request: {
        requestId: cmd.requestId,
        record: (f, tx) => ({
          lenderId: cmd.lenderId, currency: cmd.currency, amount: cmd.amount, financingId: f.financingId,
          ...(tx.failure
            ? { error: { status: tx.failure.status, reason: tx.failure.reason, message: tx.failure.message, metadata: tx.failure.metadata } }
            : { financing: f }),
        }),
      },
    });
  }

  private withEnded<T>(merchantId: string, financingId: string, body: (m: Merchant, ended: Financing | undefined) => T): Promise<T> {
    return this.router.command<T, Financing | undefined>(merchantId, {
      prepare: async (m) => ({
        context: m.active?.financingId === financingId ? undefined : await this.store.getFinancing(merchantId, financingId),
      }),
      body,
    });
  }

  verifyFinancing(merchantId: string, financingId: string, code: string): Promise<Financing> {
    return this.withEnded(merchantId, financingId, (m, ended) => m.verifyFinancing(financingId, code, ended));
  }

  cancelFinancing(merchantId: string, financingId: string, reason: string): Promise<Financing> {
    return this.withEnded(merchantId, financingId, (m, ended) => m.cancelFinancing(financingId, reason, ended));
  }

  confirmDisbursement(merchantId: string, financingId: string, lenderId: string, currency: string, amount: bigint, ref: string): Promise<Financing> {
    return this.withEnded(merchantId, financingId, (m, ended) => m.confirmDisbursement(financingId, lenderId, currency, amount, ref, ended));
  }

  declineFinancing(merchantId: string, financingId: string, lenderId: string, reason: string): Promise<Financing> {
    return this.withEnded(merchantId, financingId, (m, ended) => m.declineFinancing(financingId, lenderId, reason, ended));
  }

  // ----------------------------------------------------------------- reads

  /** Runs fn on an existing merchant's state (NOT_FOUND otherwise). */
  readMerchant<T>(merchantId: string, fn: (m: Merchant) => T | Promise<T>): Promise<T> {
    return this.router.read(merchantId, (m) => {
      if (!m.exists) throw notFound('MERCHANT_NOT_FOUND', `merchant ${merchantId} not found`, { merchant_id: merchantId });
      return fn(m);
    });
  }

  getOrder(merchantId: string, orderId: string): Promise<Order> {
    return this.readMerchant(merchantId, (m) => {
      const o = m.orders.get(orderId);
      if (!o) throw notFound('ORDER_NOT_FOUND', `order ${orderId} not found`, { order_id: orderId });
      return o;
    });
  }

  getFinancing(merchantId: string, financingId: string): Promise<Financing> {
    return this.readMerchant(merchantId, async (m) => {
      if (m.active?.financingId === financingId) return m.active;
      const f = await this.store.getFinancing(merchantId, financingId);
      if (!f) throw notFound('FINANCING_NOT_FOUND', `financing ${financingId} not found`, { financing_id: financingId });
      return f;
    });
  }

  getMerchant(merchantId: string): Promise<MerchantView> {
    return this.readMerchant(merchantId, (m) => ({
      merchantId: m.merchantId,
      state: m.state,
      active: m.active,
      openTotals: new Map(m.openTotals),
      firstCurrency: m.firstCurrency,
      history: { ...m.history },
      seq: m.seq,
    }));
  }

  listPoolOrders(merchantId: string, financingId: string, afterPledgeSeq: number, limit: number): Promise<PoolPage> {
    return this.readMerchant(merchantId, async (m) => {
      let f: Financing | undefined = m.active?.financingId === financingId ? m.active : undefined;
      if (!f) {
        f = await this.store.getFinancing(merchantId, financingId);
        if (!f) throw notFound('FINANCING_NOT_FOUND', `financing ${financingId} not found`, { financing_id: financingId });
        return { orders: [], more: false, financing: f };
      }
      const orders: Order[] = [];
      let more = false;
      for (const id of m.pool) {
        const o = m.orders.get(id)!;
        if (o.pledgeSeq <= afterPledgeSeq) continue;
        if (orders.length === limit) {
          more = true;
          break;
        }
        orders.push(o);
      }
      return { orders, more, financing: f };
    });
  }

  async listEvents(merchantId: string, fromSeq: number, limit: number): Promise<{ events: MerchantEvent[]; lastSeq: number }> {
    const lastSeq = await this.readMerchant(merchantId, (m) => m.seq);
    return { events: await this.store.readEvents(merchantId, fromSeq, limit), lastSeq };
  }

  readEvents(merchantId: string, fromSeq: number, limit: number): Promise<MerchantEvent[]> {
    return this.store.readEvents(merchantId, fromSeq, limit);
  }

  subscribe(merchantId: string, listener: (events: MerchantEvent[]) => void): () => void {
    return this.hub.subscribe(merchantId, listener);
  }

  watchers(merchantId?: string): number {
    return this.hub.watchers(merchantId);
  }

  backupTo(target: Target): Promise<CopyResult> {
    if (!this.store.backupTo) throw precondition('BACKUP_UNSUPPORTED', 'this store cannot make a backup');
    return this.store.backupTo(target);
  }

  // --------------------------------------------------------------- lenders

  async upsertLender(lender: LenderInput): Promise<Lender> {
    const now = this.clock.now();
    const prior = this.lenders.get(lender.lenderId);
    const next: Lender = { ...lender, createTime: prior?.createTime ?? now, updateTime: now };
    await this.store.putLender(next);
    this.lenders.set(next.lenderId, next);
    return next;
  }

  getLender(lenderId: string): Lender {
    return lenderFrom(this.lenders, lenderId);
  }

  listLenders(): Lender[] {
    return [...this.lenders.values()];
  }
}
