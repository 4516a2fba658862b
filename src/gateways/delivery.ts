/**
 * Outbox delivery (DESIGN.md "Effects at least once, with idempotency keys").
 *
 *  D1 One lane per destination (each lender, and the notifier): a slow or
 *     dead lender delays only its own lane; merchants' commands never wait
 *     for delivery.
 *  D2 Within a lane, each financing has its own queue and at most one call in
 *     flight, so a lender sees a financing's AuthorizeDisbursement before its
 *     repayments and its ReceiveFinancingClosed last; up to `maxInFlight`
 *     financings of one lane are delivered at once.
 *  D3 Failures are retried forever with bounded exponential backoff and
 *     jitter (per lane: a failing lender is not hammered); a row is deleted
 *     only after its call succeeded.
 *  D4 The idempotency key of a row never changes. Repayments of one
 *     financing waiting together at the head of its queue are coalesced into
 *     one call; the merged row (with its own key) replaces the parts in one
 *     synced write before its first send, and a sent or merged row is
 *     "sealed" and never merged again, so a key never carries two payloads.
 *  D5 Rows survive restarts: the lanes are rebuilt from the outbox on start.
 *  D6 Memory is bounded: a lane keeps at most `maxLaneRows` rows in memory,
 *     always a prefix (in outbox order) of its rows on disk; the rest stay on
 *     disk only ("spilled") and are paged in as the lane drains, so a lender
 *     that is down for hours costs disk, not memory.
 */
import type { Logger } from 'pino';
import type { Effect } from '../domain/types';
import type { OutboxRow, Store } from '../store/store';
import type { GatewayClients } from './clients';

export interface DeliveryConfig {
  retryBaseMs: number;
  retryMaxMs: number;
  callTimeoutMs: number;
  /** At most this many repayments merged into one call. */
  maxCoalesce: number;
  /** Calls in flight per lane (each for a different financing). */
  maxInFlight?: number;
  /** Rows a lane keeps in memory; beyond it they wait on disk (D6). */
  maxLaneRows?: number;
}

interface SealedEffect extends Effect {
  sealed?: boolean;
}

type Row = { key: string; effect: SealedEffect };

interface FinancingQueue {
  id: string;
  rows: Row[];
  busy: boolean;
}

interface Lane {
  name: string;
  queues: Map<string, FinancingQueue>;
  /** Queues with rows and no call in flight, in the order they became ready. */
  ready: FinancingQueue[];
  inFlight: number;
  /** Rows waiting, in memory or on disk only. */
  backlog: number;
  /** Rows in memory. */
  loaded: number;
  /** The last outbox key loaded into memory. */
  loadedUpTo: string;
  /** Some of the lane's rows after loadedUpTo are on disk only. */
  spilled: boolean;
  /** Rows that arrived while a refill was reading the disk. */
  arrivals: Row[] | undefined;
  attempt: number;
  timer: NodeJS.Timeout | undefined;
  lastError: string;
}

export interface DeliveryStats {
  delivered: number;
  calls: number;
  failures: number;
  backlog: number;
  lanes: Record<string, { backlog: number; oldestMs: number; attempt: number; lastError: string }>;
}

export class Delivery {
  private readonly lanes = new Map<string, Lane>();
  private readonly maxInFlight: number;
  private readonly maxLaneRows: number;
  private stopped = false;
  private delivered = 0;
  private calls = 0;
  private failures = 0;

