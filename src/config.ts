/**
 * Configuration: flags, each with an ORDERPOOL_* environment variable
 * (commander). DESIGN.md fixes the names of --listen, --data-dir,
 * --notifier, --auth-file and --insecure; the rest are ours.
 */
import { Command, InvalidArgumentError, Option } from 'commander';

export interface Config {
  listen: string;
  dataDir: string;
  notifier: string;
  authFile: string;
  insecure: boolean;
  logLevel: string;
  /** host:port to serve Prometheus metrics on (GET /metrics); empty = off. */
  metrics: string;
  shards: number;
  maxActiveMerchants: number;
  /** Orders all merchants in memory may hold together; the least recently used merchants beyond it are passivated. */
  maxOrdersInMemory: number;
  passivateAfterMs: number;
  maxMailbox: number;
  maxShardQueue: number;
  verificationTtlMs: number;
  disbursementTimeoutMs: number;
  maxOrdersPerMerchant: number;
  maxAmount: bigint;
  watchBuffer: number;
  ingestWindow: number;
  retryBaseMs: number;
  retryMaxMs: number;
  gatewayTimeoutMs: number;
  drainTimeoutMs: number;
  /** PEM server certificate chain and key: serve TLS when set (both required). */
  tlsCert: string;
  tlsKey: string;
  /** PEM CA bundle: when set, clients must present a certificate it signed (mutual TLS). */
  tlsClientCa: string;
  /** Concurrent WatchMerchant streams on one merchant; more → RESOURCE_EXHAUSTED TOO_MANY_WATCHERS. */
  maxWatchersPerMerchant: number;
  /** Largest request message the server accepts, in bytes (grpc-js answers RESOURCE_EXHAUSTED above it). */
  maxMessageBytes: number;
  /** Longest id (merchant, order, buyer, lender, request, financing, reference). */
  maxIdLength: number;
  /** Longest free-text reason. */
  maxTextLength: number;
  /** Concurrent calls per HTTP/2 connection (grpc.max_concurrent_streams). */
  maxConcurrentStreams: number;
  /** Outbox rows each delivery lane keeps in memory; the rest wait on disk. */
  maxOutboxRowsInMemory: number;
  /** Calls in flight per gateway (each lender, the notifier), each for a different financing. */
  deliveryInFlight: number;
  /** A repayment waits this long after its commit for later ones of its financing to share its lender call; 0 = off. */
  repaymentLingerMs: number;
  /**
   * While other calls are in flight, a hand-off between the gRPC and runtime
   * threads, and a synced write when none is in flight, waits this long for
   * others to share it; 0 = at once.
   */
  batchLingerMs: number;
  /** Run the actors, LevelDB and delivery in a runtime thread, gRPC in the main thread (startService). */
  runtimeThread: boolean;
  /** The runtime thread's V8 old-generation limit in MB (0: V8's default). */
  runtimeHeapMb: number;
  /** LevelDB max_open_files: bounds the table files mapped into memory. */
  leveldbMaxOpenFiles: number;
}

export const DEFAULTS: Config = {
  listen: '127.0.0.1:50051',
  dataDir: './data',
  notifier: '',
  authFile: '',
  insecure: false,
  logLevel: 'info',
  metrics: '',
  shards: 16,
  maxActiveMerchants: 10_000,
  maxOrdersInMemory: 1_000_000,
  passivateAfterMs: 5 * 60_000,
  maxMailbox: 1_000,
  maxShardQueue: 20_000,
  verificationTtlMs: 10 * 60_000,
  disbursementTimeoutMs: 24 * 3600_000,
  maxOrdersPerMerchant: 100_000,
  maxAmount: 10n ** 13n,
  watchBuffer: 10_000,
  ingestWindow: 1_024,
  retryBaseMs: 200,
  retryMaxMs: 30_000,
  gatewayTimeoutMs: 5_000,
  drainTimeoutMs: 10_000,
  tlsCert: '',
  tlsKey: '',
  tlsClientCa: '',
  maxWatchersPerMerchant: 100,
  maxMessageBytes: 4 * 1024 * 1024,
  maxIdLength: 128,
  maxTextLength: 512,
  maxConcurrentStreams: 1_000,
  maxOutboxRowsInMemory: 10_000,
  deliveryInFlight: 64,
  repaymentLingerMs: 450,
  batchLingerMs: 1,
  runtimeThread: true,
  runtimeHeapMb: 1024,
  leveldbMaxOpenFiles: 96,
};

