/**
 * Assembles the runtime below the gRPC edge: the LevelDB store, the core
 * (router, actors, scheduler, watch hub), the gateway clients and delivery.
 * The server runs it in its own thread (tests, `--runtime-thread off`) or
 * ./runtime-worker.ts runs it in a runtime thread.
 */
import type { Logger } from 'pino';
import type { Config } from '../config';
import { DEFAULT_DOMAIN_CONFIG, systemRandom } from '../domain/merchant';
import { GrpcGatewayClients, type GatewayClients } from '../gateways/clients';
import { Delivery } from '../gateways/delivery';
import { LevelStore, type LevelStoreOptions } from '../store/level-store';
import { SystemClock, type Clock } from './clock';
import { Core } from './core';

/** Test seams: time, ids and codes, store faults, the gateways. */
export interface RuntimeInjections {
  clock?: Clock;
  random?: { newFinancingId(): string; newCode(): string };
  store?: LevelStoreOptions;
  gateways?: GatewayClients;
}

export interface LocalRuntime {
  core: Core;
  delivery: Delivery;
  store: LevelStore;
  /** Finishes queued commands, stops timers and delivery, closes LevelDB. */
  stop(): Promise<void>;
}

export async function startRuntime(config: Config, log: Logger, inject: RuntimeInjections = {}): Promise<LocalRuntime> {
  const store = await LevelStore.open(config.dataDir, { maxOpenFiles: config.leveldbMaxOpenFiles, lingerMs: config.batchLingerMs, ...inject.store });
  const clock = inject.clock ?? new SystemClock();
  const core = new Core(store, clock, {
    shards: config.shards,
    maxActive: config.maxActiveMerchants,
    maxOrders: config.maxOrdersInMemory,
    idleMs: config.passivateAfterMs,
    maxMailbox: config.maxMailbox,
    maxShardQueue: config.maxShardQueue,
    domain: {
      verificationTtlMs: config.verificationTtlMs,
      disbursementTimeoutMs: config.disbursementTimeoutMs,
      maxVerificationAttempts: DEFAULT_DOMAIN_CONFIG.maxVerificationAttempts,
      maxOrdersPerMerchant: config.maxOrdersPerMerchant,
    },
  }, inject.random ?? systemRandom, log);
  try {
    await core.loadLenders();
  } catch (e) {
    await store.close();
    throw e;
  }
  const clients = inject.gateways ?? new GrpcGatewayClients((id) => core.lenders.get(id), config.notifier, log);
  const delivery = new Delivery(store, clients, {
    retryBaseMs: config.retryBaseMs,
    retryMaxMs: config.retryMaxMs,
    callTimeoutMs: config.gatewayTimeoutMs,
    maxCoalesce: 1000,
    maxLaneRows: config.maxOutboxRowsInMemory,
    lingerMs: config.repaymentLingerMs,
    maxInFlight: config.deliveryInFlight,
  }, log, () => clock.now(), clock);
  core.delivery = delivery;
  await delivery.start();
  await core.startDeadlines();

  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= (async () => {
    await core.router.drain();
    core.stop();
    delivery.stop();
    clients.close();
    await store.close();
  })());
  return { core, delivery, store, stop };
}
