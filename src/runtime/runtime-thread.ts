/**
 * The gRPC thread's side of the runtime thread: a Backend whose calls run in
 * ./runtime-worker.ts. `npm start` serves this way by default
 * (`--runtime-thread`), so gRPC framing and the actors + LevelDB each get a
 * core of their own.
 *
 *  T1 Answers that need no actor come from this thread: lenders are mirrored
 *     here (loaded at start, updated by each UpsertLender answer), and
 *     watchers subscribe to a local hub fed by one runtime-side subscription
 *     per watched merchant.
 *  T2 Calls, subscriptions and their events travel in one ordered channel,
 *     so a watcher that subscribes and then reads the journal misses nothing.
 *  T3 If the runtime thread dies, every pending and later call fails with
 *     UNAVAILABLE (RUNTIME_STOPPED) and `onFatal` is told; nothing it had
 *     acknowledged is lost (acks follow durable commits).
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { unavailable } from '../domain/errors';
import type { RecordOrderCommand, RequestFinancingCommand } from '../domain/merchant';
import type { Financing, Lender, MerchantEvent, Order } from '../domain/types';
import type { CopyResult, Target } from '../store/backup';
import type { OrderCommandKind } from '../api/order-commands';
import { lenderFrom, type Backend, type LenderInput, type MerchantView, type PoolPage } from './backend';
import { IntTable } from './int-table';
import { eachAnswer, errorFromWire, Outbox, pack, type FromRuntime, type RemoteOp, type RuntimeStats, type ToRuntime } from './thread-protocol';
import { WatchHub } from './watch-hub';

export interface RuntimeThreadOptions {
  /** Called once if the runtime thread dies while serving. */
  onFatal?: (e: Error) => void;
}

/** With --metrics, the runtime thread reports its stats this often. */
const STATS_EVERY_MS = 1000;

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

export class RuntimeThread implements Backend {
  /** Calls sent and not yet answered, by id (an IntTable: see there why not a Map). */
  private readonly pending = new IntTable<Pending>();
  private readonly out: Outbox<ToRuntime>;
  private readonly hub = new WatchHub();
  private readonly lenders = new Map<string, Lender>();
  private nextId = 1;
  private dead: Error | undefined;
  private stopped: (() => void) | undefined;
  /** The runtime's latest stats (with --metrics). */
  stats: RuntimeStats | undefined;
  /** Receives each reported synced batch (metrics). */
  onBatch: ((commits: number, ops: number, ms: number) => void) | undefined;

  private constructor(private readonly worker: Worker, private readonly log: Logger, private readonly opts: RuntimeThreadOptions, lingerMs: number) {
    // Linger only while other calls are in flight: their messages are company.
    this.out = new Outbox((batch) => {
      const { messages, transfer } = pack(batch);
      worker.postMessage(messages, transfer);
    }, lingerMs, () => this.pending.size > 1);
  }

  /** Starts the runtime thread; resolves once it has opened the store and loaded the lenders. */
  static start(config: Config, log: Logger, opts: RuntimeThreadOptions = {}): Promise<RuntimeThread> {
    const worker = new Worker(bootstrap(), {
      eval: true,
      workerData: { config, statsEveryMs: config.metrics ? STATS_EVERY_MS : 0 },
      ...(config.runtimeHeapMb > 0 ? { resourceLimits: { maxOldGenerationSizeMb: config.runtimeHeapMb } } : {}),
    });
    const rt = new RuntimeThread(worker, log, opts, config.batchLingerMs);
    return new Promise<RuntimeThread>((resolve, reject) => {
      let ready = false;
      worker.on('message', (batch: FromRuntime[]) => {
        for (const msg of batch) {
          if (msg.k === 'ready') {
            for (const l of msg.lenders) rt.lenders.set(l.lenderId, l);
            ready = true;
            resolve(rt);
          } else if (msg.k === 'fatal') {
            reject(new Error(msg.message));
          } else {
            rt.receive(msg);
          }
        }
      });
      worker.on('error', (e) => (ready ? rt.die(e) : reject(e)));
      worker.on('exit', (code) => {
        if (!ready) reject(new Error(`the runtime thread exited (${code}) before it was ready`));
        else if (rt.stopped) rt.stopped();
        else rt.die(new Error(`the runtime thread exited unexpectedly (code ${code})`));
      });
    });
  }

  private receive(msg: FromRuntime): void {
    switch (msg.k) {
      case 'answers':
        eachAnswer(msg, (id, bytes) => this.settle(id)?.resolve(bytes));
        break;
      case 'answer': // pack() sends answers packed; one alone is answered all the same
        this.settle(msg.id)?.resolve(msg.bytes);
        break;
      case 'ok':
        this.settle(msg.id)?.resolve(msg.value);
        break;
      case 'err':
        this.settle(msg.id)?.reject(errorFromWire(msg.error));
        break;
      case 'events':
        this.hub.publish(msg.merchantId, msg.events);
        break;
      case 'stats':
        this.stats = msg.stats;
        if (this.onBatch) for (let i = 0; i + 2 < msg.stats.batches.length; i += 3) this.onBatch(msg.stats.batches[i]!, msg.stats.batches[i + 1]!, msg.stats.batches[i + 2]!);
        break;
      default:
        break;
    }
  }

  private settle(id: number): Pending | undefined {
    const p = this.pending.get(id);
    this.pending.delete(id);
    return p;
  }

