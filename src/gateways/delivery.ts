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
 *  D7 Repayment linger (`lingerMs`, 0 = off): a financing whose head is an
 *     unsealed repayment is not sent before `lingerMs` after that repayment
 *     was committed, so repayments completed meanwhile coalesce into the same
 *     call (D4). The clock starts at the effect's createTime (the commit time,
 *     durable), capped by when this process first saw the row, so a row that
 *     already waited that long — behind an in-flight call, on disk while
 *     spilled, or across a restart — goes at once: the linger adds nothing to
 *     a lane that is already behind, and a clock that went backwards never
 *     makes a row wait more than `lingerMs`. Only repayments linger: a queue
 *     holding any other row (FinancingClosed, CoverageAlert, …) behind them,
 *     a sealed head (already sent once, retried) or a run already at
 *     `maxCoalesce` goes at once, in queue order. A lingering queue holds no
 *     in-flight slot (D2); its rows stay counted in the lane's memory (D6).
 *  D8 A repayment that will be merged is kept compact: an unsealed repayment
 *     that arrives behind another one of its financing (unsealed, not being
 *     sealed, its run not yet `maxCoalesce` long) joins that one's run, which
 *     keeps of it only what the merge takes (its key, order ids and amount,
 *     and the figures of the latest). So a repayment's Effect dies young
 *     instead of lingering (D7) through the runtime thread's scavenges, which
 *     copied and promoted thousands of them a second under load. The merged
 *     row is the one D4 made of the same rows one by one.
 */
import type { Logger } from 'pino';
import type { Effect } from '../domain/types';
import type { Clock, TimerHandle } from '../runtime/clock';
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
  /** D7: a repayment waits this long after its commit for others to coalesce with (default 0: off). */
  lingerMs?: number;
}

/** Schedules a callback at a time of Delivery's `now()` (a Clock fits). */
export type DeliveryTimers = Pick<Clock, 'at'>;

/** The default timers: setTimeout for the time left by `now()` (a caller that re-checks `now()` copes with early or frozen clocks). */
function timeoutTimers(now: () => number): DeliveryTimers {
  return {
    at(at, fn) {
      const t = setTimeout(fn, Math.max(0, Math.min(at - now(), 2 ** 31 - 1)));
      t.unref();
      return { cancel: () => clearTimeout(t) };
    },
  };
}

interface SealedEffect extends Effect {
  sealed?: boolean;
}

/** D8: the repayments that joined a row's run, as much of them as the merge takes. */
interface Run {
  keys: string[];
  orderIds: string[];
  /** The sum of their amounts. */
  amount: bigint;
  /** The latest one's sequence and figures (the merged row carries them). */
  seq: number;
  outstanding: bigint;
  poolTotal: bigint;
  poolOrderCount: number;
}

type Row = {
  key: string;
  effect: SealedEffect;
  /** When this process first had the row in memory (D7). */
  seenAt: number;
  /** D8: the repayments merged with this one when it is sealed (undefined: none yet). */
  run: Run | undefined;
  /** Set while seal() writes this row's merge: nothing joins it meanwhile (D8). */
  sealing: boolean;
};

/** The outbox rows a queue entry stands for: itself and its run (D8). */
function rowsIn(row: Row): number {
  return row.run === undefined ? 1 : 1 + row.run.keys.length;
}