  constructor(
    private readonly store: Store,
    private readonly clients: GatewayClients,
    private readonly config: DeliveryConfig,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {
    this.maxInFlight = Math.max(1, config.maxInFlight ?? 16);
    this.maxLaneRows = Math.max(2, config.maxLaneRows ?? 10_000);
  }

  /** D5: pages through the outbox; each lane keeps its first rows (D6). */
  async start(): Promise<void> {
    const touched = new Set<Lane>();
    let after = '';
    for (;;) {
      const page = await this.store.scanOutboxAfter(after, 1000);
      for (const row of page) {
        const lane = this.laneOf(row.effect);
        lane.backlog++;
        this.admit(lane, row);
        touched.add(lane);
      }
      if (page.length < 1000) break;
      after = page[page.length - 1]!.key;
    }
    for (const lane of touched) this.pump(lane);
  }

  enqueue(rows: OutboxRow[]): void {
    const touched = new Set<Lane>();
    for (const row of rows) {
      const lane = this.laneOf(row.effect);
      lane.backlog++;
      if (lane.arrivals) lane.arrivals.push(row);
      else this.admit(lane, row);
      touched.add(lane);
    }
    for (const lane of touched) this.pump(lane);
  }

  /** Rows in memory per lane (tests of D6). */
  loadedRows(): Record<string, number> {
    return Object.fromEntries([...this.lanes.values()].map((l) => [l.name, l.loaded]));
  }

  stats(): DeliveryStats {
    const lanes: DeliveryStats['lanes'] = {};
    let backlog = 0;
    const now = this.now();
    for (const lane of this.lanes.values()) {
      backlog += lane.backlog;
      let oldest = Number.POSITIVE_INFINITY;
      for (const q of lane.queues.values()) if (q.rows.length > 0) oldest = Math.min(oldest, q.rows[0]!.effect.createTime);
      lanes[lane.name] = {
        backlog: lane.backlog,
        oldestMs: lane.backlog > 0 && Number.isFinite(oldest) ? now - oldest : 0,
        attempt: lane.attempt,
        lastError: lane.lastError,
      };
    }
    return { delivered: this.delivered, calls: this.calls, failures: this.failures, backlog, lanes };
  }

  /** Resolves when every lane is empty (tests), or rejects after timeoutMs. */
  async idle(timeoutMs = 10_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while ([...this.lanes.values()].some((l) => l.backlog > 0)) {
      if (Date.now() > until) throw new Error(`outbox not drained: ${JSON.stringify(this.stats().lanes)}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  stop(): void {
    this.stopped = true;
    for (const lane of this.lanes.values()) if (lane.timer) clearTimeout(lane.timer);
  }

  private laneOf(e: Effect): Lane {
    const name = e.method === 'SendVerificationCode' ? 'notifier' : `lender:${e.lenderId}`;
    let lane = this.lanes.get(name);
    if (!lane) {
      lane = {
        name, queues: new Map(), ready: [], inFlight: 0, backlog: 0, loaded: 0, loadedUpTo: '', spilled: false,
        arrivals: undefined, attempt: 0, timer: undefined, lastError: '',
      };
      this.lanes.set(name, lane);
    }
    return lane;
  }

  /** Keeps a row in memory when the lane has room and nothing before it is on disk only (D6). */
  private admit(lane: Lane, row: OutboxRow): void {
    if (lane.spilled || lane.loaded >= this.maxLaneRows) {
      lane.spilled = true;
      return;
    }
    const e = row.effect;
    const id = `${e.merchantId}\x00${e.financingId}`;
    let q = lane.queues.get(id);
    if (!q) {
      q = { id, rows: [], busy: false };
      lane.queues.set(id, q);
    }
    q.rows.push(row);
    lane.loaded++;
    lane.loadedUpTo = row.key;
    if (q.rows.length === 1 && !q.busy) lane.ready.push(q);
  }

  /** D6: pages the lane's next rows in from disk once half of its memory is free. */
  private async refill(lane: Lane): Promise<void> {
    lane.arrivals = [];
    try {
      let after = lane.loadedUpTo;
      let reachedEnd = false;
      lane.spilled = false;
      scan: for (;;) {
        const page = await this.store.scanOutboxAfter(after, 1000);
        for (const row of page) {
          after = row.key;
          if (this.laneOf(row.effect) !== lane) continue;
          if (lane.loaded >= this.maxLaneRows) {
            lane.spilled = true;
            break scan;
          }
          this.admit(lane, row);
        }
        if (page.length < 1000) {
          reachedEnd = true;
          break;
        }
      }
      const arrivals = lane.arrivals;
      lane.arrivals = undefined;
      // Rows committed while the disk was read: those the scan saw are loaded already.
      if (reachedEnd) for (const row of arrivals) if (row.key > lane.loadedUpTo) this.admit(lane, row);
    } catch (e) {
      // Nothing was lost: the rows are on disk; try again on the next delivery.
      lane.arrivals = undefined;
      lane.spilled = true;
      this.log.warn({ lane: lane.name, err: e instanceof Error ? e.message : String(e) }, 'paging the outbox in failed; will retry');
      if (!this.stopped) setTimeout(() => void (lane.spilled && !lane.arrivals && !this.stopped && this.refill(lane)), 1000).unref();
    }
    this.pump(lane);
  }

  private pump(lane: Lane): void {
    while (!this.stopped && !lane.timer && lane.inFlight < this.maxInFlight && lane.ready.length > 0) {
      const q = lane.ready.shift()!;
      if (q.busy || q.rows.length === 0) continue;
      q.busy = true;
      lane.inFlight++;
      void this.sendHead(lane, q).then(
        () => {
          lane.attempt = 0;
          lane.lastError = '';
          this.settle(lane, q);
        },
        (err: unknown) => {
          this.failures++;
          lane.attempt++;
          lane.lastError = err instanceof Error ? err.message : String(err);
          this.settle(lane, q);
          if (!lane.timer && !this.stopped) {
            const cap = Math.min(this.config.retryMaxMs, this.config.retryBaseMs * 2 ** Math.min(lane.attempt - 1, 30));
            const delay = Math.floor(cap / 2 + Math.random() * (cap / 2));
            this.log.warn({ lane: lane.name, attempt: lane.attempt, delayMs: delay, err: lane.lastError }, 'delivery failed; will retry');
            lane.timer = setTimeout(() => {
              lane.timer = undefined;
              this.pump(lane);
            }, delay);
            lane.timer.unref();
          }
        },
      );
    }
  }

  private settle(lane: Lane, q: FinancingQueue): void {
    q.busy = false;
    lane.inFlight--;
    if (q.rows.length > 0) lane.ready.push(q);
    else lane.queues.delete(q.id);
    if (lane.spilled && !lane.arrivals && !this.stopped && lane.loaded <= this.maxLaneRows / 2) void this.refill(lane);
    this.pump(lane);
  }

  private async sendHead(lane: Lane, q: FinancingQueue): Promise<void> {
    let head = q.rows[0]!;
    if (head.effect.method === 'ReceiveRepayment' && !head.effect.sealed) head = await this.seal(lane, q);
    const e = head.effect;
    if (e.method === 'SendVerificationCode' && e.deadline && this.now() >= e.deadline) {
      this.log.info({ merchantId: e.merchantId, financingId: e.financingId }, 'verification code expired before delivery; dropped');
    } else {
      this.calls++;
      await this.clients.send(e, this.config.callTimeoutMs);
    }
    await this.store.deleteOutbox([head.key]);
    q.rows.shift();
    lane.backlog--;
    lane.loaded--;
    this.delivered++;
  }

  /** D4: merges the unsealed repayments at the head of a financing's queue and seals the result. */
  private async seal(lane: Lane, q: FinancingQueue): Promise<Row> {
    const head = q.rows[0]!;
    const parts = [head];
    for (let i = 1; i < q.rows.length && parts.length < this.config.maxCoalesce; i++) {
      const r = q.rows[i]!;
      if (r.effect.method !== 'ReceiveRepayment' || r.effect.sealed) break;
      parts.push(r);
    }
    const last = parts[parts.length - 1]!.effect;
    const merged: SealedEffect = parts.length === 1 ? { ...head.effect, sealed: true } : {
      ...head.effect,
      sealed: true,
      idempotencyKey: `${head.effect.merchantId}:${head.effect.seq}-${last.seq}:ReceiveRepayment`,
      amount: parts.reduce((sum, p) => sum + p.effect.amount, 0n),
      orderIds: parts.flatMap((p) => p.effect.orderIds),
      outstanding: last.outstanding,
      poolTotal: last.poolTotal,
      poolOrderCount: last.poolOrderCount,
      seq: last.seq,
    };
    const row = { key: head.key, effect: merged };
    await this.store.replaceOutbox(parts.map((p) => p.key), row);
    q.rows.splice(0, parts.length, row);
    lane.backlog -= parts.length - 1;
    lane.loaded -= parts.length - 1;
    return row;
  }
}
