/**
 * Property-based fuzzing of every RPC of OrderPoolService and
 * LenderAdminService against a real server (DESIGN.md: "never fall over on
 * input it did not expect"). Requests are sent as raw gRPC frames over
 * node:http2, so the fuzzer controls every byte: typed requests with random
 * and boundary fields, random bytes and hand-built protobuf as the body,
 * oversized messages, and broken framing.
 *
 * Properties, after every case:
 * - the server answers: a health check and GetLender succeed;
 * - every answer has a grpc-status; every non-OK answer of our handlers
 *   carries a google.rpc.Status whose ErrorInfo has an UPPER_SNAKE reason in
 *   the domain orderpool.v1 (only grpc-js's own answers — message too large,
 *   unknown method, wrong number of messages — come without one);
 *   INTERNAL is always a bug;
 * - a rejected call changes nothing: GetMerchant.last_sequence of the
 *   merchants involved and ListLenders are as before (except the rejections
 *   that are recorded by design: a financing REJECTED for INSUFFICIENT_ORDERS,
 *   NOT_ELIGIBLE or CURRENCY_NOT_SUPPORTED, and a wrong verification code).
 *
 * The seed is fixed; ORDERPOOL_FUZZ_SEED overrides it, and a failure prints
 * the seed to replay. ORDERPOOL_FUZZ_SCALE=10 runs ten times as many cases;
 * ORDERPOOL_FUZZ_VERBOSE=1 prints how many answers of each code and reason came.
 */
import * as http2 from 'node:http2';
import { expect } from 'chai';
import fc from 'fast-check';
import * as protobuf from 'protobufjs';
import type * as grpc from '@grpc/grpc-js';
import { LENDER, startHarness, type Harness } from './harness';
import { usd } from '../src/testing/client';
import { packageDefinition, pb } from '../src/api/proto';
import { encodeToken } from '../src/api/page-token';

const SEED = process.env.ORDERPOOL_FUZZ_SEED ? Number(process.env.ORDERPOOL_FUZZ_SEED) : 20_250_611;
/** Multiplies the number of runs of every property (default 1: a few hundred cases, well under a minute). */
const SCALE = Number(process.env.ORDERPOOL_FUZZ_SCALE ?? 1);
/** The server's receive limit in these tests (small, so oversized cases stay cheap). */
const MAX_MESSAGE = 64 * 1024;
const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);
const CODE = '246810';

const STATUS_NAMES = ['OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS',
  'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL',
  'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED'];
/** Rejections that are recorded by design (README "Errors"). */
const RECORDED_REJECTIONS = new Set(['INSUFFICIENT_ORDERS', 'NOT_ELIGIBLE', 'CURRENCY_NOT_SUPPORTED',
  'VERIFICATION_CODE_MISMATCH', 'VERIFICATION_ATTEMPTS_EXHAUSTED', 'VERIFICATION_EXPIRED']);
/** Overload reasons, which must carry a RetryInfo. */
const OVERLOAD = new Set(['MAILBOX_FULL', 'SHARD_BUSY', 'TOO_MANY_WATCHERS']);

// ------------------------------------------------------------- raw gRPC

type Method = grpc.MethodDefinition<object, object> & { path: string };
const SERVICES = ['orderpool.v1.OrderPoolService', 'orderpool.v1.LenderAdminService'] as const;
const METHODS: Record<string, Method> = {};
for (const svc of SERVICES) {
  for (const [name, m] of Object.entries(packageDefinition[svc] as Record<string, Method>)) METHODS[name] = m;
}
const METHOD_NAMES = Object.keys(METHODS);

