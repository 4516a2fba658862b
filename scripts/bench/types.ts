/** Messages between the orchestrator (scripts/bench.ts) and its child processes. */
import type { SourceSpec } from './sources';

/** Absolute times (epoch ms) shared by every process of one scenario. */
export interface Window {
  /** Load starts. */
  startAt: number;
  /** Measurement starts (after warm-up). */
  measureFrom: number;
  /** Measurement ends; closed-loop and open-loop load stop here. */
  measureTo: number;
}

export interface UnaryJob {
  type: 'unary';
  target: string;
  path: string;
  /** frames: the bench's own HTTP/2 framing (scripts/bench/h2frames.ts); node: node:http2 streams. */
  engine: 'frames' | 'node';
  source: SourceSpec;
  worker: number;
  workers: number;
  conns: number;
  /** Closed loop: requests kept in flight per connection. */
  streamsPerConn: number;
  /** Open loop: this worker's requests per second (latency from the intended send time). */
  rate?: number;
  /** Open loop: in-flight cap; requests due beyond it are sent late (and their latency counts from when they were due). */
  maxInFlight: number;
  /** Frames to encode before the run. */
  prepare: number;
  /** Record the wall time each request was answered OK (settle: repayment delivery delay). */
  recordAckTimes?: boolean;
}

export interface IngestJob {
  type: 'ingest';
  target: string;
  source: SourceSpec;
  worker: number;
  workers: number;
  conns: number;
  streamsPerConn: number;
  /** Events sent and not yet acked, per stream. */
  window: number;
  prepare: number;
  /** Setup mode: send every frame of the source, ignore the window times. */
  untilExhausted?: boolean;
}

export type LoadJob = UnaryJob | IngestJob;

export interface WorkerResult {
  worker: number;
  /** Successful operations completed inside the window. */
  ok: number;
  /** Failed operations completed inside the window. */
  errors: number;
  okTotal: number;
  errorsTotal: number;
  /** grpc-status (or "rst"/"http") → count, over the whole run. */
  errorCodes: Record<string, number>;
  errorSample: string;
  /** hdr-histogram of latencies in microseconds, compressed base64. */
  histogram: string;
  windowMs: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  /** Event-loop utilization over the window (0..1). */
  elu: number;
  /**
   * The longest delay of the generator's own event loop in the window, ms
   * (perf_hooks.monitorEventLoopDelay, ticking every 2 ms): an open-loop
   * call due during such a stall is sent late and its latency, which counts
   * from when it was due, includes the stall.
   */
  loopDelayMaxMs: number;
  sent: number;
  /** The source ran out before the window ended (epoch ms), if it did. */
  exhaustedAt: number | null;
  refills: number;
  prepared: number;
  unfinished: number;
  /** recordAckTimes: local index i (global worker + i*workers) → epoch ms, NaN when not OK. */
  ackTimes?: Float64Array;
}

export interface WatchOpen {
  target: string;
  merchants: string[];
  perMerchant: number;
  conns: number;
  /** Events numbered below this are replay (sent to prove the watcher is live), not measured. */
  liveFrom: number;
}

export interface WatchResult {
  watchers: number;
  ready: number;
  /** Live events received in total, and inside the window. */
  eventsTotal: number;
  eventsInWindow: number;
  histogram: string;
  streamErrors: Record<string, number>;
  cpuUserMs: number;
  cpuSystemMs: number;
  elu: number;
  windowMs: number;
  /** Sequence gaps seen (a watcher must see every event once, in order). */
  gaps: number;
}

export interface GatewayCounts {
  byMethod: Record<string, number>;
  /** Distinct idempotency keys received (what a deduplicating lender keeps). */
  distinctKeys: number;
  /** Keys seen with two different payloads: must be 0. */
  conflicts: number;
}

export interface TrackReport {
  /** ReceiveRepayment calls carrying at least one tracked order. */
  calls: number;
  /** Distinct tracked orders repaid. */
  orders: number;
  /** Global order index → first arrival (epoch ms), NaN when none. */
  arrivals: Float64Array;
}
