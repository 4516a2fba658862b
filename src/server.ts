/**
 * The composition root: store, core, delivery, gRPC server, health and
 * reflection. `startServer` is what `npm start` and the tests run.
 */
import * as grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { HealthImplementation } from 'grpc-health-check';
import { ReflectionService } from '@grpc/reflection';
import type { Logger } from 'pino';
import { DEFAULTS, isLoopback, type Config } from './config';
import { DEFAULT_DOMAIN_CONFIG, systemRandom } from './domain/merchant';
import { Auth } from './api/auth';
import { orderPoolService } from './api/order-pool-service';
import { lenderAdminHandlers } from './api/lender-admin-service';
import { adminHandlers } from './api/admin-service';
import { packageDefinition, v1 } from './api/proto';
import { schemas } from './api/validate';
import { tolerantService } from './api/malformed';
import { GrpcGatewayClients, type GatewayClients } from './gateways/clients';
import { Delivery } from './gateways/delivery';
import { SystemClock, type Clock } from './runtime/clock';
import { Core } from './runtime/core';
import { LevelStore, type LevelStoreOptions } from './store/level-store';
import { Metrics } from './observability/metrics';
import { rpcInterceptor } from './observability/rpc-interceptor';
import { createLogger } from './observability/logger';

export interface ServerOptions extends Partial<Config> {
  clock?: Clock;
  logger?: Logger;
  random?: { newFinancingId(): string; newCode(): string };
  store?: LevelStoreOptions;
  gateways?: GatewayClients;
}