function frame(body: Buffer, compressed = 0): Buffer {
  const head = Buffer.alloc(5);
  head[0] = compressed;
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

function unframe(data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  while (at + 5 <= data.length) {
    const len = data.readUInt32BE(at + 1);
    out.push(data.subarray(at + 5, at + 5 + len));
    at += 5 + len;
  }
  if (at !== data.length) throw new Error(`response has a truncated frame (${data.length - at} bytes left)`);
  return out;
}

interface Answer {
  /** grpc-status, or null when none came (a bug unless `live`). */
  code: number | null;
  message: string;
  details: Buffer | null;
  messages: Buffer[];
  /** A server stream still open after `liveAfterMs` of silence; the client cancelled it. */
  live: boolean;
}

let session: http2.ClientHttp2Session;

function rawCall(path: string, body: Buffer, opts: { liveAfterMs?: number; headers?: Record<string, string> } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = session.request({
      ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers', ...opts.headers,
    });
    let head: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    let live = false;
    let idle: NodeJS.Timeout | undefined;
    const bump = () => {
      if (!opts.liveAfterMs) return;
      clearTimeout(idle);
      idle = setTimeout(() => {
        live = true;
        req.close(http2.constants.NGHTTP2_CANCEL);
      }, opts.liveAfterMs);
    };
    const hard = setTimeout(() => {
      req.close(http2.constants.NGHTTP2_CANCEL);
      reject(new Error(`${path}: no answer within 15 s`));
    }, 15_000);
    bump();
    req.on('response', (h) => {
      head = h;
      bump();
    });
    req.on('data', (c: Buffer) => {
      chunks.push(c);
      bump();
    });
    req.on('trailers', (t) => (trailers = t));
    req.on('error', () => undefined); // a reset after the status (e.g. an unread oversized body)
    req.on('close', () => {
      clearTimeout(idle);
      clearTimeout(hard);
      const all = { ...head, ...trailers };
      const raw = all['grpc-status'];
      const detailsB64 = all['grpc-status-details-bin'];
      try {
        resolve({
          code: raw === undefined ? null : Number(raw),
          message: decodeURIComponent(String(all['grpc-message'] ?? '')),
          details: typeof detailsB64 === 'string' ? Buffer.from(detailsB64, 'base64') : null,
          messages: unframe(Buffer.concat(chunks)),
          live,
        });
      } catch (e) {
        reject(e);
      }
    });
    req.end(body);
  });
}

interface Decoded {
  code: number;
  reason?: string;
  domain?: string;
  retryDelay?: { seconds?: unknown; nanos?: unknown };
}

/** Decodes a google.rpc.Status (bytes from the trailer, or the object of an OrderEventAck). */
function decodeStatus(st: { code: number; details?: { type_url?: string; typeUrl?: string; value: Uint8Array }[] | null }): Decoded {
  const out: Decoded = { code: st.code };
  for (const d of st.details ?? []) {
    const url = d.type_url ?? d.typeUrl;
    if (url === 'type.googleapis.com/google.rpc.ErrorInfo') {
      const info = pb.ErrorInfo.toObject(pb.ErrorInfo.decode(d.value), { defaults: true }) as { reason: string; domain: string };
      out.reason = info.reason;
      out.domain = info.domain;
    } else if (url === 'type.googleapis.com/google.rpc.RetryInfo') {
      out.retryDelay = (pb.RetryInfo.toObject(pb.RetryInfo.decode(d.value), { defaults: true }) as { retry_delay: Decoded['retryDelay'] }).retry_delay;
    }
  }
  return out;
}

/** What is wrong with an error status of our handlers, or null. */
function statusProblem(code: number, st: Decoded | null, where: string): string | null {
  if (code === 13) return `${where}: INTERNAL (a bug)`;
  if (!st) return `${where}: ${STATUS_NAMES[code]} without grpc-status-details-bin`;
  if (st.code !== code) return `${where}: google.rpc.Status.code ${st.code} != grpc-status ${code}`;
  if (!st.reason || !/^[A-Z][A-Z0-9_]*$/.test(st.reason)) return `${where}: ErrorInfo reason ${JSON.stringify(st.reason)} is not UPPER_SNAKE`;
  if (st.domain !== 'orderpool.v1') return `${where}: ErrorInfo domain ${JSON.stringify(st.domain)}`;
  if (OVERLOAD.has(st.reason) && !st.retryDelay) return `${where}: ${st.reason} without RetryInfo`;
  return null;
}

/** grpc-js's own answers, which carry no ErrorInfo. */
function frameworkAnswer(a: Answer): boolean {
  if (a.details) return false;
  if (a.code === 8 && /larger than/.test(a.message)) return true; // above --max-message-size
  if (a.code === 12) return true; // unknown method; none or two messages for a unary or server-streaming call
  return false;
}

/** Every problem with an answer from `method`. */
function answerProblems(methodName: string | null, a: Answer, label: string): string[] {
  const where = `${short(label)} → ${a.code === null ? 'no status' : STATUS_NAMES[a.code] ?? a.code} ${a.message}`;
  if (a.live) return [];
  if (a.code === null) return [`${where}: no grpc-status`];
  if (a.code < 0 || a.code > 16) return [`${where}: status ${a.code} is not a gRPC code`];
  const problems: string[] = [];
  const m = methodName ? METHODS[methodName] : undefined;
  if (a.code === 0) {
    if (!m) return [`${where}: OK for an unknown method`];
    if (!m.responseStream && a.messages.length !== 1) problems.push(`${where}: unary OK with ${a.messages.length} messages`);
    for (const bytes of a.messages) {
      const res = m.responseDeserialize(bytes) as { index?: string; order?: unknown; error?: Parameters<typeof decodeStatus>[0] | null };
      if (methodName === 'StreamOrderEvents') {
        if (res.error) {
          const p = statusProblem(res.error.code, decodeStatus(res.error), `${where} ack ${res.index}`);
          if (p) problems.push(p);
        } else if (!res.order) problems.push(`${where} ack ${res.index}: neither order nor error`);
      }
    }
    return problems;
  }
  if (frameworkAnswer(a)) return [];
  const p = statusProblem(a.code, a.details ? decodeStatus(pb.Status.toObject(pb.Status.decode(a.details), { defaults: true }) as Parameters<typeof decodeStatus>[0]) : null, where);
  return p ? [p] : [];
}

