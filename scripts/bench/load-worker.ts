/**
 * A load-generator process: raw HTTP/2 (node:http2) speaking gRPC with
 * pre-encoded frames, several connections, many concurrent streams.
 *
 *  - unary, closed loop: `streamsPerConn` calls kept in flight per connection;
 *    latency = answer time − send time.
 *  - unary, open loop (`rate`): calls sent on a fixed schedule whatever the
 *    answers do; latency = answer time − the time the call was due, so a
 *    stalled server is not hidden (no coordinated omission).
 *  - ingest: StreamOrderEvents bidi streams, `window` events in flight per
 *    stream; latency = ack time − send time (acks come in order).
 *
 * A call counts as an error when the HTTP status is not 200, grpc-status is
 * not 0, or the stream is reset; an ingest event when its ack has an error.
 * Only answers that arrive inside [measureFrom, measureTo) count toward the
 * throughput and the histogram; the generator's own CPU (process.cpuUsage)
 * and event-loop utilization are sampled at the same instants.
 */
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as hdr from 'hdr-histogram-js';
import { H2FrameConnection, requestHeaderBlock } from './h2frames';
import { serve } from './ipc';
import { FrameSource } from './sources';
import { ackHasError, epochNow, FrameParser, grpcHeaders, PATHS, toPerf } from './wire';
import type { IngestJob, LoadJob, UnaryJob, Window, WorkerResult } from './types';

let job: LoadJob | undefined;
let source: FrameSource | undefined;
let sessions: http2.ClientHttp2Session[] = [];
let frameConns: H2FrameConnection[] = [];

function newHistogram() {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });
}

async function connectAll(target: string, n: number): Promise<http2.ClientHttp2Session[]> {
  const out: http2.ClientHttp2Session[] = [];
  for (let i = 0; i < n; i++) {
    const [host, port] = hostPort(target);
    const s = http2.connect(`http://${target}`, {
      settings: { initialWindowSize: 4 * 1024 * 1024, enablePush: false },
      // Nagle off, as gRPC clients and h2load do: small frames go out at once.
      createConnection: () => net.connect({ host, port, noDelay: true }),
    });
    s.on('error', () => undefined); // surfaced per stream
    await new Promise<void>((resolve, reject) => {
      s.once('connect', () => resolve());
      s.once('error', reject);
    });
    s.setLocalWindowSize(64 * 1024 * 1024);
    out.push(s);
  }
  return out;
}

function closeAll(): void {
  for (const s of sessions) if (!s.destroyed) s.destroy();
  sessions = [];
  for (const c of frameConns) c.close();
  frameConns = [];
}

function hostPort(target: string): [string, number] {
  const i = target.lastIndexOf(':');
  return [target.slice(0, i), Number(target.slice(i + 1))];
}

/** The event-loop delay monitor's tick: 500 wake-ups a second, a stall measured to ~2 ms. */
const LOOP_TICK_MS = 2;

class Meter {
  readonly hist = newHistogram();
  ok = 0;
  errors = 0;
  okTotal = 0;
  errorsTotal = 0;
  readonly errorCodes: Record<string, number> = {};
  errorSample = '';
  private readonly from: number;
  private readonly to: number;
  private cpu0 = process.cpuUsage();
  private cpu1 = process.cpuUsage();
  private elu0 = performance.eventLoopUtilization();
  private elu = 0;
  /** Samples the event loop every LOOP_TICK_MS; each value is the interval it saw, in ns. */
  private readonly loopDelay = monitorEventLoopDelay({ resolution: LOOP_TICK_MS });

  constructor(w: Window) {
    this.from = toPerf(w.measureFrom);
    this.to = toPerf(w.measureTo);
    setTimeout(() => {
      this.cpu0 = process.cpuUsage();
      this.elu0 = performance.eventLoopUtilization();
      this.loopDelay.enable();
    }, Math.max(0, this.from - performance.now()));
    setTimeout(() => {
      this.cpu1 = process.cpuUsage(this.cpu0);
      this.elu = performance.eventLoopUtilization(this.elu0).utilization;
      this.loopDelay.disable();
    }, Math.max(0, this.to - performance.now()));
  }

  done(now: number, start: number, failure: string | undefined): void {
    const inWindow = now >= this.from && now < this.to;
    if (failure === undefined) {
      this.okTotal++;
      if (inWindow) {
        this.ok++;
        this.hist.recordValue(Math.max(1, Math.round((now - start) * 1000)));
      }
    } else {
      this.errorsTotal++;
      if (inWindow) this.errors++;
      const code = failure.split(':', 1)[0]!;
      this.errorCodes[code] = (this.errorCodes[code] ?? 0) + 1;
      if (!this.errorSample) this.errorSample = failure;
    }
  }

