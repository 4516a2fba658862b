/**
 * Prometheus metrics (prom-client), served over plain HTTP at
 * http://<--metrics>/metrics, apart from the gRPC port.
 *
 *  - RPCs: grpc_server_started_total, grpc_server_handled_total (by method
 *    and gRPC code) and grpc_server_handling_seconds, fed by the server
 *    interceptor in rpc-interceptor.ts (the handlers are not touched).
 *  - The store: a histogram of commits and of operations per synced batch,
 *    and of the synced write's duration (write + fsync), fed by
 *    LevelStore's onBatch hook.
 *  - Actors, shards, outbox lanes, delivery and watchers are read from the
 *    runtime's stats() when Prometheus scrapes (nothing on the hot path).
 *  - Node's process metrics (CPU, memory, event loop lag, GC).
 *
 * Each server has its own Registry, so several servers in one process (the
 * tests) do not collide.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { LevelStoreOptions } from '../store/level-store';
import type { DeliveryStats } from '../gateways/delivery';

/** What the scrape-time collectors read (Router, Delivery, WatchHub). */
export interface MetricsSources {
  router: { stats(): { active: number; orders?: number; shards: number[]; passivated?: Record<string, number> } };
  delivery: { stats(): DeliveryStats };
  hub: { watchers(): number };
}

export interface RpcLabels {
  grpc_type: string;
  grpc_service: string;
  grpc_method: string;
}

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const FSYNC_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];
const SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096];

export class Metrics {
  readonly registry = new Registry();
  private readonly rpcStarted: Counter<keyof RpcLabels>;
  private readonly rpcHandled: Counter<keyof RpcLabels | 'grpc_code'>;
  private readonly rpcSeconds: Histogram<keyof RpcLabels>;
  private readonly batchCommits: Histogram;
  private readonly batchOps: Histogram;
  private readonly fsyncSeconds: Histogram;
  private sources: MetricsSources | undefined;
  private server: http.Server | undefined;