/** What an accepted request must satisfy beyond decoding (a lender must be reachable in principle). */
function accepted(methodName: string, a: Answer): string | null {
  if (a.code !== 0 || methodName !== 'UpsertLender') return null;
  const l = METHODS.UpsertLender!.responseDeserialize(a.messages[0]!) as { gatewayTarget: string };
  const port = Number(/:(\d+)$/.exec(l.gatewayTarget)?.[1]);
  return port >= 1 && port <= 65535 ? null : `UpsertLender accepted gateway_target ${JSON.stringify(l.gatewayTarget)}, which no client can dial`;
}

function reasonOf(a: Answer): string | undefined {
  return a.details ? decodeStatus(pb.Status.toObject(pb.Status.decode(a.details), { defaults: true }) as Parameters<typeof decodeStatus>[0]).reason : undefined;
}

// ------------------------------------------------------------- the fixture

let h: Harness;
let cases = 0;
/** Answers seen, by code and reason (printed at the end; ORDERPOOL_FUZZ_VERBOSE=1 prints all of them). */
const tally = new Map<string, number>();
const problems: string[] = [];
const K = {
  merchants: ['M1', 'M2', 'M3', 'MIDLE'],
  orders: ['O1', 'O2', 'O3', 'O4', 'O5', 'O6'],
  financings: [] as string[],
  lenders: ['L1', 'LV'],
};

const validId = (s: unknown): s is string => typeof s === 'string' && /^[\x21-\x7e]{1,128}$/.test(s);

async function lastSequences(ids: Iterable<unknown>): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const id of new Set([...K.merchants, ...ids])) {
    if (!validId(id)) continue;
    try {
      out[id] = (await h.api.getMerchant({ merchantId: id })).lastSequence;
    } catch (e) {
      out[id] = `error ${(e as grpc.ServiceError).code}`;
    }
  }
  return out;
}

