/**
 * The composition root: the runtime (in this thread, or in a runtime thread)
 * under the gRPC edge, health and reflection. `startService` is what
 * `npm start` runs; `startServer` (runtime in this thread) is what tests run.
 */
import * as grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { HealthImplementation } from 'grpc-health-check';
import { ReflectionService } from '@grpc/reflection';
import type { Logger } from 'pino';
import { DEFAULTS, isLoopback, type Config } from './config';
import { Auth } from './api/auth';
import { orderPoolService } from './api/order-pool-service';
import { lenderAdminHandlers } from './api/lender-admin-service';
import { adminHandlers } from './api/admin-service';
import { packageDefinition, v1 } from './api/proto';
import { schemas } from './api/validate';
import { tolerantService } from './api/malformed';
import { untangleServerSessions, type SessionHook } from './api/http2-streams';
import { orderCommands, rawOrderCommands, type OrderCommands } from './api/order-commands';
import type { Delivery } from './gateways/delivery';
import type { Backend } from './runtime/backend';
import { Core } from './runtime/core';
import { startRuntime, type RuntimeInjections } from './runtime/local-runtime';
import { RuntimeThread } from './runtime/runtime-thread';
import type { LevelStore } from './store/level-store';
import { Metrics } from './observability/metrics';
import { rpcObserver } from './observability/rpc-interceptor';
import { createLogger } from './observability/logger';

export interface ServerOptions extends Partial<Config>, RuntimeInjections {
  logger?: Logger;
  /** With the runtime thread: called once if it dies while serving (main.ts exits). */
  onFatal?: (e: Error) => void;
  /**
   * A runtime thread already starting (main.ts starts it before it loads the
   * gRPC modules, so the two threads load theirs at the same time).
   */
  runtime?: Promise<RuntimeThread>;
}

export interface RunningServer {
  /** The bound port (useful with --listen host:0). */
  port: number;
  address: string;
  /** What the handlers call: the core itself, or the runtime thread. */
  backend: Backend;
  config: Config;
  /** The bound --metrics address (host:port), when metrics are on. */
  metricsAddress?: string;
  /** The hook that gives each HTTP/2 session a stream table that lets finished calls go (src/api/http2-streams.ts). */
  http2Sessions: SessionHook;
  /** Drains: refuse new calls, finish in-flight ones, flush, close LevelDB. */
  stop(): Promise<void>;
}

/** A server whose runtime runs in this thread: its parts are reachable (tests). */
export interface LocalServer extends RunningServer {
  core: Core;
  delivery: Delivery;
  store: LevelStore;
}

interface Prepared {
  config: Config;
  log: Logger;
  auth: Auth;
  credentials: grpc.ServerCredentials;
  metrics: Metrics | undefined;
}

/** Checks what can fail before anything is opened. */
function prepare(options: ServerOptions): Prepared {
  const config = configOf(options);
  const log = options.logger ?? createLogger(config.logLevel);
  const auth = config.authFile ? Auth.fromFile(config.authFile) : Auth.none();
  if (!auth.enabled && !isLoopback(config.listen) && !config.insecure) {
    throw new Error(`refusing to listen on ${config.listen} without --auth-file; pass --insecure to allow it`);
  }
  if (!auth.enabled) log.warn({ listen: config.listen }, 'no --auth-file: every caller is trusted; serving on loopback only');
  const credentials = serverCredentials(config);
  return { config, log, auth, credentials, metrics: config.metrics ? new Metrics() : undefined };
}

/**
 * The server with its runtime in this thread (what the tests use: the
 * injections and the parts are reachable).
 */
export async function startServer(options: ServerOptions = {}): Promise<LocalServer> {
  const p = prepare(options);
  const rt = await startRuntime(p.config, p.log, { ...options, store: p.metrics ? p.metrics.storeOptions(options.store) : options.store });
  p.metrics?.attach({ router: rt.core.router, delivery: rt.delivery, hub: rt.core.hub });
  const served = await serve(p, rt.core, orderCommands(rt.core, schemas(p.config)), () => rt.stop());
  return { ...served, core: rt.core, delivery: rt.delivery, store: rt.store };
}

/**
 * What `npm start` runs: with `runtimeThread` (the default) the actors,
 * LevelDB and delivery run in a runtime thread and this thread keeps gRPC
 * (src/runtime/runtime-thread.ts); without it, as startServer.
 */