  private die(e: Error): void {
    if (this.dead) return;
    this.dead = e;
    this.log.fatal({ err: e }, 'the runtime thread died');
    const err = unavailable('RUNTIME_STOPPED', 'the service runtime stopped; nothing more is accepted');
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.opts.onFatal?.(e);
  }

  private call<T>(op: RemoteOp, ...args: unknown[]): Promise<T> {
    return this.send<T>((id) => ({ k: 'call', id, op, args }));
  }

  private send<T>(message: (id: number) => ToRuntime): Promise<T> {
    if (this.dead || this.stopped) return Promise.reject(unavailable('RUNTIME_STOPPED', 'the service runtime stopped; nothing more is accepted'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.out.send(message(id));
    });
  }

  /** Lets queued commands finish, closes the runtime (LevelDB included) and ends the thread. */
  async stop(): Promise<void> {
    if (this.dead || this.stopped) return;
    await new Promise<void>((resolve) => {
      this.stopped = resolve;
      this.out.send({ k: 'stop' });
      this.out.flush();
    });
  }

  /** RecordOrder / CompleteOrder / RefundOrder as bytes (src/api/order-commands.ts), run in the runtime thread. */
  orderCommand(kind: OrderCommandKind, request: Uint8Array): Promise<Uint8Array> {
    return this.send((id) => ({ k: 'cmd', id, kind, bytes: request }));
  }

  /** Ends the thread at once, as a crash would (tests): T3 applies. */
  async terminate(): Promise<void> {
    await this.worker.terminate();
  }

  recordOrder(merchantId: string, cmd: RecordOrderCommand): Promise<Order> {
    return this.call('recordOrder', merchantId, cmd);
  }

  completeOrder(merchantId: string, orderId: string): Promise<Order> {
    return this.call('completeOrder', merchantId, orderId);
  }

  refundOrder(merchantId: string, orderId: string, reason: string): Promise<Order> {
    return this.call('refundOrder', merchantId, orderId, reason);
  }

  requestFinancing(merchantId: string, cmd: RequestFinancingCommand): Promise<Financing> {
    return this.call('requestFinancing', merchantId, cmd);
  }

  verifyFinancing(merchantId: string, financingId: string, code: string): Promise<Financing> {
    return this.call('verifyFinancing', merchantId, financingId, code);
  }

  cancelFinancing(merchantId: string, financingId: string, reason: string): Promise<Financing> {
    return this.call('cancelFinancing', merchantId, financingId, reason);
  }

  confirmDisbursement(merchantId: string, financingId: string, lenderId: string, currency: string, amount: bigint, ref: string): Promise<Financing> {
    return this.call('confirmDisbursement', merchantId, financingId, lenderId, currency, amount, ref);
  }

  declineFinancing(merchantId: string, financingId: string, lenderId: string, reason: string): Promise<Financing> {
    return this.call('declineFinancing', merchantId, financingId, lenderId, reason);
  }

  getMerchant(merchantId: string): Promise<MerchantView> {
    return this.call('getMerchant', merchantId);
  }

  getOrder(merchantId: string, orderId: string): Promise<Order> {
    return this.call('getOrder', merchantId, orderId);
  }

  getFinancing(merchantId: string, financingId: string): Promise<Financing> {
    return this.call('getFinancing', merchantId, financingId);
  }

  listPoolOrders(merchantId: string, financingId: string, afterPledgeSeq: number, limit: number): Promise<PoolPage> {
    return this.call('listPoolOrders', merchantId, financingId, afterPledgeSeq, limit);
  }

  listEvents(merchantId: string, fromSeq: number, limit: number): Promise<{ events: MerchantEvent[]; lastSeq: number }> {
    return this.call('listEvents', merchantId, fromSeq, limit);
  }

  readEvents(merchantId: string, fromSeq: number, limit: number): Promise<MerchantEvent[]> {
    return this.call('readEvents', merchantId, fromSeq, limit);
  }

  subscribe(merchantId: string, listener: (events: MerchantEvent[]) => void): () => void {
    if (this.hub.watchers(merchantId) === 0) this.out.send({ k: 'sub', merchantId });
    const unsubscribe = this.hub.subscribe(merchantId, listener);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      unsubscribe();
      if (this.hub.watchers(merchantId) === 0 && !this.dead && !this.stopped) this.out.send({ k: 'unsub', merchantId });
    };
  }

  watchers(merchantId?: string): number {
    return this.hub.watchers(merchantId);
  }

  async upsertLender(lender: LenderInput): Promise<Lender> {
    const l = await this.call<Lender>('upsertLender', lender);
    this.lenders.set(l.lenderId, l);
    return l;
  }

  getLender(lenderId: string): Lender {
    return lenderFrom(this.lenders, lenderId);
  }

  listLenders(): Lender[] {
    return [...this.lenders.values()];
  }

  backupTo(target: Target): Promise<CopyResult> {
    return this.call('backupTo', target);
  }
}

/**
 * The worker's source: under tsx (`npm start`) the worker must register tsx
 * itself before it can load a .ts file; compiled, it loads the .js file.
 */
function bootstrap(): string {
  const ts = __filename.endsWith('.ts');
  const file = path.join(__dirname, ts ? 'runtime-worker.ts' : 'runtime-worker.js');
  return `${ts ? `require(${JSON.stringify(require.resolve('tsx/cjs'))});\n` : ''}require(${JSON.stringify(file)});\n`;
}