async function allLenders(): Promise<string> {
  const out: unknown[] = [];
  let pageToken = '';
  do {
    const page = await h.api.listLenders({ pageSize: 1000, pageToken });
    out.push(...page.lenders);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return JSON.stringify(out);
}

async function snapshot(merchantIds: Iterable<unknown>) {
  return { merchants: await lastSequences(merchantIds), lenders: await allLenders() };
}

/** The server still answers: health check and GetLender. */
async function alive(label: string): Promise<void> {
  const a = await rawCall('/grpc.health.v1.Health/Check', frame(Buffer.alloc(0)));
  if (a.code !== 0) problems.push(`${label}: health check answered ${a.code} ${a.message}`);
  await h.api.getLender({ lenderId: 'L1' }).catch((e: grpc.ServiceError) => problems.push(`${label}: GetLender failed: ${e.code} ${e.details}`));
}

/**
 * One case: snapshot, call, check the answer, check the server is alive, and
 * check a rejected call changed nothing. Returns false (the property fails)
 * when something is wrong; the problems are kept for the report.
 */
async function runCase(label: string, methodName: string | null, path: string, body: Buffer, involved: Iterable<unknown>,
  opts: { liveAfterMs?: number; headers?: Record<string, string>; expect?: (a: Answer) => string | null } = {}): Promise<boolean> {
  cases++;
  const before = await snapshot(involved);
  const a = await rawCall(path, body, opts);
  const key = a.live ? 'OK (live stream)' : `${a.code === null ? 'none' : STATUS_NAMES[a.code]} ${reasonOf(a) ?? (a.code === 0 ? '' : `(grpc-js: ${a.message})`)}`;
  tally.set(key, (tally.get(key) ?? 0) + 1);
  const found = answerProblems(methodName, a, label);
  const extra = opts.expect?.(a);
  if (extra) found.push(`${label}: ${extra}`);
  await alive(label);
  const rejected = a.code !== null && a.code !== 0 && !a.live;
  if (rejected && !RECORDED_REJECTIONS.has(reasonOf(a) ?? '')) {
    const after = await snapshot(involved);
    if (JSON.stringify(after) !== JSON.stringify(before)) {
      found.push(`${label}: rejected with ${STATUS_NAMES[a.code!]} ${reasonOf(a)} but state changed: ${JSON.stringify(before)} → ${JSON.stringify(after)}`);
    }
  }
  // Every rejected StreamOrderEvents event is rejected alone: all-errors means nothing changed.
  if (methodName === 'StreamOrderEvents' && a.code === 0) {
    const acks = a.messages.map((b) => METHODS.StreamOrderEvents!.responseDeserialize(b) as { error: { details: Parameters<typeof decodeStatus>[0]['details']; code: number } | null });
    const reasons = acks.map((x) => (x.error ? decodeStatus(x.error).reason : undefined));
    if (acks.length > 0 && acks.every((x) => x.error) && reasons.every((r) => !RECORDED_REJECTIONS.has(r ?? ''))) {
      const after = await snapshot(involved);
      if (JSON.stringify(after) !== JSON.stringify(before)) found.push(`${label}: every event rejected but state changed`);
    }
  }
  problems.push(...found);
  return found.length === 0;
}

const short = (s: string, n = 400) => (s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s);

/** Runs a property with a seed derived from SEED; on failure, says how to replay it. */
async function property<T>(name: string, offset: number, numRuns: number, arb: fc.Arbitrary<T>, run: (v: T) => Promise<boolean>) {
  const seed = SEED + offset;
  problems.length = 0;
  const r = await fc.check(fc.asyncProperty(arb, run), { seed, numRuns: Math.max(1, Math.round(numRuns * SCALE)), endOnFailure: true });
  if (r.failed) {
    const example = short(JSON.stringify(r.counterexample, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)), 600);
    throw new Error(`fuzz "${name}" failed after ${r.numRuns} runs; replay with ORDERPOOL_FUZZ_SEED=${SEED} (property seed ${seed}, path ${r.counterexamplePath})\n`
      + `${problems.map((p) => short(p)).join('\n')}\ncounterexample: ${example}\n${r.errorInstance ? String((r.errorInstance as Error).stack ?? r.errorInstance) : ''}`);
  }
}

// ------------------------------------------------------------- arbitraries

const HUGE = [129, 1_000, 20_000, 60_000];
const idArb = (known: string[]): fc.Arbitrary<string> => fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom(...known) },
  { weight: 2, arbitrary: fc.constantFrom('', 'x'.repeat(127), 'x'.repeat(128), 'x'.repeat(129), 'Mé', '日本', 'a b', ' M1', 'M1 ', 'tab\t',
    'nul\0', 'M1\n', '\u202eM1', '😀', 'Ｍ１', '../../etc/passwd', '%s%n', '{"$gt":""}', '\\', '__proto__', 'constructor') },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 140 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom(...HUGE).map((n) => 'y'.repeat(n)) },
);
const textArb = fc.oneof(
  fc.constantFrom('', 'r'.repeat(511), 'r'.repeat(512), 'r'.repeat(513), 'ß'.repeat(512), '😀'.repeat(300), 'line\nbreak', 'nul\0', '\u0007bell'),
  fc.string({ unit: 'grapheme', maxLength: 60 }),
  fc.string({ unit: 'binary-ascii', maxLength: 60 }),
  fc.constantFrom(...HUGE).map((n) => 'z'.repeat(n)),
);
const currencyArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('USD', 'usd', 'Usd', 'EUR', 'JPY', 'KWD', 'XXX', 'XTS', 'US', 'USDD', '', '€€€', 'U$D', '   ', 'BTC', 'USD\0') },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 5 }) },
);
/** int64 fields go as decimal strings; the client wraps overflowing ones (as any client would put them on the wire). */
const int64Arb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('0', '1', '-1', '2', '100', '999', '1000', '10000000000000', '10000000000001', String(INT64_MAX),
    String(INT64_MIN), '9223372036854775808', '-9223372036854775809', '99999999999999999999999', '9007199254740993', '00001', '-0') },
  { weight: 2, arbitrary: fc.bigInt({ min: INT64_MIN, max: INT64_MAX }).map(String) },
  { weight: 2, arbitrary: fc.bigInt({ min: 1n, max: 5000n }).map(String) },
);
const moneyArb = fc.oneof(
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 4, arbitrary: fc.record({ currencyCode: currencyArb, minorUnits: int64Arb }) },
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 5000 }).map((n) => usd(n)) },
);
/** Mostly valid, sometimes anything: keeps the other fields valid often enough to reach the checks behind them. */
const mostly = <T>(valid: fc.Arbitrary<T>, any: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary: valid }, { weight: 1, arbitrary: any });
const int32Arb = fc.oneof(
  fc.constantFrom(-2147483648, -1, 0, 1, 2, 999, 1000, 1001, 9999, 10000, 10001, 2147483647),
  fc.integer({ min: -2147483648, max: 2147483647 }),
);
const pageTokenArb = fc.oneof(
  fc.constantFrom('', '!', '====', 'x'.repeat(5000), encodeToken({ s: -1 }), encodeToken({ s: 1.5 }), encodeToken({ s: 2 ** 60 }),
    encodeToken({ s: 1 }), encodeToken({ s: 2 }), encodeToken({ p: 0, f: 'F1' }), encodeToken({ l: '' }), encodeToken({ l: 'L1' }),
    encodeToken({ s: '1' }), Buffer.from('null').toString('base64url'), Buffer.from('[]').toString('base64url'),
    Buffer.from('"s"').toString('base64url'), Buffer.from('{"__proto__":{"s":1}}').toString('base64url'),
    Buffer.from('{"s":1e400}').toString('base64url')),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.uint8Array({ maxLength: 60 }).map((b) => Buffer.from(b).toString('base64url')),
  fc.record({ s: fc.integer(), p: fc.integer(), f: fc.string({ maxLength: 4 }), l: fc.string({ maxLength: 4 }) }, { requiredKeys: [] }).map(encodeToken),
);
const codeArb = fc.oneof(
  fc.constantFrom(CODE, '', '12345', '1234567', 'abcdef', '１２３４５６', '123456\n', ' 123456', '٠١٢٣٤٥'),
  fc.integer({ min: 0, max: 999_999 }).map((n) => String(n).padStart(6, '0')),
);
const durationArb = fc.option(fc.record({ seconds: int64Arb, nanos: int32Arb }), { nil: null });