interface FinancingQueue {
  id: string;
  /** In outbox order; a row with a run stands for several (D8). */
  rows: Row[];
  /** Outbox rows the queue holds: those of `rows` and of their runs. */
  size: number;
  busy: boolean;
  /** Rows in `rows` that are not repayments (any of them ends a linger, D7). */
  others: number;
  /** Set while the queue lingers (D7): it is then in neither `ready` nor in flight. */
  linger: TimerHandle | undefined;
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
  arrivals: OutboxRow[] | undefined;
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
  private readonly lingerMs: number;
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
    /** D7's timers, in `now()`'s time: pass the Clock that `now` reads (tests: a ManualClock). */
    private readonly timers: DeliveryTimers = timeoutTimers(now),
  ) {
    this.maxInFlight = Math.max(1, config.maxInFlight ?? 64);
    this.maxLaneRows = Math.max(2, config.maxLaneRows ?? 10_000);
    this.lingerMs = Math.max(0, config.lingerMs ?? 0);
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
    for (const lane of this.lanes.values()) {
      if (lane.timer) clearTimeout(lane.timer);
      for (const q of lane.queues.values()) {
        q.linger?.cancel();
        q.linger = undefined;
      }
    }
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
      q = { id, rows: [], size: 0, busy: false, others: 0, linger: undefined };
      lane.queues.set(id, q);
    }
    if (!this.join(q, row)) q.rows.push({ key: row.key, effect: e, seenAt: this.now(), run: undefined, sealing: false });
    q.size++;
    if (e.method !== 'ReceiveRepayment') q.others++;
    lane.loaded++;
    lane.loadedUpTo = row.key;
    if (q.size === 1 && !q.busy) lane.ready.push(q);
    // D7: a row that may not join the lingering run (or fills it) ends the linger.
    else if (q.linger && (e.method !== 'ReceiveRepayment' || q.size >= this.config.maxCoalesce)) this.endLinger(lane, q);
  }

  /** D8: adds an unsealed repayment to the run of the queue's last row, if it may join it. */
  private join(q: FinancingQueue, row: OutboxRow): boolean {
    const e = row.effect as SealedEffect;
    const last = q.rows[q.rows.length - 1];
    if (last === undefined || e.method !== 'ReceiveRepayment' || e.sealed || last.effect.method !== 'ReceiveRepayment'
      || last.effect.sealed || last.sealing || rowsIn(last) >= this.config.maxCoalesce) return false;
    const run = (last.run ??= { keys: [], orderIds: [], amount: 0n, seq: 0, outstanding: 0n, poolTotal: 0n, poolOrderCount: 0 });
    run.keys.push(row.key);
    for (const id of e.orderIds) run.orderIds.push(id);
    run.amount += e.amount;
    run.seq = e.seq;
    run.outstanding = e.outstanding;
    run.poolTotal = e.poolTotal;
    run.poolOrderCount = e.poolOrderCount;
    return true;
  }

  /** D7: how long the queue's head should still wait (≤ 0: send now). */
  private lingerLeft(q: FinancingQueue): number {
    if (this.lingerMs <= 0 || q.others > 0 || q.size >= this.config.maxCoalesce) return 0;
    const head = q.rows[0]!;
    if (head.effect.method !== 'ReceiveRepayment' || head.effect.sealed) return 0;
    return Math.min(head.effect.createTime, head.seenAt) + this.lingerMs - this.now();
  }

  private endLinger(lane: Lane, q: FinancingQueue): void {
    q.linger?.cancel();
    q.linger = undefined;
    lane.ready.push(q);
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
      if (q.busy || q.rows.length === 0 || q.linger) continue;
      const left = this.lingerLeft(q);
      if (left > 0) {
        // D7: park the queue (no in-flight slot) until its head has waited lingerMs.
        const timer: TimerHandle = this.timers.at(this.now() + left, () => {
          if (this.stopped || q.linger !== timer) return;
          q.linger = undefined;
          lane.ready.push(q);
          this.pump(lane);
        });
        q.linger = timer;
        continue;
      }
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
          // The backoff timer first: settle() pumps, and must not retry at once.
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
          this.settle(lane, q);
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
    if (q.rows.shift()!.effect.method !== 'ReceiveRepayment') q.others--;
    q.size--;
    lane.backlog--;
    lane.loaded--;
    this.delivered++;
  }

  /**
   * D4: merges the unsealed repayments at the head of a financing's queue
   * (the head's run, and whole runs after it while they fit in maxCoalesce)
   * and seals the result.
   */
  private async seal(lane: Lane, q: FinancingQueue): Promise<Row> {
    const head = q.rows[0]!;
    const parts = [head];
    let count = rowsIn(head);
    for (let i = 1; i < q.rows.length; i++) {
      const r = q.rows[i]!;
      if (r.effect.method !== 'ReceiveRepayment' || r.effect.sealed || count + rowsIn(r) > this.config.maxCoalesce) break;
      parts.push(r);
      count += rowsIn(r);
    }
    let merged: SealedEffect;
    const keys: string[] = [];
    if (count === 1) {
      merged = { ...head.effect, sealed: true };
      keys.push(head.key);
    } else {
      let amount = 0n;
      const orderIds: string[] = [];
      let last: { seq: number; outstanding: bigint; poolTotal: bigint; poolOrderCount: number } = head.effect;
      for (const p of parts) {
        keys.push(p.key);
        amount += p.effect.amount;
        for (const id of p.effect.orderIds) orderIds.push(id);
        last = p.effect;
        const run = p.run;
        if (run !== undefined) {
          for (const k of run.keys) keys.push(k);
          amount += run.amount;
          for (const id of run.orderIds) orderIds.push(id);
          last = run;
        }
      }
      merged = {
        ...head.effect,
        sealed: true,
        idempotencyKey: `${head.effect.merchantId}:${head.effect.seq}-${last.seq}:ReceiveRepayment`,
        amount,
        orderIds,
        outstanding: last.outstanding,
        poolTotal: last.poolTotal,
        poolOrderCount: last.poolOrderCount,
        seq: last.seq,
      };
    }
    for (const p of parts) p.sealing = true;
    try {
      await this.store.replaceOutbox(keys, { key: head.key, effect: merged });
    } finally {
      for (const p of parts) p.sealing = false;
    }
    const row: Row = { key: head.key, effect: merged, seenAt: head.seenAt, run: undefined, sealing: false };
    q.rows.splice(0, parts.length, row);
    q.size -= count - 1;
    lane.backlog -= count - 1;
    lane.loaded -= count - 1;
    return row;
  }
}