  result(extra: Partial<WorkerResult> & Pick<WorkerResult, 'worker' | 'sent' | 'exhaustedAt' | 'refills' | 'prepared' | 'unfinished'>): WorkerResult {
    const histogram = hdr.encodeIntoCompressedBase64(this.hist);
    return {
      ok: this.ok,
      errors: this.errors,
      okTotal: this.okTotal,
      errorsTotal: this.errorsTotal,
      errorCodes: this.errorCodes,
      errorSample: this.errorSample,
      histogram,
      windowMs: this.to - this.from,
      cpuUserMs: this.cpu1.user / 1000,
      cpuSystemMs: this.cpu1.system / 1000,
      elu: this.elu,
      // The longest interval between two ticks, less the tick itself.
      loopDelayMaxMs: this.loopDelay.count > 0 ? Math.max(0, this.loopDelay.max / 1e6 - LOOP_TICK_MS) : 0,
      ...extra,
    };
  }
}

const sleepUntil = (perf: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, perf - performance.now())));

async function prepare(j: LoadJob): Promise<{ prepared: number; capacity: number }> {
  closeAll();
  job = j;
  source = new FrameSource(j.source, j.worker, j.workers);
  source.prepare(j.prepare);
  if (j.type === 'unary' && j.engine === 'frames') {
    const [host, port] = hostPort(j.target);
    for (let i = 0; i < j.conns; i++) frameConns.push(await H2FrameConnection.connect(host, port));
  } else {
    sessions = await connectAll(j.target, j.conns);
  }
  return { prepared: Math.min(j.prepare, source.capacity), capacity: source.capacity };
}

async function run(w: Window): Promise<WorkerResult> {
  if (!job || !source) throw new Error('run before prepare');
  try {
    return job.type === 'unary' ? await runUnary(job, source, w) : await runIngest(job, source, w);
  } finally {
    closeAll();
  }
}

async function runUnary(j: UnaryJob, src: FrameSource, w: Window): Promise<WorkerResult> {
  const meter = new Meter(w);
  const headers = grpcHeaders(j.path);
  const stopAt = toPerf(w.measureTo);
  const ackTimes = j.recordAckTimes ? new Float64Array(Number.isFinite(src.capacity) ? src.capacity : 0).fill(NaN) : undefined;
  let inFlight = 0;
  let sent = 0;
  let exhaustedAt: number | null = null;
  let allDone: (() => void) | undefined;

  const settle = (index: number, start: number, failure: string | undefined) => {
    inFlight--;
    const now = performance.now();
    meter.done(now, start, failure);
    if (failure === undefined && ackTimes) ackTimes[index] = performance.timeOrigin + now;
  };
  const block = requestHeaderBlock(j.path, j.target);
  const issueFrames = (conn: H2FrameConnection, frame: Buffer, index: number, start: number, then: () => void) => {
    inFlight++;
    sent++;
    conn.call(block, frame, (failure) => {
      settle(index, start, failure);
      then();
      if (inFlight === 0 && allDone) allDone();
    });
  };
  const issueNode = (session: http2.ClientHttp2Session, frame: Buffer, index: number, start: number, then: () => void) => {
    inFlight++;
    sent++;
    let status = '';
    let grpcStatus: string | undefined;
    let grpcMessage = '';
    let streamError = '';
    let req: http2.ClientHttp2Stream;
    try {
      req = session.request(headers, { endStream: false });
    } catch (e) {
      settle(index, start, `request:${(e as Error).message}`);
      setImmediate(then);
      return;
    }
    req.on('response', (h) => {
      status = String(h[':status']);
      const gs = h['grpc-status'];
      if (gs !== undefined) {
        grpcStatus = String(gs);
        grpcMessage = String(h['grpc-message'] ?? '');
      }
    });
    req.on('trailers', (t) => {
      grpcStatus = String(t['grpc-status']);
      grpcMessage = String(t['grpc-message'] ?? '');
    });
    req.on('data', () => undefined);
    req.on('error', (e: Error) => {
      streamError = e.message;
    });
    req.on('close', () => {
      let failure: string | undefined;
      if (streamError || req.rstCode) failure = `rst:${streamError || `code ${req.rstCode}`}`;
      else if (status !== '200') failure = `http:${status}`;
      else if (grpcStatus !== '0') failure = `${grpcStatus ?? 'no-status'}:${decodeURIComponent(grpcMessage)}`;
      settle(index, start, failure);
      then();
      if (inFlight === 0 && allDone) allDone();
    });
    req.end(frame);
  };

  // One "lane" per connection, whichever client drives it.
  const lanes: ((frame: Buffer, index: number, start: number, then: () => void) => void)[] = j.engine === 'frames'
    ? frameConns.map((c) => (f: Buffer, i: number, t: number, then: () => void) => issueFrames(c, f, i, t, then))
    : sessions.map((s) => (f: Buffer, i: number, t: number, then: () => void) => issueNode(s, f, i, t, then));

  await sleepUntil(toPerf(w.startAt));

  if (j.rate === undefined) {
    // Closed loop.
    const loop = (lane: (typeof lanes)[number]) => {
      if (performance.now() >= stopAt) return;
      const next = src.next();
      if (!next) {
        exhaustedAt ??= epochNow();
        return;
      }
      lane(next.frame, next.index, performance.now(), () => loop(lane));
    };
    for (const lane of lanes) for (let k = 0; k < j.streamsPerConn; k++) loop(lane);
    await sleepUntil(stopAt);
  } else {
    // Open loop: call n is due at t0 + n / rate.
    const t0 = performance.now();
    const interval = 1000 / j.rate;
    let n = 0;
    await new Promise<void>((resolve) => {
      const tick = () => {
        const now = performance.now();
        if (now >= stopAt) return resolve();
        const due = Math.floor((now - t0) / interval) + 1;
        while (n < due && inFlight < j.maxInFlight) {
          const next = src.next();
          if (!next) {
            exhaustedAt ??= epochNow();
            return resolve();
          }
          lanes[n % lanes.length]!(next.frame, next.index, t0 + n * interval, () => undefined);
          n++;
        }
        setTimeout(tick, 1);
      };
      tick();
    });
  }
  // Let the calls in flight finish (they count toward the totals, not the window).
  if (inFlight > 0) {
    await Promise.race([
      new Promise<void>((r) => (allDone = r)),
      new Promise<void>((r) => setTimeout(r, 10_000)),
    ]);
  }
  return meter.result({
    worker: j.worker, sent, exhaustedAt: exhaustedAt !== null && exhaustedAt < w.measureTo ? exhaustedAt : null,
    refills: src.refills, prepared: j.prepare, unfinished: inFlight, ...(ackTimes ? { ackTimes } : {}),
  });
}