function requestArbs(gatewayTarget: string): Record<string, fc.Arbitrary<Record<string, unknown>>> {
  const merchantId = idArb(K.merchants);
  const orderId = idArb(K.orders);
  const financingId = idArb([...K.financings, 'F-nope']);
  const lenderId = idArb([...K.lenders, 'LX']);
  // Only loopback or malformed targets: a fuzzed lender must not send anything off this machine.
  const targetArb = fc.constantFrom(gatewayTarget, '127.0.0.1:1', '', 'nohost', 'a b:1', 'localhost:99999', 'localhost:0', '[::1]:1',
    'x'.repeat(300), 'http://127.0.0.1:1', 'é:1', '127.0.0.1:123456', '127.0.0.1:-1', ':1');
  return {
    RecordOrder: fc.record({ merchantId, orderId, buyerId: idArb(['B1', 'B2']), amount: moneyArb }),
    CompleteOrder: fc.record({ merchantId, orderId }),
    RefundOrder: fc.record({ merchantId, orderId, reason: textArb }),
    RequestFinancing: fc.record({ merchantId, lenderId, amount: moneyArb, requestId: idArb(['R1', 'R2']) }),
    VerifyFinancing: fc.record({ merchantId, financingId, code: codeArb }),
    CancelFinancing: fc.record({ merchantId, financingId, reason: textArb }),
    ConfirmDisbursement: fc.record({ merchantId, financingId, lenderId, amount: moneyArb, lenderReference: idArb(['REF1']) }),
    DeclineFinancing: fc.record({ merchantId, financingId, lenderId, reason: textArb }),
    GetMerchant: fc.record({ merchantId }),
    GetOrder: fc.record({ merchantId, orderId }),
    GetFinancing: fc.record({ merchantId, financingId }),
    ListPoolOrders: fc.record({ merchantId, financingId, pageSize: int32Arb, pageToken: pageTokenArb }),
    ListMerchantEvents: fc.record({ merchantId, pageSize: int32Arb, pageToken: pageTokenArb }),
    WatchMerchant: fc.record({ merchantId, fromSequence: int64Arb }),
    UpsertLender: fc.record({
      lender: fc.option(fc.record({
        lenderId: idArb(['LF1', 'LF2', 'LV']),
        gatewayTarget: targetArb,
        advanceRateBps: mostly(fc.integer({ min: 1, max: 10_000 }), int32Arb),
        repaymentShareBps: mostly(fc.integer({ min: 1, max: 10_000 }), int32Arb),
        feeBps: mostly(fc.integer({ min: 0, max: 10_000 }), int32Arb),
        verificationThreshold: mostly(fc.constant(null), moneyArb),
        minCompletedOrders: mostly(fc.constantFrom('0', '1', '3'), int64Arb),
        maxRefundRateBps: fc.option(mostly(fc.integer({ min: 0, max: 10_000 }), int32Arb), { nil: undefined }),
        verificationTtl: mostly(fc.constant(null), durationArb),
        disbursementTimeout: mostly(fc.constant(null), durationArb),
      }, { requiredKeys: ['lenderId'] }), { nil: null }),
    }),
    GetLender: fc.record({ lenderId }),
    ListLenders: fc.record({ pageSize: int32Arb, pageToken: pageTokenArb }),
  };
}