  constructor() {
    const registers = [this.registry];
    const rpc = ['grpc_type', 'grpc_service', 'grpc_method'] as const;
    this.rpcStarted = new Counter({ name: 'grpc_server_started_total', help: 'RPCs started on the server.', labelNames: rpc, registers });
    this.rpcHandled = new Counter({
      name: 'grpc_server_handled_total', help: 'RPCs completed on the server, by gRPC status code.', labelNames: [...rpc, 'grpc_code'], registers,
    });
    this.rpcSeconds = new Histogram({
      name: 'grpc_server_handling_seconds', help: 'Time from the start of an RPC to its status, in seconds.', labelNames: rpc, buckets: LATENCY_BUCKETS, registers,
    });
    this.batchCommits = new Histogram({
      name: 'orderpool_store_batch_commits', help: 'Merchant commits per synced LevelDB batch (group commit).', buckets: SIZE_BUCKETS, registers,
    });
    this.batchOps = new Histogram({
      name: 'orderpool_store_batch_ops', help: 'Key writes per synced LevelDB batch.', buckets: SIZE_BUCKETS, registers,
    });
    this.fsyncSeconds = new Histogram({
      name: 'orderpool_store_fsync_seconds', help: 'Duration of one synced LevelDB batch write (write + fsync), in seconds.', buckets: FSYNC_BUCKETS, registers,
    });

    const src = () => this.sources;
    new Gauge({
      name: 'orderpool_actors_active', help: 'Merchant actors loaded in memory.', registers,
      collect() { const s = src(); if (s) this.set(s.router.stats().active); },
    });
    new Gauge({
      name: 'orderpool_actor_orders', help: 'Orders held in memory by the active merchant actors (bounded by --max-orders-in-memory).', registers,
      collect() { const s = src(); if (s) this.set(s.router.stats().orders ?? 0); },
    });
    // A counter mirrored from the router's running totals at scrape time.
    const seen = new Map<string, number>();
    new Counter({
      name: 'orderpool_actors_passivated_total', help: 'Merchant actors dropped from memory, by reason (idle, capacity).', labelNames: ['reason'], registers,
      collect() {
        const s = src();
        for (const [reason, n] of Object.entries(s?.router.stats().passivated ?? {})) {
          const delta = n - (seen.get(reason) ?? 0);
          seen.set(reason, n);
          this.inc({ reason }, Math.max(0, delta));
        }
      },
    });
    new Gauge({
      name: 'orderpool_shard_queue_depth', help: 'Commands and reads queued or running, per shard.', labelNames: ['shard'], registers,
      collect() {
        const s = src();
        if (!s) return;
        s.router.stats().shards.forEach((q, i) => this.set({ shard: String(i) }, q));
      },
    });
    new Gauge({
      name: 'orderpool_watchers', help: 'Open WatchMerchant streams.', registers,
      collect() { const s = src(); if (s) this.set(s.hub.watchers()); },
    });

    // Delivery's stats() is cheap (one entry per lane): each collector reads it.
    const deliveryStats = (): DeliveryStats | undefined => src()?.delivery.stats();
    const perLane = (name: string, help: string, value: (l: DeliveryStats['lanes'][string]) => number) => new Gauge({
      name, help, labelNames: ['lane'], registers,
      collect() {
        const d = deliveryStats();
        if (!d) return;
        this.reset();
        for (const [lane, l] of Object.entries(d.lanes)) this.set({ lane }, value(l));
      },
    });
    perLane('orderpool_outbox_backlog', 'Effects waiting in the outbox, per delivery lane (lender:<id>, notifier).', (l) => l.backlog);
    perLane('orderpool_outbox_oldest_age_seconds', 'Age of the oldest undelivered effect, per delivery lane (0 when empty).', (l) => Math.max(0, l.oldestMs) / 1000);
    perLane('orderpool_delivery_consecutive_failures', 'Failed attempts in a row at the head of a delivery lane (0 when healthy).', (l) => l.attempt);
    const mirrored = (name: string, help: string, value: (d: DeliveryStats) => number) => {
      let last = 0;
      new Counter({
        name, help, registers,
        collect() {
          const d = deliveryStats();
          if (!d) return;
          const v = value(d);
          this.inc(Math.max(0, v - last));
          last = v;
        },
      });
    };
    mirrored('orderpool_delivery_calls_total', 'Calls made to lender gateways and the notifier.', (d) => d.calls);
    mirrored('orderpool_delivery_failures_total', 'Failed calls to lender gateways and the notifier (each is retried).', (d) => d.failures);
    mirrored('orderpool_effects_delivered_total', 'Outbox rows delivered and removed.', (d) => d.delivered);

    collectDefaultMetrics({ register: this.registry });
  }

  /** Starts reading the runtime's stats at scrape time. */
  attach(sources: MetricsSources): void {
    this.sources = sources;
  }

  /** Store options whose onBatch feeds the batch histograms, then calls the caller's onBatch. */
  storeOptions(opts: LevelStoreOptions = {}): LevelStoreOptions {
    const inner = opts.onBatch;
    return {
      ...opts,
      onBatch: (commits, ops, ms) => {
        this.batchCommits.observe(commits);
        this.batchOps.observe(ops);
        this.fsyncSeconds.observe(ms / 1000);
        inner?.(commits, ops, ms);
      },
    };
  }

  rpcStart(labels: RpcLabels): void {
    this.rpcStarted.inc(labels);
  }

  rpcEnd(labels: RpcLabels, code: string, seconds: number): void {
    this.rpcHandled.inc({ ...labels, grpc_code: code });
    this.rpcSeconds.observe(labels, seconds);
  }

  /** Serves GET /metrics on host:port (port 0 picks one); resolves with the bound address. */
  async listen(hostPort: string): Promise<string> {
    const m = /^(.*):(\d+)$/.exec(hostPort);
    if (!m) throw new Error(`--metrics: expected host:port, got ${JSON.stringify(hostPort)}`);
    const host = m[1]!.replace(/^\[|\]$/g, '') || '0.0.0.0';
    const server = http.createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' || path !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('orderpool: metrics are at GET /metrics\n');
        return;
      }
      this.registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(body),
        (e: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${e instanceof Error ? e.message : String(e)}\n`),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(Number(m[2]), host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const port = (server.address() as AddressInfo).port;
    return `${m[1]}:${port}`;
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  }
}
