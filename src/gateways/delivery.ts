/**
 * Outbox delivery (DESIGN.md "Effects at least once, with idempotency keys").
 *
 *  D1 One lane per destination (each lender, and the notifier): a slow or
 *     dead lender delays only its own lane; merchants' commands never wait
 *     for delivery.
 *  D2 A lane sends one call at a time, in outbox order, so a lender sees
 *     AuthorizeDisbursement before the repayments of that financing.
 *  D3 Failures are retried forever with bounded exponential backoff and
 *     jitter; a row is deleted only after its call succeeded.
 *  D4 The idempotency key of a row never changes. Repayments of one
 *     financing waiting together at the head of a lane are coalesced into
 *     one call; the merged row (with its own key) replaces the parts in one
 *     synced write before its first send, and a sent or merged row is
 *     "sealed" and never merged again, so a key never carries two payloads.
 *  D5 Rows survive restarts: the lanes are rebuilt from the outbox on start.
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
}

interface SealedEffect extends Effect {
  sealed?: boolean;
}

interface Lane {
  name: string;
  rows: { key: string; effect: SealedEffect }[];
  busy: boolean;
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
  ) {}

  async start(): Promise<void> {
    for (const row of await this.store.scanOutbox()) this.push(row);
    for (const lane of this.lanes.values()) this.pump(lane);
  }

  enqueue(rows: OutboxRow[]): void {
    const touched = new Set<Lane>();
    for (const row of rows) touched.add(this.push(row));
    for (const lane of touched) this.pump(lane);
  }

  stats(): DeliveryStats {
    const lanes: DeliveryStats['lanes'] = {};
    let backlog = 0;
    const now = this.now();
    for (const lane of this.lanes.values()) {
      backlog += lane.rows.length;
      lanes[lane.name] = {
        backlog: lane.rows.length,
        oldestMs: lane.rows.length ? now - lane.rows[0]!.effect.createTime : 0,
        attempt: lane.attempt,
        lastError: lane.lastError,
      };
    }
    return { delivered: this.delivered, calls: this.calls, failures: this.failures, backlog, lanes };
  }

  /** Resolves when every lane is empty (tests), or rejects after timeoutMs. */
  async idle(timeoutMs = 10_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while ([...this.lanes.values()].some((l) => l.rows.length > 0)) {
      if (Date.now() > until) throw new Error(`outbox not drained: ${JSON.stringify(this.stats().lanes)}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  stop(): void {
    this.stopped = true;
    for (const lane of this.lanes.values()) if (lane.timer) clearTimeout(lane.timer);
  }

  private push(row: OutboxRow): Lane {
    const name = row.effect.method === 'SendVerificationCode' ? 'notifier' : `lender:${row.effect.lenderId}`;
    let lane = this.lanes.get(name);
    if (!lane) {
      lane = { name, rows: [], busy: false, attempt: 0, timer: undefined, lastError: '' };
      this.lanes.set(name, lane);
    }
    lane.rows.push(row);
    return lane;
  }

  private pump(lane: Lane): void {
    if (lane.busy || lane.timer || this.stopped || lane.rows.length === 0) return;
    lane.busy = true;
    void this.sendHead(lane).then(
      () => {
        lane.busy = false;
        lane.attempt = 0;
        lane.lastError = '';
        this.pump(lane);
      },
      (err: unknown) => {
        lane.busy = false;
        this.failures++;
        lane.attempt++;
        lane.lastError = err instanceof Error ? err.message : String(err);
        const cap = Math.min(this.config.retryMaxMs, this.config.retryBaseMs * 2 ** Math.min(lane.attempt - 1, 30));
        const delay = Math.floor(cap / 2 + Math.random() * (cap / 2));
        this.log.warn({ lane: lane.name, attempt: lane.attempt, delayMs: delay, err: lane.lastError }, 'delivery failed; will retry');
        lane.timer = setTimeout(() => {
          lane.timer = undefined;
          this.pump(lane);
        }, delay);
        lane.timer.unref();
      },
    );
  }

  private async sendHead(lane: Lane): Promise<void> {
    let head = lane.rows[0]!;
    if (head.effect.method === 'ReceiveRepayment' && !head.effect.sealed) head = await this.seal(lane);
    const e = head.effect;
    if (e.method === 'SendVerificationCode' && e.deadline && this.now() >= e.deadline) {
      this.log.info({ merchantId: e.merchantId, financingId: e.financingId }, 'verification code expired before delivery; dropped');
    } else {
      this.calls++;
      await this.clients.send(e, this.config.callTimeoutMs);
    }
    await this.store.deleteOutbox([head.key]);
    lane.rows.shift();
    this.delivered++;
  }

  /** D4: merges the unsealed repayments of the head's financing and seals the result. */
  private async seal(lane: Lane): Promise<{ key: string; effect: SealedEffect }> {
    const head = lane.rows[0]!;
    const parts = [head];
    for (let i = 1; i < lane.rows.length && parts.length < this.config.maxCoalesce; i++) {
      const r = lane.rows[i]!;
      if (r.effect.method !== 'ReceiveRepayment' || r.effect.sealed) break;
      if (r.effect.merchantId !== head.effect.merchantId || r.effect.financingId !== head.effect.financingId) break;
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
    lane.rows.splice(0, parts.length, row);
    return row;
  }
}