/** A protobuf message built field by field: unknown field numbers, wrong wire types, huge varints, enum-like numbers. */
const handmadeProtobuf = fc.array(fc.record({
  field: fc.oneof(fc.integer({ min: 1, max: 12 }), fc.constantFrom(15, 16, 100, 536_870_911)),
  kind: fc.constantFrom('varint', 'fixed64', 'bytes', 'fixed32', 'enum', 'string'),
  n: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  bytes: fc.uint8Array({ maxLength: 40 }),
  text: fc.string({ unit: 'binary', maxLength: 30 }),
}), { maxLength: 8 }).map((fields) => {
  const w = pbWriter();
  for (const f of fields) {
    switch (f.kind) {
      case 'varint': w.uint32((f.field << 3) | 0).uint64(f.n.toString()); break;
      case 'enum': w.uint32((f.field << 3) | 0).int32(Number(f.n % 50n) - 5); break;
      case 'fixed64': w.uint32((f.field << 3) | 1).fixed64(f.n.toString()); break;
      case 'fixed32': w.uint32((f.field << 3) | 5).fixed32(Number(f.n & 0xffffffffn)); break;
      case 'bytes': w.uint32((f.field << 3) | 2).bytes(f.bytes); break;
      case 'string': w.uint32((f.field << 3) | 2).string(f.text); break;
    }
  }
  return Buffer.from(w.finish());
});

const pbWriter = () => protobuf.Writer.create();

/** The merchant ids a (possibly malformed) body names, when it decodes. */
function merchantsIn(methodName: string, body: Buffer): unknown[] {
  try {
    const req = METHODS[methodName]!.requestDeserialize(body) as Record<string, unknown>;
    const ev = req.record ?? req.complete ?? req.refund;
    return [req.merchantId, (ev as { merchantId?: unknown } | undefined)?.merchantId];
  } catch {
    return [];
  }
}

const isStreaming = (name: string) => Boolean(METHODS[name]!.responseStream);

// ------------------------------------------------------------- the tests

