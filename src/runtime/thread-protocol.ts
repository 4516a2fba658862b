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
import type { OrderCommandKind } from '../api/order-commands';
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

/** The Backend calls the runtime thread answers (the order commands, as bytes, cross as CommandMsg). */
export type RemoteOp = (typeof REMOTE_OPS)[number];

export type ToRuntime =
  | { k: 'call'; id: number; op: RemoteOp; args: unknown[] }
  | CommandMsg
  | PackedCommands
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
  | AnswerMsg
  | PackedAnswers
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

/** An order command (src/api/order-commands.ts) as the Outbox gathers it; `pack` sends a run of them as one PackedCommands. */
export interface CommandMsg { k: 'cmd'; id: number; kind: OrderCommandKind; bytes: Uint8Array }
/** An order command's answer, its bytes, as the Outbox gathers it; `pack` sends a run of them as one PackedAnswers. */
export interface AnswerMsg { k: 'answer'; id: number; bytes: Uint8Array }
/** A run of order commands: their requests end to end in `bytes`, and per command its id, kind (KINDS) and end in `meta`. */
export interface PackedCommands { k: 'cmds'; meta: Float64Array; bytes: Uint8Array }
/** A run of answers: their bytes end to end in `bytes`, and per answer its call's id and end in `meta`. */
export interface PackedAnswers { k: 'answers'; meta: Float64Array; bytes: Uint8Array }

const KINDS: readonly OrderCommandKind[] = ['record', 'complete', 'refund'];
const KIND_CODE: Readonly<Record<OrderCommandKind, number>> = { record: 0, complete: 1, refund: 2 };

/**
 * A batch as it is posted: each run of order commands (or of their answers)
 * becomes one message whose bytes and numbers are in two buffers, which
 * postMessage transfers instead of cloning (`transfer`); every other message
 * stays as it is, in its place, so the order within the port is kept.
 *
 * Structured clone walks each message object and gives each Uint8Array an
 * ArrayBuffer of its own on the other side (a backing store allocated and
 * later swept); packed, a run costs two buffers whatever its length. A
 * two-thread script (256 round trips in flight, 16 per postMessage) took
 * 1.1-1.4 µs of CPU per round trip packed against 4.0-4.4 µs as objects
 * (docs/benchmarks.md, "Eleventh session").
 */
export function pack<T extends { k: string }>(batch: readonly T[]): { messages: (T | PackedCommands | PackedAnswers)[]; transfer: ArrayBuffer[] } {
  const messages: (T | PackedCommands | PackedAnswers)[] = [];
  const transfer: ArrayBuffer[] = [];
  for (let i = 0; i < batch.length;) {
    const k = batch[i]!.k;
    if (k !== 'cmd' && k !== 'answer') {
      messages.push(batch[i++]!);
      continue;
    }
    let j = i;
    let size = 0;
    while (j < batch.length && batch[j]!.k === k) size += (batch[j++] as unknown as CommandMsg | AnswerMsg).bytes.byteLength;
    const stride = k === 'cmd' ? 3 : 2;
    const meta = new Float64Array((j - i) * stride);
    const bytes = new Uint8Array(size);
    let end = 0;
    for (let n = 0; i < j; i++, n += stride) {
      const m = batch[i] as unknown as CommandMsg | AnswerMsg;
      bytes.set(m.bytes, end);
      end += m.bytes.byteLength;
      meta[n] = m.id;
      if (m.k === 'cmd') meta[n + 1] = KIND_CODE[m.kind];
      meta[n + stride - 1] = end;
    }
    messages.push(k === 'cmd' ? { k: 'cmds', meta, bytes } : { k: 'answers', meta, bytes });
    transfer.push(meta.buffer as ArrayBuffer, bytes.buffer as ArrayBuffer);
  }
  return { messages, transfer };
}

/**
 * Each command of a packed run, in order, from its `from`-th (0: the first):
 * its bytes are a view into the run's buffer. Stops early, after a command,
 * when `stop` says so; returns how many commands of the run have been given
 * (its count when all have).
 */
export function eachCommand(p: PackedCommands, fn: (id: number, kind: OrderCommandKind, bytes: Uint8Array) => void, from = 0, stop?: () => boolean): number {
  const count = p.meta.length / 3;
  let start = from === 0 ? 0 : p.meta[from * 3 - 1]!;
  for (let i = from; i < count; i++) {
    const n = i * 3;
    const end = p.meta[n + 2]!;
    const kind = KINDS[p.meta[n + 1]!];
    if (kind === undefined) throw new Error(`packed commands: unknown kind ${p.meta[n + 1]}`);
    fn(p.meta[n]!, kind, p.bytes.subarray(start, end));
    start = end;
    if (stop?.()) return i + 1;
  }
  return count;
}

/** Each answer of a packed run, in order: its bytes are a view into the run's buffer. */
export function eachAnswer(p: PackedAnswers, fn: (id: number, bytes: Uint8Array) => void): void {
  let start = 0;
  for (let n = 0; n < p.meta.length; n += 2) {
    const end = p.meta[n + 1]!;
    fn(p.meta[n]!, p.bytes.subarray(start, end));
    start = end;
  }
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

/** How long the runtime thread starts what arrived before it lets its event loop run (ms; see Intake). */
export const TURN_MS = 2;

/**
 * The runtime thread's intake: the messages the gRPC thread posted, started
 * in order, in turns of at most `turnMs` of work, each turn a setImmediate
 * (so after the event loop's poll phase has handed over what completed:
 * synced writes, reads, the gateways' answers).
 *
 * Node hands a thread every message waiting on its port in one go, and the
 * thread used to start every command in them before its event loop ran
 * again. Under load, while it started a few hundred commands (10-20 ms), the
 * synced write that had completed meanwhile waited for it: its answers did
 * not go out, the next write did not start, and the gRPC thread, with no
 * answers to send and so no new requests from clients waiting on them,
 * idled; then the roles swapped. In turns a completed write is seen within a
 * turn (LevelStore starts the next write at the end of that turn, with what
 * it started), and the two threads work side by side (docs/benchmarks.md,
 * "Where the time goes → Thirteenth session").
 */
export class Intake {
  private readonly queue: ToRuntime[] = [];
  /** Commands of the first queued message (a run) already started. */
  private done = 0;
  private scheduled = false;
  private until = 0;
  private steps = 0;
  /** Checked after each command; reads the clock every eighth. */
  private readonly spent = () => (++this.steps & 7) === 0 && performance.now() >= this.until;
  private readonly turn = () => {
    this.scheduled = false;
    this.until = performance.now() + this.turnMs;
    this.steps = 0;
    const q = this.queue;
    while (q.length > 0) {
      const m = q[0]!;
      if (m.k === 'cmds') {
        this.done = eachCommand(m, this.command, this.done, this.spent);
        if (this.done < m.meta.length / 3) break;
        this.done = 0;
        q.shift();
      } else {
        q.shift();
        this.handle(m);
        if (this.spent()) break;
      }
    }
    if (q.length > 0) this.schedule();
  };

  constructor(
    private readonly handle: (msg: Exclude<ToRuntime, PackedCommands>) => void,
    private readonly command: (id: number, kind: OrderCommandKind, bytes: Uint8Array) => void,
    private readonly turnMs = TURN_MS,
  ) {}

  add(batch: readonly ToRuntime[]): void {
    for (const m of batch) this.queue.push(m);
    if (this.queue.length > 0) this.schedule();
  }

  /** Messages not started yet, a run partly started counting as one. */
  get waiting(): number {
    return this.queue.length;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.turn);
  }
}
