/**
 * The runtime thread's entry point (started by ./runtime-thread.ts): runs the
 * whole runtime below the gRPC edge (./local-runtime.ts) and answers the
 * gRPC thread's calls. The gRPC thread keeps HTTP/2, protobuf, auth and
 * validation; this thread keeps the actors, LevelDB and delivery, so the two
 * use both cores.
 */
import { writeFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../config';
import { createLogger } from '../observability/logger';
import { orderCommands, type OrderCommandKind } from '../api/order-commands';
import { schemas } from '../api/validate';
import { startRuntime, type LocalRuntime } from './local-runtime';
import { errorToWire, Intake, Outbox, pack, REMOTE_OPS, RUNTIME_THREAD_NAME, type FromRuntime, type PackedCommands, type RuntimeStats, type ToRuntime } from './thread-protocol';

interface WorkerInput {
  config: Config;
  /** Every how many ms to send stats (0: never). */
  statsEveryMs: number;
}

/**
 * Names this thread for `top -H` and the bench's per-thread CPU
 * (scripts/bench/procstat.ts); Linux only. Called once the store is open: a
 * thread takes the name of the thread that starts it, and libuv's pool (and
 * through it LevelDB's compaction thread) is started by the first
 * asynchronous call, often LevelDB's open from this thread. Named before,
 * they all counted as the runtime thread.
 */
function nameThisThread(): void {
  try {
    writeFileSync('/proc/thread-self/comm', RUNTIME_THREAD_NAME);
  } catch {
    /* not Linux, or not allowed: the name is only a convenience */
  }
}

const port = parentPort!;
const { config, statsEveryMs } = workerData as WorkerInput;
const log = createLogger(config.logLevel).child({ thread: 'runtime' });
/** Calls started and not yet answered: an answer lingers for company only while others are on their way (these, or those still in the intake). */
let calls = 0;
/** Messages received and not started yet (set once the intake exists). */
let waiting = () => 0;
const out = new Outbox<FromRuntime>((batch) => {
  const { messages, transfer } = pack(batch);
  port.postMessage(messages, transfer);
}, config.batchLingerMs, () => calls > 0 || waiting() > 0);
const ops = new Set<string>(REMOTE_OPS);

async function main(): Promise<void> {
  const batches: number[] = [];
  let rt: LocalRuntime;
  try {
    rt = await startRuntime(config, log, statsEveryMs > 0 ? { store: { onBatch: (c, o, ms) => batches.push(c, o, ms) } } : {});
  } catch (e) {
    out.send({ k: 'fatal', message: e instanceof Error ? e.message : String(e) });
    out.flush();
    port.close();
    return;
  }
  nameThisThread();
  const { core } = rt;
  const subscriptions = new Map<string, () => void>();
  let statsTimer: NodeJS.Timeout | undefined;
  if (statsEveryMs > 0) {
    const sendStats = () => {
      const stats: RuntimeStats = { router: core.router.stats(), delivery: rt.delivery.stats(), batches: batches.splice(0) };
      out.send({ k: 'stats', stats });
    };
    statsTimer = setInterval(sendStats, statsEveryMs);
    sendStats();
  }

  const commands = orderCommands(core, schemas(config));
  // The work is started from anonymous callbacks, not held in a `run`
  // variable: under tsx (esbuild's keepNames) a function assigned to a name is
  // named with a call per message.
  const failed = (id: number, op: string, e: unknown) => {
    calls--;
    const error = errorToWire(e);
    if ('internal' in error) log.error({ err: e, op }, 'internal error');
    out.send({ k: 'err', id, error });
  };
  // The hot path: one promise reaction per command (orderCommands never
  // throws, it rejects); its request and its answer cross packed (pack()).
  const command = (id: number, kind: OrderCommandKind, request: Uint8Array) => {
    calls++;
    commands(kind, request).then(
      (bytes) => {
        calls--;
        out.send({ k: 'answer', id, bytes });
      },
      (e: unknown) => failed(id, 'orderCommand', e),
    );
  };
  const call = (id: number, op: string, args: unknown[]) => {
    calls++;
    if (!ops.has(op)) {
      calls--;
      out.send({ k: 'err', id, error: { internal: `unknown operation ${op}` } });
      return;
    }
    const fn = (core as unknown as Record<string, (...a: unknown[]) => unknown>)[op]!;
    Promise.resolve()
      .then(() => fn.apply(core, args))
      .then(
        (value) => {
          calls--;
          out.send({ k: 'ok', id, value });
        },
        (e: unknown) => failed(id, op, e),
      );
  };

  const handle = (msg: Exclude<ToRuntime, PackedCommands>) => {
    switch (msg.k) {
      case 'cmd':
        command(msg.id, msg.kind, msg.bytes);
        break;
      case 'call':
        call(msg.id, msg.op, msg.args);
        break;
      case 'sub':
        if (!subscriptions.has(msg.merchantId)) {
          const merchantId = msg.merchantId;
          subscriptions.set(merchantId, core.subscribe(merchantId, (events) => out.send({ k: 'events', merchantId, events })));
        }
        break;
      case 'unsub':
        subscriptions.get(msg.merchantId)?.();
        subscriptions.delete(msg.merchantId);
        break;
      case 'stop':
        if (statsTimer) clearInterval(statsTimer);
        void rt.stop().then(
          () => {
            out.send({ k: 'stopped' });
            out.flush();
            port.close();
          },
          (e: unknown) => {
            log.error({ err: e }, 'stopping the runtime failed');
            out.send({ k: 'stopped' });
            out.flush();
            port.close();
          },
        );
        break;
    }
  };

  // What arrived and is not started yet, in order, started in turns of at
  // most TURN_MS (see Intake).
  const intake = new Intake(handle, command);
  waiting = () => intake.waiting;
  port.on('message', (batch: ToRuntime[]) => intake.add(batch));
  out.send({ k: 'ready', lenders: core.listLenders() });
}

void main();