describe('fuzz: every RPC against a real server (bad input never crashes, always a proper status, rejected calls change nothing)', function () {
  this.timeout(120_000);

  before(async () => {
    let n = 0;
    h = await startHarness({ maxMessageBytes: MAX_MESSAGE, random: { newFinancingId: () => `F${++n}`, newCode: () => CODE } });
    session = http2.connect(`http://${h.server.address}`);
    session.on('error', () => undefined);
    await h.api.upsertLender({ lender: { ...LENDER, gatewayTarget: h.gw.target } });
    await h.api.upsertLender({ lender: { ...LENDER, lenderId: 'LV', gatewayTarget: h.gw.target, verificationThreshold: usd(1) } });
    for (const m of K.merchants) {
      for (const o of K.orders) await h.api.recordOrder({ merchantId: m, orderId: o, buyerId: 'B1', amount: usd(1000) });
    }
    // M1: NOTIFIED; M2: AWAITING_VERIFICATION; M3: SETTLING; MIDLE: idle.
    const f1 = await h.api.requestFinancing({ merchantId: 'M1', lenderId: 'L1', amount: usd(2000), requestId: 'R1' });
    const f2 = await h.api.requestFinancing({ merchantId: 'M2', lenderId: 'LV', amount: usd(2000), requestId: 'R1' });
    const f3 = await h.api.requestFinancing({ merchantId: 'M3', lenderId: 'L1', amount: usd(3000), requestId: 'R1' });
    await h.api.confirmDisbursement({ merchantId: 'M3', financingId: f3.financingId, lenderId: 'L1', amount: f3.approved, lenderReference: 'REF1' });
    expect([f1.state, f2.state]).to.deep.equal(['FINANCING_STATE_NOTIFIED', 'FINANCING_STATE_AWAITING_VERIFICATION']);
    K.financings.push(f1.financingId, f2.financingId, f3.financingId);
  });

  after(async () => {
    // eslint-disable-next-line no-console
    console.log(`      fuzz: ${cases} cases, seed ${SEED}`);
    if (process.env.ORDERPOOL_FUZZ_VERBOSE) {
      // eslint-disable-next-line no-console
      for (const [k, n] of [...tally].sort((x, y) => y[1] - x[1])) console.log(`        ${String(n).padStart(4)}  ${k}`);
    }
    session?.close();
    await h?.stop();
  });

  it('typed requests to every unary RPC: random and boundary fields', async () => {
    const arbs = requestArbs(h.gw.target);
    const unary = METHOD_NAMES.filter((m) => !isStreaming(m) && !METHODS[m]!.requestStream);
    expect(unary).to.have.length(16);
    const caseArb = fc.constantFrom(...unary).chain((m) => arbs[m]!.map((req) => ({ m, req })));
    await property('unary', 1, 220, caseArb, async ({ m, req }) => {
      const body = Buffer.from(METHODS[m]!.requestSerialize(req));
      return runCase(`${m} ${JSON.stringify(req).slice(0, 300)}`, m, METHODS[m]!.path, frame(body), [req.merchantId], { expect: (a) => accepted(m, a) });
    });
  });

  it('WatchMerchant: random and boundary fields (a live stream counts as an answer)', async () => {
    const arb = requestArbs(h.gw.target).WatchMerchant!;
    await property('watch', 2, 25, arb, async (req) => {
      const body = Buffer.from(METHODS.WatchMerchant!.requestSerialize(req));
      return runCase(`WatchMerchant ${JSON.stringify(req).slice(0, 300)}`, 'WatchMerchant', METHODS.WatchMerchant!.path, frame(body),
        [req.merchantId], { liveAfterMs: 150 });
    });
  });

  it('StreamOrderEvents: batches of random events, each acked in order', async () => {
    const arbs = requestArbs(h.gw.target);
    const eventArb = fc.oneof(
      arbs.RecordOrder!.map((record) => ({ record })),
      arbs.CompleteOrder!.map((complete) => ({ complete })),
      arbs.RefundOrder!.map((refund) => ({ refund })),
      fc.constant({}),
    );
    await property('stream', 3, 25, fc.array(eventArb, { maxLength: 8 }), async (events) => {
      const body = Buffer.concat(events.map((ev) => frame(Buffer.from(METHODS.StreamOrderEvents!.requestSerialize(ev)))));
      const involved = events.map((ev) => (Object.values(ev)[0] as { merchantId?: string } | undefined)?.merchantId);
      return runCase(`StreamOrderEvents ${JSON.stringify(events).slice(0, 300)}`, 'StreamOrderEvents', METHODS.StreamOrderEvents!.path, body, involved, {
        expect: (a) => {
          if (a.code === 8 && events.some((ev) => METHODS.StreamOrderEvents!.requestSerialize(ev).length > MAX_MESSAGE)) return null;
          if (a.code !== 0) return `stream answered ${a.code} ${a.message}`;
          const idx = a.messages.map((b) => (METHODS.StreamOrderEvents!.responseDeserialize(b) as { index: string }).index);
          return JSON.stringify(idx) === JSON.stringify(events.map((_, i) => String(i))) ? null : `acks ${JSON.stringify(idx)} for ${events.length} events`;
        },
      });
    });
  });

  it('random bytes and hand-built protobuf as the body of every method', async () => {
    const valid = requestArbs(h.gw.target);
    const bodyArb = fc.constantFrom(...METHOD_NAMES).chain((m) => fc.oneof(
      fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b)),
      handmadeProtobuf,
      // A valid request with a few bytes flipped, cut short, or with junk appended.
      (m === 'StreamOrderEvents' ? fc.constant(Buffer.from(METHODS[m]!.requestSerialize({ record: { merchantId: 'M1', orderId: 'O1', buyerId: 'B1', amount: usd(1000) } })))
        : valid[m]!.map((req) => Buffer.from(METHODS[m]!.requestSerialize(req))))
        .chain((b) => fc.record({ at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }), cut: fc.nat(), junk: fc.uint8Array({ maxLength: 8 }), how: fc.constantFrom('flip', 'cut', 'junk') })
          .map(({ at, xor, cut, junk, how }) => {
            const c = Buffer.from(b);
            if (how === 'flip' && c.length > 0) c[at % c.length] = c[at % c.length]! ^ xor;
            if (how === 'cut') return c.subarray(0, c.length === 0 ? 0 : cut % c.length);
            if (how === 'junk') return Buffer.concat([c, Buffer.from(junk)]);
            return c;
          })),
    ).map((body) => ({ m, body })));
    await property('bytes', 4, 90, bodyArb, async ({ m, body }) =>
      runCase(`${m} bytes ${body.toString('hex').slice(0, 200)}`, m, METHODS[m]!.path, frame(body), merchantsIn(m, body),
        { liveAfterMs: isStreaming(m) ? 150 : undefined }));
  });

  it('oversized messages: just below the limit (our INVALID_ARGUMENT) and above it (RESOURCE_EXHAUSTED)', async () => {
    const arb = fc.record({
      m: fc.constantFrom(...METHOD_NAMES),
      over: fc.boolean(),
      extra: fc.integer({ min: 1, max: 3 * MAX_MESSAGE }),
      randomBytes: fc.boolean(),
    });
    await property('oversized', 5, 16, arb, async ({ m, over, extra, randomBytes }) => {
      const size = over ? MAX_MESSAGE + extra : MAX_MESSAGE - 16;
      let body: Buffer;
      if (randomBytes) body = Buffer.alloc(size, 0xa5);
      else {
        // A huge id in the first string field (merchant_id, or lender_id / lender.lender_id).
        const huge = 'x'.repeat(size);
        const req = m === 'UpsertLender' ? { lender: { lenderId: huge } } : m === 'StreamOrderEvents' ? { record: { merchantId: huge } }
          : m === 'ListLenders' ? { pageToken: huge } : { merchantId: huge, lenderId: huge };
        body = Buffer.from(METHODS[m]!.requestSerialize(req));
      }
      return runCase(`${m} ${body.length}-byte ${randomBytes ? 'junk' : 'message'}`, m, METHODS[m]!.path, frame(body), [], {
        liveAfterMs: isStreaming(m) ? 150 : undefined,
        expect: (a) => (body.length > MAX_MESSAGE && a.code !== 8 ? `a ${body.length}-byte message answered ${a.code}, not RESOURCE_EXHAUSTED` : null),
      });
    });
  });

  it('broken framing: unknown methods, no message, two messages, truncated frames, compression flags', async () => {
    const getMerchant = frame(Buffer.from(METHODS.GetMerchant!.requestSerialize({ merchantId: 'M1' })));
    const watch = frame(Buffer.from(METHODS.WatchMerchant!.requestSerialize({ merchantId: 'M1', fromSequence: '1' })));
    const list: [string, string, string | null, Buffer, Record<string, string>?][] = [
      ['unknown method', '/orderpool.v1.OrderPoolService/Nope', null, getMerchant],
      ['unknown service', '/orderpool.v9.Nope/GetMerchant', null, getMerchant],
      ['unary without a message', METHODS.GetMerchant!.path, 'GetMerchant', Buffer.alloc(0)],
      ['unary with two messages', METHODS.GetMerchant!.path, 'GetMerchant', Buffer.concat([getMerchant, getMerchant])],
      ['server stream without a message', METHODS.WatchMerchant!.path, 'WatchMerchant', Buffer.alloc(0)],
      ['server stream with two messages', METHODS.WatchMerchant!.path, 'WatchMerchant', Buffer.concat([watch, watch])],
      ['truncated frame (length says more)', METHODS.GetMerchant!.path, 'GetMerchant', getMerchant.subarray(0, getMerchant.length - 2)],
      ['half a frame header', METHODS.GetMerchant!.path, 'GetMerchant', Buffer.from([0, 0])],
      ['compressed flag without grpc-encoding', METHODS.GetMerchant!.path, 'GetMerchant', frame(Buffer.from(METHODS.GetMerchant!.requestSerialize({ merchantId: 'M1' })), 1)],
      ['unsupported grpc-encoding', METHODS.GetMerchant!.path, 'GetMerchant', frame(Buffer.from('junk'), 1), { 'grpc-encoding': 'br' }],
      ['stream: valid event then garbage', METHODS.StreamOrderEvents!.path, 'StreamOrderEvents',
        Buffer.concat([frame(Buffer.from(METHODS.StreamOrderEvents!.requestSerialize({ complete: { merchantId: 'MIDLE', orderId: 'nope' } }))), frame(Buffer.from([0xff, 0xff, 0xff]))])],
    ];
    problems.length = 0;
    for (const [label, path, m, body, headers] of list) await runCase(label, m, path, body, [], { headers, liveAfterMs: 300 });
    expect(problems, problems.join('\n')).to.deep.equal([]);
  });

  it('left nothing behind: no watcher still subscribed, the fixture merchants still readable', async () => {
    for (let i = 0; i < 50 && h.server.core.hub.watchers() > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(h.server.core.hub.watchers()).to.equal(0);
    for (const m of K.merchants) expect(Number((await h.api.getMerchant({ merchantId: m })).lastSequence)).to.be.greaterThan(0);
  });
});