async function runIngest(j: IngestJob, src: FrameSource, w: Window): Promise<WorkerResult> {
  // Setup mode measures everything from now on, for as long as it takes.
  const win: Window = j.untilExhausted ? { startAt: epochNow(), measureFrom: epochNow(), measureTo: epochNow() + 3_600_000 } : w;
  const meter = new Meter(win);
  const stopAt = toPerf(win.measureTo);
  const headers = grpcHeaders(PATHS.StreamOrderEvents);
  let sent = 0;
  let exhaustedAt: number | null = null;
  let unfinished = 0;

  await sleepUntil(toPerf(win.startAt));

  const one = (session: http2.ClientHttp2Session) => new Promise<void>((resolve) => {
    const req = session.request(headers, { endStream: false });
    const parser = new FrameParser();
    // FIFO of send times of the events awaiting their ack.
    const times = new Float64Array(j.window);
    let head = 0;
    let inFlight = 0;
    let ending = false;
    let grpcStatus: string | undefined;
    let grpcMessage = '';
    let streamError = '';
    const fill = () => {
      if (ending) return;
      if (performance.now() >= stopAt) {
        ending = true;
        req.end();
        return;
      }
      while (inFlight < j.window) {
        const got = src.take(j.window - inFlight);
        if (!got) {
          exhaustedAt ??= epochNow();
          ending = true;
          req.end();
          return;
        }
        const now = performance.now();
        for (let k = 0; k < got.count; k++) times[(head + inFlight + k) % j.window] = now;
        inFlight += got.count;
        sent += got.count;
        req.write(got.buf);
      }
    };
    req.on('response', (h) => {
      if (h['grpc-status'] !== undefined) {
        grpcStatus = String(h['grpc-status']);
        grpcMessage = String(h['grpc-message'] ?? '');
      }
    });
    req.on('data', (chunk: Buffer) => {
      parser.push(chunk, (msg) => {
        const now = performance.now();
        const start = times[head]!;
        head = (head + 1) % j.window;
        inFlight--;
        meter.done(now, start, ackHasError(msg) ? 'ack-error:event rejected' : undefined);
      });
      if (inFlight <= j.window / 2) fill();
    });
    req.on('trailers', (t) => {
      grpcStatus = String(t['grpc-status']);
      grpcMessage = String(t['grpc-message'] ?? '');
    });
    req.on('error', (e: Error) => {
      streamError = e.message;
    });
    req.on('close', () => {
      if (streamError || req.rstCode || (grpcStatus !== undefined && grpcStatus !== '0')) {
        meter.done(performance.now(), 0, `stream:${streamError || grpcStatus}:${decodeURIComponent(grpcMessage)}`);
      }
      unfinished += inFlight;
      resolve();
    });
    fill();
  });

  const streams: Promise<void>[] = [];
  for (const s of sessions) for (let k = 0; k < j.streamsPerConn; k++) streams.push(one(s));
  // A stream still open 15 s after the window is stuck: give up on it.
  const timeout = j.untilExhausted ? 600_000 : 15_000 + Math.max(0, stopAt - performance.now());
  await Promise.race([Promise.all(streams), new Promise((r) => setTimeout(r, timeout))]);
  return meter.result({
    worker: j.worker, sent, exhaustedAt: !j.untilExhausted && exhaustedAt !== null && exhaustedAt < w.measureTo ? exhaustedAt : null,
    refills: src.refills, prepared: j.prepare, unfinished,
  });
}

serve({
  ping: () => 'pong',
  prepare: (j: LoadJob) => prepare(j),
  run: (w: Window) => run(w),
  exit: () => closeAll(),
});
