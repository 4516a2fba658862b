/**
 * The watcher process: N WatchMerchant server streams over raw HTTP/2.
 * Each watcher asks for from_sequence = 1 so the merchant's first (setup)
 * event is replayed at once, which proves the subscription is live before
 * the load starts; events numbered from `liveFrom` on are the measured ones.
 * Fan-out delay = receive time − the event's event_time (set by the server
 * when it computed the event, before the commit; millisecond resolution, so
 * the figure is up to 1 ms high).
 */
import * as http2 from 'node:http2';
import * as hdr from 'hdr-histogram-js';
import { serve } from './ipc';
import { encodeFrame, epochNow, FrameParser, grpcHeaders, PATHS, scanEvent, toPerf, types } from './wire';
import type { WatchOpen, WatchResult, Window } from './types';

let sessions: http2.ClientHttp2Session[] = [];
let streams: http2.ClientHttp2Stream[] = [];
let hist = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });
let eventsTotal = 0;
let eventsInWindow = 0;
let gaps = 0;
let streamErrors: Record<string, number> = {};
let from = Infinity;
let to = -Infinity;
let cpu0 = process.cpuUsage();
let cpu = { user: 0, system: 0 };
let elu0 = performance.eventLoopUtilization();
let elu = 0;
let liveFrom = 2;
/** Bumped by close(): late events of cancelled streams are ignored. */
let generation = 0;

async function open(o: WatchOpen): Promise<{ watchers: number; ready: number }> {
  await close();
  liveFrom = o.liveFrom;
  for (let i = 0; i < o.conns; i++) {
    const s = http2.connect(`http://${o.target}`, { settings: { initialWindowSize: 4 * 1024 * 1024, enablePush: false } });
    s.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      s.once('connect', () => resolve());
      s.once('error', reject);
    });
    s.setLocalWindowSize(64 * 1024 * 1024);
    sessions.push(s);
  }
  const headers = grpcHeaders(PATHS.WatchMerchant);
  const gen = generation;
  const readies: Promise<boolean>[] = [];
  let n = 0;
  for (const merchantId of o.merchants) {
    for (let k = 0; k < o.perMerchant; k++) {
      const session = sessions[n++ % sessions.length]!;
      const req = session.request(headers, { endStream: false });
      streams.push(req);
      const parser = new FrameParser();
      let next = 0;
      let markReady: (ok: boolean) => void = () => undefined;
      readies.push(new Promise<boolean>((r) => {
        markReady = r;
        setTimeout(() => r(false), 20_000);
      }));
      req.on('data', (chunk: Buffer) => {
        if (gen !== generation) return;
        parser.push(chunk, (msg) => {
          const now = epochNow();
          const ev = scanEvent(msg);
          if (next !== 0 && ev.seq !== next) gaps++;
          next = ev.seq + 1;
          if (ev.seq < liveFrom) {
            markReady(true);
            return;
          }
          eventsTotal++;
          const p = now - performance.timeOrigin;
          if (p >= from && p < to) {
            eventsInWindow++;
            hist.recordValue(Math.max(1, Math.round((now - ev.timeMs) * 1000)));
          }
        });
      });
      const fail = (what: string) => {
        if (gen !== generation) return;
        streamErrors[what] = (streamErrors[what] ?? 0) + 1;
        markReady(false);
      };
      req.on('response', (h) => {
        if (h['grpc-status'] !== undefined && h['grpc-status'] !== '0') fail(`${h['grpc-status']}:${decodeURIComponent(String(h['grpc-message'] ?? ''))}`);
      });
      req.on('trailers', (t) => {
        if (t['grpc-status'] !== '0') fail(`${t['grpc-status']}:${decodeURIComponent(String(t['grpc-message'] ?? ''))}`);
      });
      req.on('error', (e: Error) => fail(`rst:${e.message}`));
      req.end(Buffer.from(encodeFrame(types.WatchMerchantRequest, { merchant_id: merchantId, from_sequence: 1 })));
    }
  }
  const ok = await Promise.all(readies);
  return { watchers: streams.length, ready: ok.filter(Boolean).length };
}

function measure(w: Window): void {
  hist = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });
  eventsTotal = 0;
  eventsInWindow = 0;
  gaps = 0;
  from = toPerf(w.measureFrom);
  to = toPerf(w.measureTo);
  setTimeout(() => {
    cpu0 = process.cpuUsage();
    elu0 = performance.eventLoopUtilization();
  }, Math.max(0, from - performance.now()));
  setTimeout(() => {
    cpu = process.cpuUsage(cpu0);
    elu = performance.eventLoopUtilization(elu0).utilization;
  }, Math.max(0, to - performance.now()));
}

function report(): WatchResult {
  return {
    watchers: streams.length,
    ready: streams.length,
    eventsTotal,
    eventsInWindow,
    histogram: hdr.encodeIntoCompressedBase64(hist),
    streamErrors: { ...streamErrors },
    cpuUserMs: cpu.user / 1000,
    cpuSystemMs: cpu.system / 1000,
    elu,
    windowMs: to - from,
    gaps,
  };
}

async function close(): Promise<void> {
  generation++;
  for (const s of streams) if (!s.destroyed) s.close(http2.constants.NGHTTP2_CANCEL);
  for (const s of sessions) if (!s.destroyed) s.destroy();
  streams = [];
  sessions = [];
  streamErrors = {};
  from = Infinity;
  to = -Infinity;
}

serve({
  ping: () => 'pong',
  open: (o: WatchOpen) => open(o),
  measure: (w: Window) => measure(w),
  report: () => report(),
  close: () => close(),
  exit: () => close(),
});