export async function startService(options: ServerOptions = {}): Promise<RunningServer> {
  if (!configOf(options).runtimeThread && !options.runtime) return startServer(options);
  let p: Prepared;
  try {
    if (!configOf(options).runtimeThread) throw new Error('a runtime thread was started with runtimeThread: false');
    p = prepare(options);
    if (options.clock || options.random || options.store || options.gateways) {
      throw new Error('clock, random, store and gateway injections need runtimeThread: false');
    }
  } catch (e) {
    await options.runtime?.then((rt) => rt.stop(), () => undefined);
    throw e;
  }
  const rt = await (options.runtime ?? RuntimeThread.start(p.config, p.log, { onFatal: options.onFatal }));
  if (p.metrics) {
    rt.onBatch = p.metrics.storeOptions().onBatch;
    p.metrics.attach({
      router: { stats: () => rt.stats?.router ?? { active: 0, orders: 0, shards: [], passivated: {} } },
      delivery: { stats: () => rt.stats?.delivery ?? { delivered: 0, calls: 0, failures: 0, backlog: 0, lanes: {} } },
      hub: rt,
    });
  }
  return serve(p, rt, (kind, bytes) => rt.orderCommand(kind, bytes), () => rt.stop());
}

/** The gRPC edge over a backend: services, health, reflection, bind, drain. */
async function serve(p: Prepared, backend: Backend, commands: OrderCommands, stopRuntime: () => Promise<void>): Promise<RunningServer> {
  const { config, log, auth, metrics } = p;
  const rpc = rpcObserver(log, metrics);
  const server = new grpc.Server({
    'grpc.max_receive_message_length': config.maxMessageBytes,
    'grpc.max_concurrent_streams': config.maxConcurrentStreams,
    interceptors: [rpc.interceptor] });
  const shutdown = { draining: false };
  const s = schemas(config);
  const orderPool = orderPoolService(backend, commands, auth, s, {
    watchBuffer: config.watchBuffer,
    maxWatchersPerMerchant: config.maxWatchersPerMerchant,
    // A stream's in-flight events all queue on one merchant's mailbox when
    // they are for one merchant: keep the window below the mailbox bound.
    ingestWindow: Math.max(1, Math.min(config.ingestWindow, Math.floor(config.maxMailbox / 2))),
  }, log, shutdown);
  const add = (definition: grpc.ServiceDefinition, handlers: object) => server.addService(definition, rpc.service(definition, handlers) as grpc.UntypedServiceImplementation);
  add(rawOrderCommands(tolerantService(v1.OrderPoolService.service)), orderPool.handlers);
  add(tolerantService(v1.LenderAdminService.service), lenderAdminHandlers(backend, auth, s, log));
  add(v1.AdminService.service, adminHandlers(backend, config.dataDir, auth, log, shutdown));
  const health = new HealthImplementation({
    '': 'SERVING',
    'orderpool.v1.OrderPoolService': 'SERVING',
    'orderpool.v1.LenderAdminService': 'SERVING',
    'orderpool.v1.AdminService': 'SERVING',
  });
  health.addToServer(server);
  new ReflectionService(packageDefinition).addToServer(server);

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(config.listen, p.credentials, (err, bound) => (err ? reject(err) : resolve(bound)));
  }).catch(async (e: unknown) => {
    await stopRuntime();
    throw e;
  });
  const sessions = untangleServerSessions(server, () => log.warn('a node:http2 session is not as expected: its stream Map is left as it is (more garbage per call, see src/api/http2-streams.ts)'));
  if (sessions.servers === 0) log.warn('grpc-js is not as expected: the HTTP/2 sessions keep their stream Maps (more garbage per call, see src/api/http2-streams.ts)');
  const metricsAddress = metrics ? await metrics.listen(config.metrics).catch(async (e: unknown) => {
    server.forceShutdown();
    await stopRuntime();
    throw e;
  }) : undefined;
  const address = config.listen.replace(/:\d+$/, `:${port}`);
  log.info({
    address, dataDir: config.dataDir, notifier: config.notifier || null, auth: auth.enabled, metrics: metricsAddress ?? null,
    tls: config.tlsClientCa ? 'mutual' : config.tlsCert ? 'on' : 'off', runtimeThread: !(backend instanceof Core),
  }, 'orderpool serving');

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
    await stopRuntime();
    await metrics?.close();
    log.info('orderpool stopped');
  })());

  return { port, address, backend, config, metricsAddress, http2Sessions: sessions, stop };
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

/** The Config fields of the options (and only those: it crosses to the runtime thread), over the defaults. */
function configOf(options: ServerOptions): Config {
  const c: Record<string, unknown> = { ...DEFAULTS };
  for (const key of Object.keys(DEFAULTS)) {
    const v = (options as Record<string, unknown>)[key];
    if (v !== undefined) c[key] = v;
  }
  return c as unknown as Config;
}