export interface RunningServer {
  /** The bound port (useful with --listen host:0). */
  port: number;
  address: string;
  core: Core;
  delivery: Delivery;
  store: LevelStore;
  config: Config;
  /** The bound --metrics address (host:port), when metrics are on. */
  metricsAddress?: string;
  /** Drains: refuse new calls, finish in-flight ones, flush, close LevelDB. */
  stop(): Promise<void>;
}

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const config: Config = { ...DEFAULTS, ...stripUndefined(options) };
  const log = options.logger ?? createLogger(config.logLevel);
  const auth = config.authFile ? Auth.fromFile(config.authFile) : Auth.none();
  if (!auth.enabled && !isLoopback(config.listen) && !config.insecure) {
    throw new Error(`refusing to listen on ${config.listen} without --auth-file; pass --insecure to allow it`);
  }
  if (!auth.enabled) log.warn({ listen: config.listen }, 'no --auth-file: every caller is trusted; serving on loopback only');

  const credentials = serverCredentials(config);
  const metrics = config.metrics ? new Metrics() : undefined;
  const store = await LevelStore.open(config.dataDir, metrics ? metrics.storeOptions(options.store) : options.store);
  const clock = options.clock ?? new SystemClock();
  const core = new Core(store, clock, {
    shards: config.shards,
    maxActive: config.maxActiveMerchants,
    idleMs: config.passivateAfterMs,
    maxMailbox: config.maxMailbox,
    maxShardQueue: config.maxShardQueue,
    domain: {
      verificationTtlMs: config.verificationTtlMs,
      disbursementTimeoutMs: config.disbursementTimeoutMs,
      maxVerificationAttempts: DEFAULT_DOMAIN_CONFIG.maxVerificationAttempts,
      maxOrdersPerMerchant: config.maxOrdersPerMerchant,
    },
  }, options.random ?? systemRandom, log);
  await core.loadLenders();
  const clients = options.gateways ?? new GrpcGatewayClients((id) => core.lenders.get(id), config.notifier, log);
  const delivery = new Delivery(store, clients, {
    retryBaseMs: config.retryBaseMs,
    retryMaxMs: config.retryMaxMs,
    callTimeoutMs: config.gatewayTimeoutMs,
    maxCoalesce: 1000,
    maxLaneRows: config.maxOutboxRowsInMemory,
  }, log, () => clock.now());
  core.delivery = delivery;
  await delivery.start();
  await core.startDeadlines();
  metrics?.attach({ router: core.router, delivery, hub: core.hub });

  const server = new grpc.Server({
    'grpc.max_receive_message_length': config.maxMessageBytes,
    'grpc.max_concurrent_streams': config.maxConcurrentStreams,
    interceptors: [rpcInterceptor(log, metrics)] });
  const shutdown = { draining: false };
  const s = schemas({ maxAmount: config.maxAmount, maxIdLength: config.maxIdLength, maxTextLength: config.maxTextLength });
  const orderPool = orderPoolService(core, auth, s, {
    watchBuffer: config.watchBuffer,
    maxWatchersPerMerchant: config.maxWatchersPerMerchant,
    // A stream's in-flight events all queue on one merchant's mailbox when
    // they are for one merchant: keep the window below the mailbox bound.
    ingestWindow: Math.max(1, Math.min(config.ingestWindow, Math.floor(config.maxMailbox / 2))),
  }, log, shutdown);
  server.addService(tolerantService(v1.OrderPoolService.service), orderPool.handlers);
  server.addService(tolerantService(v1.LenderAdminService.service), lenderAdminHandlers(core, auth, s, log));
  server.addService(v1.AdminService.service, adminHandlers(store, config.dataDir, auth, log, shutdown));
  const health = new HealthImplementation({
    '': 'SERVING',
    'orderpool.v1.OrderPoolService': 'SERVING',
    'orderpool.v1.LenderAdminService': 'SERVING',
    'orderpool.v1.AdminService': 'SERVING',
  });
  health.addToServer(server);
  new ReflectionService(packageDefinition).addToServer(server);

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(config.listen, credentials, (err, p) => (err ? reject(err) : resolve(p)));
  }).catch(async (e: unknown) => {
    await store.close();
    throw e;
  });
  const metricsAddress = metrics ? await metrics.listen(config.metrics).catch(async (e: unknown) => {
    server.forceShutdown();
    await store.close();
    throw e;
  }) : undefined;
  const address = config.listen.replace(/:\d+$/, `:${port}`);
  log.info({ address, dataDir: config.dataDir, notifier: config.notifier || null, auth: auth.enabled, metrics: metricsAddress ?? null, tls: config.tlsClientCa ? 'mutual' : config.tlsCert ? 'on' : 'off' }, 'orderpool serving');

  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= (async () => {
    shutdown.draining = true;
    for (const svc of ['', 'orderpool.v1.OrderPoolService', 'orderpool.v1.LenderAdminService', 'orderpool.v1.AdminService']) health.setStatus(svc, 'NOT_SERVING');
    orderPool.closeWatchers();
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, config.drainTimeoutMs);
      server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
    await core.router.drain();
    core.stop();
    delivery.stop();
    clients.close();
    await store.close();
    await metrics?.close();
    log.info('orderpool stopped');
  })());

  return { port, address, core, delivery, store, config, metricsAddress, stop };
}

/**
 * Insecure by default; TLS with --tls-cert and --tls-key; mutual TLS (client
 * certificates required and verified against the bundle) with --tls-client-ca.
 */
function serverCredentials(config: Config): grpc.ServerCredentials {
  if (!config.tlsCert && !config.tlsKey) {
    if (config.tlsClientCa) throw new Error('--tls-client-ca needs --tls-cert and --tls-key');
    return grpc.ServerCredentials.createInsecure();
  }
  if (!config.tlsCert || !config.tlsKey) throw new Error('--tls-cert and --tls-key go together');
  const clientCa = config.tlsClientCa ? readFileSync(config.tlsClientCa) : null;
  return grpc.ServerCredentials.createSsl(
    clientCa,
    [{ cert_chain: readFileSync(config.tlsCert), private_key: readFileSync(config.tlsKey) }],
    clientCa !== null,
  );
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