/** "250ms", "30s", "10m", "24h" or plain milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new InvalidArgumentError('expected a duration such as 500ms, 30s, 10m or 24h');
  const n = Number(m[1]);
  return n * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 'ms'] ?? 1);
}

function onOff(text: string): boolean {
  if (text === 'on' || text === 'true') return true;
  if (text === 'off' || text === 'false') return false;
  throw new InvalidArgumentError('expected on or off');
}

function nonNegativeInt(text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

function positiveInt(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

export function configCommand(): Command {
  const opt = (flags: string, env: string, description: string, parse?: (v: string) => unknown) => {
    const o = new Option(flags, description).env(env);
    return parse ? o.argParser(parse) : o;
  };
  return new Command('orderpool')
    .description('Lends a merchant money against its unpaid orders; repays the lender as they complete.')
    .addOption(opt('--listen <host:port>', 'ORDERPOOL_LISTEN', `address to serve gRPC on (default ${DEFAULTS.listen})`))
    .addOption(opt('--data-dir <dir>', 'ORDERPOOL_DATA_DIR', `LevelDB directory (default ${DEFAULTS.dataDir})`))
    .addOption(opt('--notifier <host:port>', 'ORDERPOOL_NOTIFIER', 'MerchantNotifierService target; without it codes are logged (development only)'))
    .addOption(opt('--auth-file <file>', 'ORDERPOOL_AUTH_FILE', 'JSON principals file; without it, loopback only'))
    .addOption(new Option('--insecure', 'allow a non-loopback --listen without an auth file').env('ORDERPOOL_INSECURE'))
    .addOption(opt('--log-level <level>', 'ORDERPOOL_LOG_LEVEL', 'trace|debug|info|warn|error (default info)'))
    .addOption(opt('--metrics <host:port>', 'ORDERPOOL_METRICS', 'serve Prometheus metrics at http://host:port/metrics (default off; :0 picks a port)'))
    .addOption(opt('--shards <n>', 'ORDERPOOL_SHARDS', `in-process shards (default ${DEFAULTS.shards})`, positiveInt))
    .addOption(opt('--max-active-merchants <n>', 'ORDERPOOL_MAX_ACTIVE_MERCHANTS', `merchants kept in memory (default ${DEFAULTS.maxActiveMerchants})`, positiveInt))
    .addOption(opt('--max-orders-in-memory <n>', 'ORDERPOOL_MAX_ORDERS_IN_MEMORY', `orders the merchants in memory may hold together; least recently used merchants beyond it are passivated (default ${DEFAULTS.maxOrdersInMemory})`, positiveInt))
    .addOption(opt('--passivate-after <duration>', 'ORDERPOOL_PASSIVATE_AFTER', 'drop an idle merchant from memory after (default 5m)', parseDuration))
    .addOption(opt('--max-mailbox <n>', 'ORDERPOOL_MAX_MAILBOX', `queued requests per merchant (default ${DEFAULTS.maxMailbox})`, positiveInt))
    .addOption(opt('--verification-ttl <duration>', 'ORDERPOOL_VERIFICATION_TTL', 'default life of a verification code (default 10m)', parseDuration))
    .addOption(opt('--disbursement-timeout <duration>', 'ORDERPOOL_DISBURSEMENT_TIMEOUT', 'default time a lender has to disburse (default 24h)', parseDuration))
    .addOption(opt('--max-orders-per-merchant <n>', 'ORDERPOOL_MAX_ORDERS_PER_MERCHANT', `orders one merchant may hold (default ${DEFAULTS.maxOrdersPerMerchant})`, positiveInt))
    .addOption(opt('--max-amount <minor-units>', 'ORDERPOOL_MAX_AMOUNT', 'largest order or request amount (default 10000000000000)', (v) => BigInt(v)))
    .addOption(opt('--watch-buffer <n>', 'ORDERPOOL_WATCH_BUFFER', `events a slow watcher may lag before it is cut off (default ${DEFAULTS.watchBuffer})`, positiveInt))
    .addOption(opt('--retry-max <duration>', 'ORDERPOOL_RETRY_MAX', 'longest delivery backoff (default 30s)', parseDuration))
    .addOption(opt('--tls-cert <file>', 'ORDERPOOL_TLS_CERT', 'PEM server certificate (chain); with --tls-key, serve TLS'))
    .addOption(opt('--tls-key <file>', 'ORDERPOOL_TLS_KEY', 'PEM private key of --tls-cert'))
    .addOption(opt('--tls-client-ca <file>', 'ORDERPOOL_TLS_CLIENT_CA', 'PEM CA bundle; when given, client certificates are required and verified (mutual TLS)'))
    .addOption(opt('--max-watchers-per-merchant <n>', 'ORDERPOOL_MAX_WATCHERS_PER_MERCHANT', `concurrent WatchMerchant streams per merchant (default ${DEFAULTS.maxWatchersPerMerchant})`, positiveInt))
    .addOption(opt('--max-message-size <bytes>', 'ORDERPOOL_MAX_MESSAGE_SIZE', `largest request message in bytes (default ${DEFAULTS.maxMessageBytes})`, positiveInt))
    .addOption(opt('--max-id-length <n>', 'ORDERPOOL_MAX_ID_LENGTH', `longest id in characters, at most 1024 (default ${DEFAULTS.maxIdLength})`, (v) => {
      const n = positiveInt(v);
      if (n > 1024) throw new InvalidArgumentError('at most 1024');
      return n;
    }))
    .addOption(opt('--max-text-length <n>', 'ORDERPOOL_MAX_TEXT_LENGTH', `longest free-text reason (default ${DEFAULTS.maxTextLength})`, positiveInt))
    .addOption(opt('--max-outbox-rows-in-memory <n>', 'ORDERPOOL_MAX_OUTBOX_ROWS_IN_MEMORY', `undelivered effects each lender keeps in memory; the rest wait on disk (default ${DEFAULTS.maxOutboxRowsInMemory})`, positiveInt))
    .addOption(opt('--delivery-in-flight <n>', 'ORDERPOOL_DELIVERY_IN_FLIGHT', `calls in flight to one gateway (a lender, the notifier), each for a different financing (default ${DEFAULTS.deliveryInFlight})`, positiveInt))
    .addOption(opt('--repayment-linger-ms <ms>', 'ORDERPOOL_REPAYMENT_LINGER_MS', `a repayment waits this long after its commit so later ones of its financing share its lender call; 0 = off (default ${DEFAULTS.repaymentLingerMs})`, nonNegativeInt))
    .addOption(opt('--batch-linger-ms <ms>', 'ORDERPOOL_BATCH_LINGER_MS', `while other calls are in flight, a hand-off between the gRPC and runtime threads, and a synced write when none is in flight, waits this long so that others share it (fewer thread wake-ups and disk syncs, for up to this much latency); 0 = at once (default ${DEFAULTS.batchLingerMs})`, nonNegativeInt))
    .addOption(opt('--runtime-thread <on|off>', 'ORDERPOOL_RUNTIME_THREAD', 'on: the actors, LevelDB and delivery run in a thread of their own, gRPC in the main one; off: all in one thread (default on)', onOff))
    .addOption(opt('--runtime-heap-mb <mb>', 'ORDERPOOL_RUNTIME_HEAP_MB', `the runtime thread's V8 heap limit, MB; 0 = V8's default (default ${DEFAULTS.runtimeHeapMb})`, nonNegativeInt))
    .addOption(opt('--leveldb-max-open-files <n>', 'ORDERPOOL_LEVELDB_MAX_OPEN_FILES', `LevelDB table files kept open (each is memory-mapped; default ${DEFAULTS.leveldbMaxOpenFiles})`, positiveInt))
    .addOption(opt('--max-concurrent-streams <n>', 'ORDERPOOL_MAX_CONCURRENT_STREAMS', `concurrent calls per connection (default ${DEFAULTS.maxConcurrentStreams})`, positiveInt));
}

export function resolveConfig(argv: string[]): Config {
  const cmd = configCommand();
  cmd.parse(argv, { from: 'user' });
  return configFromOptions(cmd.opts<Record<string, unknown>>());
}

/** The Config of configCommand()'s parsed options (also used by `orderpool serve`). */
export function configFromOptions(o: Record<string, unknown>): Config {
  const c: Config = { ...DEFAULTS };
  if (o.listen) c.listen = String(o.listen);
  if (o.dataDir) c.dataDir = String(o.dataDir);
  if (o.notifier) c.notifier = String(o.notifier);
  if (o.authFile) c.authFile = String(o.authFile);
  if (o.insecure) c.insecure = true;
  if (o.logLevel) c.logLevel = String(o.logLevel);
  if (o.metrics) c.metrics = String(o.metrics);
  if (o.shards) c.shards = o.shards as number;
  if (o.maxActiveMerchants) c.maxActiveMerchants = o.maxActiveMerchants as number;
  if (o.maxOrdersInMemory) c.maxOrdersInMemory = o.maxOrdersInMemory as number;
  if (o.passivateAfter !== undefined) c.passivateAfterMs = o.passivateAfter as number;
  if (o.maxMailbox) c.maxMailbox = o.maxMailbox as number;
  if (o.verificationTtl) c.verificationTtlMs = o.verificationTtl as number;
  if (o.disbursementTimeout) c.disbursementTimeoutMs = o.disbursementTimeout as number;
  if (o.maxOrdersPerMerchant) c.maxOrdersPerMerchant = o.maxOrdersPerMerchant as number;
  if (o.maxAmount) c.maxAmount = o.maxAmount as bigint;
  if (o.watchBuffer) c.watchBuffer = o.watchBuffer as number;
  if (o.retryMax) c.retryMaxMs = o.retryMax as number;
  if (o.tlsCert) c.tlsCert = String(o.tlsCert);
  if (o.tlsKey) c.tlsKey = String(o.tlsKey);
  if (o.tlsClientCa) c.tlsClientCa = String(o.tlsClientCa);
  if (o.maxWatchersPerMerchant) c.maxWatchersPerMerchant = o.maxWatchersPerMerchant as number;
  if (o.maxMessageSize) c.maxMessageBytes = o.maxMessageSize as number;
  if (o.maxIdLength) c.maxIdLength = o.maxIdLength as number;
  if (o.maxTextLength) c.maxTextLength = o.maxTextLength as number;
  if (o.maxConcurrentStreams) c.maxConcurrentStreams = o.maxConcurrentStreams as number;
  if (o.maxOutboxRowsInMemory) c.maxOutboxRowsInMemory = o.maxOutboxRowsInMemory as number;
  if (o.deliveryInFlight) c.deliveryInFlight = o.deliveryInFlight as number;
  if (o.repaymentLingerMs !== undefined) c.repaymentLingerMs = o.repaymentLingerMs as number;
  if (o.batchLingerMs !== undefined) c.batchLingerMs = o.batchLingerMs as number;
  if (o.runtimeThread !== undefined) c.runtimeThread = o.runtimeThread as boolean;
  if (o.runtimeHeapMb !== undefined) c.runtimeHeapMb = o.runtimeHeapMb as number;
  if (o.leveldbMaxOpenFiles) c.leveldbMaxOpenFiles = o.leveldbMaxOpenFiles as number;
  return c;
}

export function isLoopback(listen: string): boolean {
  const host = listen.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}
