/**
 * Messages between the gRPC thread (./runtime-thread.ts) and the runtime
 * thread (./runtime-worker.ts). Each postMessage carries an array of them,
 * gathered for `--batch-linger-ms` (1 ms by default; 0: what one callback
 * and its microtasks produced). A postMessage to a thread that sleeps wakes
 * it, and on this VM that costs the sender 20-40 µs against ~6 µs when the
 * receiver is awake (a two-thread script, a message every 0.3-2 ms): at half
 * load, when requests arrive one by one, a wake-up per call was a tenth of
 * the gRPC thread's work. Gathered for a millisecond while other calls are
 * in flight (and the synced writes likewise, LevelStoreOptions.lingerMs),
 * record@50% took 10-20 % less server CPU per call, for up to a millisecond
 * more latency per hop (docs/benchmarks.md). A call alone in flight is not
 * held back.
 * Order is kept within a port, which is what makes a subscription sent
 * before a read see every event the read does not return.
 */
import { OrderpoolError, type FieldViolation, type StatusName } from '../domain/errors';
import type { DeliveryStats } from '../gateways/delivery';
import type { Lender, MerchantEvent } from '../domain/types';
import type { Backend } from './backend';

/** The runtime thread's OS thread name (runtime-worker.ts sets it; the bench's per-thread CPU finds it by it). */
export const RUNTIME_THREAD_NAME = 'orderpool-rt';

/** Backend calls that cross to the runtime thread (the rest are answered in the gRPC thread). */
export const REMOTE_OPS = [
  'recordOrder', 'completeOrder', 'refundOrder',
  'requestFinancing', 'verifyFinancing', 'cancelFinancing', 'confirmDisbursement', 'declineFinancing',
  'getMerchant', 'getOrder', 'getFinancing', 'listPoolOrders', 'listEvents', 'readEvents',
  'upsertLender', 'backupTo',
] as const satisfies readonly (keyof Backend)[];

/** Every call the runtime thread answers: the Backend's, and the order commands as bytes. */
export type ThreadOp = RemoteOp | 'orderCommand';
export type RemoteOp = (typeof REMOTE_OPS)[number];

export type ToRuntime =
  | { k: 'call'; id: number; op: ThreadOp; args: unknown[] }
  | { k: 'sub'; merchantId: string }
  | { k: 'unsub'; merchantId: string }
  | { k: 'stop' };

export interface RuntimeStats {
  router: { active: number; orders: number; shards: number[]; passivated: Record<string, number> };
  delivery: DeliveryStats;
  /** Synced batches since the last stats message: [commits, ops, ms] triples. */
  batches: number[];
}

export type FromRuntime =
  | { k: 'ready'; lenders: Lender[] }
  | { k: 'fatal'; message: string }
  | { k: 'ok'; id: number; value: unknown }
  | { k: 'err'; id: number; error: WireError }
  | { k: 'events'; merchantId: string; events: MerchantEvent[] }
  | { k: 'stats'; stats: RuntimeStats }
  | { k: 'stopped' };

export type WireError =
  | { status: StatusName; reason: string; message: string; metadata: Record<string, string>; violations: FieldViolation[]; retryDelayMs?: number }
  | { internal: string };

export function errorToWire(e: unknown): WireError {
  if (e instanceof OrderpoolError) {
    return { status: e.status, reason: e.reason, message: e.message, metadata: e.metadata, violations: e.violations, retryDelayMs: e.retryDelayMs };
  }
  return { internal: e instanceof Error ? e.message : String(e) };
}

export function errorFromWire(w: WireError): Error {
  if ('internal' in w) return new Error(`runtime thread: ${w.internal}`);
  return new OrderpoolError(w.status, w.reason, w.message, w.metadata, w.violations, { retryDelayMs: w.retryDelayMs });
}

/**
 * The bytes in a buffer of their own. Node's small Buffers are views into a
 * shared 8 KB slab, and postMessage copies a view's whole ArrayBuffer: 8 KB
 * per request and per answer instead of a hundred bytes (and 45 µs for a view
 * into a 64 KB buffer).
 */
export function exactBytes(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : Uint8Array.prototype.slice.call(bytes);
}

/**
 * Messages a lingering Outbox holds at most: with that many, the batch goes
 * at once. So many arriving within the linger means the server is busy, the
 * receiver is awake (a wake-up costs little) and waiting only adds latency:
 * in interleaved pairs, RecordOrder at saturation ran ~10 % faster with this
 * than with every batch held for the linger (docs/benchmarks.md).
 */
export const OUTBOX_FULL = 16;

/**
 * Gathers messages and sends them as one array. When `busy()` says that
 * other calls are on their way (a message then has company coming), a
 * message waits up to `lingerMs` (a timer) for it, or until OUTBOX_FULL
 * messages are there; otherwise, or with `lingerMs` 0, it goes with the
 * messages of its callback and microtasks, so a lone call (a client that
 * waits for each answer) is not slowed.
 */
export class Outbox<T> {
  private batch: T[] = [];
  private scheduled = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly post: (batch: T[]) => void, private readonly lingerMs = 0, private readonly busy: () => boolean = () => false) {}

  send(msg: T): void {
    this.batch.push(msg);
    if (this.timer && this.batch.length >= OUTBOX_FULL) {
      // Full: the microtask flush below replaces the linger's timer.
      clearTimeout(this.timer);
      this.timer = undefined;
      queueMicrotask(() => this.flush());
      return;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    if (this.lingerMs > 0 && this.busy()) this.timer = setTimeout(() => this.flush(), this.lingerMs);
    else queueMicrotask(() => this.flush());
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.scheduled = false;
    if (this.batch.length === 0) return;
    const b = this.batch;
    this.batch = [];
    this.post(b);
  }
}
