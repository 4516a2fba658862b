/**
 * npm run crash-test -- [--seed N] [--cycles 20] [--merchants 12] [--workers 16] [--verbose] [--keep]
 *
 * Issue 4, "Crash safety": drives mixed load against the real server (a child
 * process, `src/main.ts`) — many merchants, financings driven into every
 * state (verified, confirmed, declined, cancelled, expired, rejected, repaid),
 * completions, refunds, request_id replays and WatchMerchant watchers — and
 * kills it at random moments: mostly kill -9 with commands in flight,
 * sometimes at the instant an effect reaches the lender, sometimes SIGTERM
 * (which must drain and exit 0). One lender's gateway is down for whole
 * cycles. After every restart it checks, through the API only:
 *
 *  - every acknowledged command is in the journal (ListMerchantEvents) and
 *    visible (GetOrder / GetFinancing): acknowledged = durable;
 *  - DESIGN.md invariants 1-4 for every merchant and financing (pool total,
 *    outstanding = approved + fee - repaid >= 0, repaid <= approved + fee and
 *    = the repayments of its completed orders, an order in at most one pool),
 *    from the journal and from GetMerchant / GetFinancing / ListPoolOrders;
 *  - journals gapless 1..last_sequence, and every event a watcher saw is in
 *    the journal at that sequence (watchers saw consecutive sequences across
 *    restarts);
 * and after the last cycle, with every gateway up: every effect the journal
 * implies reached its lender or the notifier, the deduplicated repayments
 * per financing equal repaid (each repaid order exactly once), and no
 * idempotency key carried two different payloads. Prints a summary; exits 1
 * on any violation.
 *
 * Seeded: the merchants' choices, amounts, kill points (counted in
 * acknowledged commands), kill kinds and gateway outages come from --seed.
 * The exact interleaving with the server's own timing cannot be replayed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { errorInfoOf } from '../src/api/status';
import { startFakeGateway, type FakeGateway } from '../src/testing/fake-lender';
import { allEvents, allPoolOrders, type Clients } from '../src/testing/client';
import { startServerProcess, type ServerProcess } from '../src/testing/server-process';
import { Prng } from '../src/testing/sim/prng';
import type { Financing__Output } from '../src/generated/orderpool/v1/Financing';
import type { MerchantEvent__Output } from '../src/generated/orderpool/v1/MerchantEvent';
import type { Order__Output } from '../src/generated/orderpool/v1/Order';

// ------------------------------------------------------------------ options

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i !== -1) return process.argv[i + 1];
  const eq = process.argv.find((a) => a.startsWith(`--${name}=`));
  return eq?.slice(name.length + 3);
}
const flag = (name: string) => process.argv.includes(`--${name}`);
const intOption = (name: string, dflt: number) => {
  const v = option(name);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got ${v}`);
  return n;
};

const SEED = intOption('seed', Date.now() % 1_000_000_000);
const CYCLES = intOption('cycles', 20);
const MERCHANTS = Math.max(1, intOption('merchants', 12));
const WORKERS = Math.max(1, intOption('workers', 16));
const VERBOSE = flag('verbose');
const KEEP = flag('keep');

// ------------------------------------------------------------------ helpers

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const big = (m: { minorUnits: string } | null | undefined) => BigInt(m?.minorUnits ?? '0');
const money = (currency: string, minor: bigint) => ({ currencyCode: currency, minorUnits: String(minor) });
const short = (s: string) => s.replace(/^(ORDER_STATE_|FINANCING_STATE_|MERCHANT_EVENT_TYPE_)/, '');
const tsMs = (t: { seconds: string; nanos: number } | null | undefined) => (t ? Number(t.seconds) * 1000 + Math.floor(t.nanos / 1e6) : 0);
const ENDED = new Set(['REPAID', 'REJECTED', 'DECLINED', 'CANCELLED', 'EXPIRED']);
/** Answers that say nothing about a command's outcome (overload, the server going away). */
const TRANSIENT = new Set(['FINANCING_IN_PROGRESS', 'MAILBOX_FULL', 'SHARD_BUSY', 'STORE_UNAVAILABLE', 'SHUTTING_DOWN', 'UNAVAILABLE', 'CANCELLED', 'DEADLINE_EXCEEDED']);
const AFTER_VERIFY = new Set(['NOTIFIED', 'SETTLING', 'REPAID', 'DECLINED', 'CANCELLED', 'EXPIRED']);

/** A fixed 1-in-n choice per id (the same on every visit), e.g. a lender that never confirms this financing. */
function sticky(id: string, n: number): boolean {
  let h = 2166136261;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619);
  return (h >>> 0) % n === 0;
}

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}
function debug(line: string): void {
  if (VERBOSE) process.stdout.write(`  . ${line}\n`);
}

const violations: string[] = [];
function violation(v: string): void {
  violations.push(v);
  log(`  VIOLATION ${v}`);
}

// ------------------------------------------------------------------ model

type OrderState = 'OPEN' | 'POOLED' | 'COMPLETED' | 'REFUNDED';

interface TrackedOrder {
  id: string;
  currency: string;
  amount: bigint;
  recordAcked: boolean;
  completeAcked: boolean;
  refundAcked: boolean;
  /** Last state the script learned (answers, journal); undefined = unknown. */
  state: OrderState | undefined;
}

interface FinancingFact {
  fid: string;
  states: ReadonlySet<string> | null;
  by: string;
}

interface RequestSpec {
  rid: string;
  lenderId: string;
  currency: string;
  amount: bigint;
  /** The first acknowledged answer (a financing id, or a committed rejection). */
  answer?: { fid: string; reason?: string };
}

interface Watcher {
  call: grpc.ClientReadableStream<MerchantEvent__Output>;
  closed: boolean;
}

interface TrackedMerchant {
  id: string;
  orders: Map<string, TrackedOrder>;
  requests: RequestSpec[];
  facts: FinancingFact[];
  nextOrder: number;
  nextRequest: number;
  busy: boolean;
  watched: boolean;
  /** Every event a watcher received: sequence -> type. */
  seen: Map<number, string>;
  watchLast: number;
  watcher?: Watcher;
}

const merchants: TrackedMerchant[] = Array.from({ length: MERCHANTS }, (_, i) => ({
  id: `CT-M${String(i).padStart(2, '0')}`,
  orders: new Map(),
  requests: [],
  facts: [],
  nextOrder: 1,
  nextRequest: 1,
  busy: false,
  watched: i % 2 === 0,
  seen: new Map(),
  watchLast: 0,
}));

const stats = {
  acked: 0,
  ackedByKind: {} as Record<string, number>,
  errors: {} as Record<string, number>,
  inFlightAtKills: [] as number[],
  kills: { sigkill: 0, atDelivery: 0, sigterm: 0 },
  watchStreams: 0,
  watchEvents: 0,
  flakyDownCycles: 0,
  deliveredWhileFlakyDown: 0,
  lives: 0,
};

// ------------------------------------------------------------------ lenders

interface LenderSetup {
  id: string;
  gw: () => FakeGateway;
  weight: number;
}

let gwMain: FakeGateway;
let gwFlaky: FakeGateway;
const LENDERS: LenderSetup[] = [
  { id: 'CT-L-plain', gw: () => gwMain, weight: 35 },
  { id: 'CT-L-verify', gw: () => gwMain, weight: 30 },
  { id: 'CT-L-flaky', gw: () => gwFlaky, weight: 20 },
  { id: 'CT-L-slow', gw: () => gwMain, weight: 15 },
];
const gatewayOf = (lenderId: string) => (LENDERS.find((l) => l.id === lenderId) ?? LENDERS[0]!).gw();

async function upsertLenders(api: Clients): Promise<void> {
  await api.upsertLender({ lender: { lenderId: 'CT-L-plain', gatewayTarget: gwMain.target, advanceRateBps: 8000, repaymentShareBps: 5000, feeBps: 200, minCompletedOrders: '0' } });
  await api.upsertLender({
    lender: {
      lenderId: 'CT-L-verify', gatewayTarget: gwMain.target, advanceRateBps: 7000, repaymentShareBps: 10000, feeBps: 150, minCompletedOrders: '0',
      verificationThreshold: money('USD', 3000n), verificationTtl: { seconds: '20', nanos: 0 }, disbursementTimeout: { seconds: '60', nanos: 0 },
    },
  });
  await api.upsertLender({
    lender: { lenderId: 'CT-L-flaky', gatewayTarget: gwFlaky.target, advanceRateBps: 6000, repaymentShareBps: 4000, feeBps: 100, minCompletedOrders: '2', maxRefundRateBps: 3000 },
  });
  await api.upsertLender({
    lender: { lenderId: 'CT-L-slow', gatewayTarget: gwMain.target, advanceRateBps: 5000, repaymentShareBps: 3000, feeBps: 50, minCompletedOrders: '0', disbursementTimeout: { seconds: '2', nanos: 0 } },
  });
}

// ------------------------------------------------------------------ server lives

const usedPorts = new Set<number>();
let dataDir = '';

async function startLife(): Promise<ServerProcess> {
  stats.lives++;
  return startServerProcess({
    dataDir,
    usedPorts,
    args: ['--notifier', gwMain.target, '--log-level', 'warn', '--retry-max', '300ms', '--max-mailbox', '64'],
  });
}

function reasonOf(e: unknown): string {
  const err = e as grpc.ServiceError;
  return errorInfoOf(err)?.reason ?? `${grpc.status[err.code] ?? err.code}`;
}

function isStatus(e: unknown, code: grpc.status): boolean {
  return (e as grpc.ServiceError)?.code === code;
}

// ------------------------------------------------------------------ watchers

function openWatchers(api: Clients, dying: () => boolean): void {
  for (const m of merchants) {
    if (!m.watched || m.orders.size === 0 || (m.watcher && !m.watcher.closed)) continue;
    const call = api.raw.watchMerchant({ merchantId: m.id, fromSequence: String(m.watchLast + 1) }, api.metadata());
    const w: Watcher = { call, closed: false };
    m.watcher = w;
    stats.watchStreams++;
    call.on('data', (ev: MerchantEvent__Output) => {
      const seq = Number(ev.sequence);
      stats.watchEvents++;
      if (seq !== m.watchLast + 1) violation(`${m.id}: watcher got sequence ${seq} after ${m.watchLast} (gap or repeat)`);
      m.watchLast = seq;
      m.seen.set(seq, ev.type);
    });
    call.on('error', (e: grpc.ServiceError) => {
      w.closed = true;
      if (!dying() && e.code !== grpc.status.CANCELLED && e.code !== grpc.status.UNAVAILABLE && e.code !== grpc.status.NOT_FOUND) {
        violation(`${m.id}: watcher ended with ${grpc.status[e.code]} ${reasonOf(e)}: ${e.message}`);
      }
    });
    call.on('end', () => void (w.closed = true));
  }
}

function closeWatchers(): void {
  for (const m of merchants) {
    if (m.watcher && !m.watcher.closed) m.watcher.call.cancel();
    m.watcher = undefined;
  }
}

// ------------------------------------------------------------------ load

interface Load {
  done: Promise<void>;
  inFlight(): number;
  acked(): number;
}

function startLoad(api: Clients, rng: Prng, stopped: () => boolean): Load {
  let inFlight = 0;
  let acked = 0;
  const ack = (kind: string) => {
    acked++;
    stats.acked++;
    stats.ackedByKind[kind] = (stats.ackedByKind[kind] ?? 0) + 1;
  };

  async function act(m: TrackedMerchant, r: Prng): Promise<void> {
    let merchant;
    try {
      merchant = await api.getMerchant({ merchantId: m.id });
    } catch (e) {
      if (!isStatus(e, grpc.status.NOT_FOUND)) throw e;
    }
    const f = merchant?.activeFinancing ?? null;
    const state = f ? short(f.state) : 'NONE';
    // Some financings are left to run out their deadline: nobody verifies or confirms, cancels or declines them.
    const leftToExpire = f !== null && ((state === 'NOTIFIED' && f.lenderId === 'CT-L-slow' && sticky(f.financingId, 2)) || (state === 'AWAITING_VERIFICATION' && sticky(f.financingId, 6)));
    const kind = !merchant ? 'record'
      : leftToExpire ? r.weighted({ record: 60, complete: 40 })
        : state === 'NONE' ? r.weighted({ record: 40, complete: 20, refund: 6, request: 26, replay: 4 })
        : state === 'AWAITING_VERIFICATION' ? r.weighted({ verify: 60, cancel: 6, record: 20, complete: 14 })
          : state === 'NOTIFIED' ? r.weighted({ confirm: 58, decline: 6, cancel: 5, record: 17, complete: 14 })
            : r.weighted({ complete: 55, refund: 10, record: 30, confirm: 5 });
    const pickOrder = (prefer: OrderState | undefined): TrackedOrder | undefined => {
      const live = [...m.orders.values()].filter((o) => o.state === 'OPEN' || o.state === 'POOLED');
      const preferred = prefer ? live.filter((o) => o.state === prefer) : [];
      const from = preferred.length > 0 && r.chance(0.8) ? preferred : live;
      return from.length > 0 ? r.pick(from) : undefined;
    };

    switch (kind) {
      case 'record': {
        const o: TrackedOrder = {
          id: `${m.id}-o${m.nextOrder++}`, currency: r.chance(0.95) ? 'USD' : 'EUR', amount: r.big(500, 5000),
          recordAcked: false, completeAcked: false, refundAcked: false, state: undefined,
        };
        m.orders.set(o.id, o);
        const res = await api.recordOrder({ merchantId: m.id, orderId: o.id, buyerId: `B${r.int(1, 20)}`, amount: money(o.currency, o.amount) });
        o.recordAcked = true;
        o.state = short(res.state) as OrderState;
        ack('record');
        return;
      }
      case 'complete':
      case 'refund': {
        const o = pickOrder(state === 'SETTLING' ? 'POOLED' : undefined);
        if (!o) return;
        const before = o.state;
        o.state = undefined;
        try {
          const res = kind === 'complete'
            ? await api.completeOrder({ merchantId: m.id, orderId: o.id })
            : await api.refundOrder({ merchantId: m.id, orderId: o.id, reason: 'crash-test' });
          o.state = short(res.state) as OrderState;
          if (kind === 'complete') o.completeAcked = true;
          else o.refundAcked = true;
          ack(kind);
        } catch (e) {
          if (isStatus(e, grpc.status.FAILED_PRECONDITION)) o.state = reasonOf(e) === 'ORDER_COMPLETED' ? 'COMPLETED' : 'REFUNDED';
          else if (isStatus(e, grpc.status.NOT_FOUND)) o.state = before;
          throw e;
        }
        return;
      }
      case 'request':
      case 'replay': {
        let spec: RequestSpec;
        const old = m.requests.filter((q) => q.answer);
        if (kind === 'replay' && old.length > 0) spec = r.pick(old);
        else {
          const usd = merchant!.openOrderTotals.find((t) => t.currencyCode === 'USD');
          const open = big(usd);
          const amount = open > 0n ? (open * BigInt(r.int(30, 100))) / 125n + 1n : r.big(500, 5000);
          spec = { rid: `${m.id}-r${m.nextRequest++}`, lenderId: r.weighted(Object.fromEntries(LENDERS.map((l) => [l.id, l.weight]))), currency: 'USD', amount };
          m.requests.push(spec);
        }
        try {
          const res = await api.requestFinancing({ merchantId: m.id, lenderId: spec.lenderId, amount: money(spec.currency, spec.amount), requestId: spec.rid });
          if (spec.answer && (spec.answer.reason || spec.answer.fid !== res.financingId)) {
            violation(`${m.id}: request ${spec.rid} replayed as ${res.financingId}, first answered ${spec.answer.reason ?? spec.answer.fid}`);
          }
          spec.answer ??= { fid: res.financingId };
          m.facts.push({ fid: res.financingId, states: null, by: `request ${spec.rid}` });
          ack(kind);
        } catch (e) {
          const reason = reasonOf(e);
          const fid = errorInfoOf(e as grpc.ServiceError)?.metadata.financing_id ?? '';
          if (['NOT_ELIGIBLE', 'INSUFFICIENT_ORDERS', 'CURRENCY_NOT_SUPPORTED'].includes(reason)) {
            if (spec.answer && (spec.answer.reason !== reason || spec.answer.fid !== fid)) {
              violation(`${m.id}: request ${spec.rid} replayed as ${reason}, first answered ${spec.answer.reason ?? spec.answer.fid}`);
            }
            spec.answer ??= { fid, reason };
            m.facts.push({ fid, states: new Set(['REJECTED']), by: `request ${spec.rid} (${reason})` });
          } else if (spec.answer && !stopped() && !TRANSIENT.has(reason)) {
            violation(`${m.id}: request ${spec.rid} replayed as ${reason}, first answered ${spec.answer.reason ?? spec.answer.fid}`);
          }
          throw e;
        }
        return;
      }
      case 'verify': {
        const fid = f!.financingId;
        const real = gwMain.codes.get(fid);
        if (!real && r.chance(0.8)) return; // wait for the code to arrive
        const code = real && r.chance(0.85) ? real : String(r.int(0, 999_999)).padStart(6, '0');
        try {
          await api.verifyFinancing({ merchantId: m.id, financingId: fid, code });
          m.facts.push({ fid, states: AFTER_VERIFY, by: `verify ${fid}` });
          ack('verify');
        } catch (e) {
          const reason = reasonOf(e);
          if (reason === 'VERIFICATION_EXPIRED') m.facts.push({ fid, states: new Set(['EXPIRED']), by: `verify ${fid} (expired)` });
          if (reason === 'VERIFICATION_ATTEMPTS_EXHAUSTED') m.facts.push({ fid, states: new Set(['CANCELLED']), by: `verify ${fid} (exhausted)` });
          throw e;
        }
        return;
      }
      case 'confirm': {
        if (!f || state !== 'NOTIFIED') return;
        const fid = f.financingId;
        // A lender confirms only what it was told to disburse.
        const gw = gatewayOf(f.lenderId);
        if (!gw.calls.some((c) => c.method === 'AuthorizeDisbursement' && c.financingId === fid)) return;
        try {
          await api.confirmDisbursement({ merchantId: m.id, financingId: fid, lenderId: f.lenderId, amount: f.approved, lenderReference: `wire-${fid}` });
          m.facts.push({ fid, states: new Set(['SETTLING', 'REPAID']), by: `confirm ${fid}` });
          ack('confirm');
        } catch (e) {
          if (reasonOf(e) === 'DISBURSEMENT_EXPIRED') m.facts.push({ fid, states: new Set(['EXPIRED']), by: `confirm ${fid} (expired)` });
          throw e;
        }
        return;
      }
      case 'decline': {
        const fid = f!.financingId;
        await api.declineFinancing({ merchantId: m.id, financingId: fid, lenderId: f!.lenderId, reason: 'crash-test' });
        m.facts.push({ fid, states: new Set(['DECLINED']), by: `decline ${fid}` });
        ack('decline');
        return;
      }
      case 'cancel': {
        const fid = f!.financingId;
        await api.cancelFinancing({ merchantId: m.id, financingId: fid });
        m.facts.push({ fid, states: new Set(['CANCELLED']), by: `cancel ${fid}` });
        ack('cancel');
        return;
      }
    }
  }

  const worker = async (r: Prng) => {
    while (!stopped()) {
      const free = merchants.filter((m) => !m.busy);
      if (free.length === 0) {
        await sleep(1);
        continue;
      }
      const m = r.pick(free);
      m.busy = true;
      inFlight++;
      try {
        await act(m, r);
      } catch (e) {
        const reason = reasonOf(e);
        stats.errors[reason] = (stats.errors[reason] ?? 0) + 1;
        const err = e as grpc.ServiceError;
        if (!stopped() && (err.code === grpc.status.INTERNAL || err.code === grpc.status.UNKNOWN || err.code === undefined || !errorInfoOf(err))) {
          violation(`${m.id}: unexpected error before any kill: ${err.code} ${err.message}`);
        }
      } finally {
        m.busy = false;
        inFlight--;
      }
    }
  };
  const done = Promise.all(Array.from({ length: WORKERS }, () => worker(rng.fork()))).then(() => undefined);
  return { done, inFlight: () => inFlight, acked: () => acked };
}

// ------------------------------------------------------------------ checks

/** A merchant's state folded from its journal. */
interface Folded {
  events: MerchantEvent__Output[];
  orders: Map<string, Order__Output>;
  financings: Map<string, Financing__Output>;
}

/** Every financing state any journal event showed. */
const statesReached = new Set<string>();

function fold(events: MerchantEvent__Output[]): Folded {
  const orders = new Map<string, Order__Output>();
  const financings = new Map<string, Financing__Output>();
  for (const ev of events) {
    if (ev.order) orders.set(ev.order.orderId, ev.order);
    if (ev.financing) {
      financings.set(ev.financing.financingId, ev.financing);
      statesReached.add(short(ev.financing.state));
    }
  }
  return { events, orders, financings };
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  }));
  return out;
}

/**
 * Everything acknowledged is there; invariants 1-4; gapless journals that
 * match what watchers saw. The server keeps running meanwhile (deadlines fire
 * on their own), so a merchant is read until two GetMerchant calls around the
 * reads agree on last_sequence; what is true of any journal prefix (acknowledged
 * commands, invariants, watchers) is checked on every read, what compares the
 * journal with the other reads only on a stable one.
 */
async function verify(api: Clients, rng: Prng): Promise<Map<string, Folded>> {
  const result = new Map<string, Folded>();
  await mapLimit(merchants, 4, async (m) => {
    for (let attempt = 1; ; attempt++) {
      const r = await checkMerchant(api, m, rng);
      if (!r) return;
      if (r.stable || attempt === 5) {
        for (const v of r.always) violation(v);
        for (const v of r.ifStable) violation(r.stable ? v : `${v} (the merchant kept changing during 5 reads)`);
        result.set(m.id, r.folded);
        for (const o of m.orders.values()) {
          const j = r.folded.orders.get(o.id);
          o.state = j ? (short(j.state) as OrderState) : undefined;
        }
        return;
      }
    }
  });
  return result;
}

async function checkMerchant(api: Clients, m: TrackedMerchant, rng: Prng): Promise<{ stable: boolean; always: string[]; ifStable: string[]; folded: Folded } | undefined> {
  const always: string[] = [];
  const ifStable: string[] = [];
  const where = (x: string) => `${m.id}: ${x}`;
  const ackedOrders = [...m.orders.values()].filter((o) => o.recordAcked);
  let merchant;
  try {
    merchant = await api.getMerchant({ merchantId: m.id });
  } catch (e) {
    if (!isStatus(e, grpc.status.NOT_FOUND)) throw e;
    if (ackedOrders.length > 0) violation(where(`merchant lost (NOT_FOUND) with ${ackedOrders.length} acknowledged orders`));
    return undefined;
  }
  const seen = new Map(m.seen); // what watchers had seen before the journal was read
  const events = await allEvents(api, m.id);
  const f = fold(events);

  // Gapless journal; watchers' events are in it.
  const bad = events.findIndex((ev, i) => Number(ev.sequence) !== i + 1);
  if (bad !== -1) always.push(where(`journal has sequence ${events[bad]!.sequence} at position ${bad + 1}`));
  if (events.length < Number(merchant.lastSequence)) always.push(where(`journal has ${events.length} events, last_sequence was already ${merchant.lastSequence}`));
  for (const [seq, type] of seen) {
    const ev = events[seq - 1];
    if (!ev || ev.type !== type) always.push(where(`watcher saw event ${seq} ${short(type)}, the journal has ${ev ? short(ev.type) : 'nothing'}`));
  }

  // Acknowledged commands are in the journal.
  for (const o of m.orders.values()) {
    const j = f.orders.get(o.id);
    if (o.recordAcked && !j) always.push(where(`acknowledged RecordOrder ${o.id} is not in the journal`));
    if (j && big(j.amount) !== o.amount) always.push(where(`order ${o.id} amount ${big(j.amount)} != recorded ${o.amount}`));
    if (o.completeAcked && j?.state !== 'ORDER_STATE_COMPLETED') always.push(where(`acknowledged CompleteOrder ${o.id} lost: ${j?.state}`));
    if (o.refundAcked && j?.state !== 'ORDER_STATE_REFUNDED') always.push(where(`acknowledged RefundOrder ${o.id} lost: ${j?.state}`));
  }
  for (const fact of m.facts) {
    const fin = f.financings.get(fact.fid);
    if (!fin) always.push(where(`acknowledged ${fact.by}: financing ${fact.fid} is not in the journal`));
    else if (fact.states && !fact.states.has(short(fin.state))) always.push(where(`acknowledged ${fact.by}: financing ${fact.fid} is ${short(fin.state)}`));
  }
  for (const o of f.orders.keys()) if (!m.orders.has(o)) always.push(where(`journal holds order ${o} that was never sent`));

  // Invariants 1-4 from the journal.
  const live = [...f.financings.values()].filter((fin) => !ENDED.has(short(fin.state)));
  if (live.length > 1) always.push(where(`${live.length} live financings at once: ${live.map((x) => x.financingId).join(', ')}`));
  const pooledIds = new Map<string, string>();
  for (const fin of f.financings.values()) {
    const id = `financing ${fin.financingId} (${short(fin.state)})`;
    const approved = big(fin.approved);
    const fee = big(fin.fee);
    const repaid = big(fin.repaid);
    const outstanding = big(fin.outstanding);
    if (outstanding !== approved + fee - repaid) always.push(where(`I2 ${id}: outstanding ${outstanding} != ${approved} + ${fee} - ${repaid}`));
    if (outstanding < 0n) always.push(where(`I2 ${id}: outstanding ${outstanding} < 0`));
    if (repaid > approved + fee) always.push(where(`I3 ${id}: repaid ${repaid} > approved + fee ${approved + fee}`));
    const mine = [...f.orders.values()].filter((o) => o.financingId === fin.financingId);
    const routed = mine.filter((o) => o.state === 'ORDER_STATE_COMPLETED').reduce((sum, o) => sum + big(o.repayment), 0n);
    if (routed !== repaid) always.push(where(`I3 ${id}: repaid ${repaid} != repayments of its completed orders ${routed}`));
    const pooled = mine.filter((o) => o.state === 'ORDER_STATE_POOLED');
    const poolTotal = pooled.reduce((sum, o) => sum + big(o.amount), 0n);
    if (poolTotal !== big(fin.poolTotal) || String(pooled.length) !== fin.poolOrderCount) {
      always.push(where(`I1 ${id}: pool total ${big(fin.poolTotal)} (${fin.poolOrderCount} orders) != pooled orders ${poolTotal} (${pooled.length})`));
    }
    if (ENDED.has(short(fin.state)) && pooled.length > 0) always.push(where(`I4 ${id}: ended with ${pooled.length} pooled orders`));
    for (const o of pooled) {
      const prior = pooledIds.get(o.orderId);
      if (prior) always.push(where(`I4 order ${o.orderId} in the pools of ${prior} and ${fin.financingId}`));
      pooledIds.set(o.orderId, fin.financingId);
    }
  }
  for (const o of f.orders.values()) {
    if (o.state === 'ORDER_STATE_POOLED' && !live.some((x) => x.financingId === o.financingId)) always.push(where(`I4 pooled order ${o.orderId} is in ${o.financingId}, not a live pool`));
  }

  // The other reads agree with the journal (when nothing happened in between).
  const active = merchant.activeFinancing;
  if ((active?.financingId ?? '') !== (live[0]?.financingId ?? '')) ifStable.push(where(`GetMerchant's active financing ${active?.financingId ?? 'none'} != the journal's ${live[0]?.financingId ?? 'none'}`));
  const all = [...f.orders.values()];
  const count = (st: string) => String(all.filter((o) => o.state === st).length);
  if (merchant.ordersRecorded !== String(all.length) || merchant.ordersCompleted !== count('ORDER_STATE_COMPLETED') || merchant.ordersRefunded !== count('ORDER_STATE_REFUNDED')) {
    ifStable.push(where(`GetMerchant counts ${merchant.ordersRecorded}/${merchant.ordersCompleted}/${merchant.ordersRefunded} != journal ${all.length}/${count('ORDER_STATE_COMPLETED')}/${count('ORDER_STATE_REFUNDED')}`));
  }
  const fids = [...f.financings.keys()];
  const sample = fids.length <= 6 ? fids : [...(active ? [active.financingId] : []), ...Array.from({ length: 5 }, () => rng.pick(fids))];
  for (const fid of new Set(sample)) {
    const got = await api.getFinancing({ merchantId: m.id, financingId: fid });
    const j = f.financings.get(fid);
    if (!j) continue;
    for (const k of ['state', 'poolOrderCount'] as const) if (got[k] !== j[k]) ifStable.push(where(`GetFinancing ${fid} ${k} ${got[k]} != journal ${j[k]}`));
    for (const k of ['approved', 'fee', 'repaid', 'outstanding', 'poolTotal'] as const) {
      if (big(got[k]) !== big(j[k])) ifStable.push(where(`GetFinancing ${fid} ${k} ${big(got[k])} != journal ${big(j[k])}`));
    }
  }
  if (active) {
    const pool = await allPoolOrders(api, m.id, active.financingId);
    const want = all.filter((o) => o.state === 'ORDER_STATE_POOLED' && o.financingId === active.financingId).map((o) => o.orderId).sort();
    const got = pool.map((o) => o.orderId).sort();
    if (want.join(',') !== got.join(',')) ifStable.push(where(`ListPoolOrders ${active.financingId} [${got.length}] != journal's pooled orders [${want.length}]`));
    if (pool.reduce((sum, o) => sum + big(o.amount), 0n) !== big(active.poolTotal)) ifStable.push(where(`ListPoolOrders ${active.financingId} does not add up to its pool_total`));
  }
  const picks = all.length <= 8 ? all : Array.from({ length: 8 }, () => rng.pick(all));
  for (const j of picks) {
    const o = await api.getOrder({ merchantId: m.id, orderId: j.orderId });
    if (o.state !== j.state || big(o.repayment) !== big(j.repayment) || o.financingId !== j.financingId) ifStable.push(where(`GetOrder ${j.orderId} differs from the journal`));
  }
  const after = await api.getMerchant({ merchantId: m.id });
  const stable = after.lastSequence === merchant.lastSequence && String(events.length) === merchant.lastSequence;
  return { stable, always, ifStable, folded: f };
}

/** Effects the journal implies, by idempotency key, except repayments (checked by order). */
function expectedEffects(merchantId: string, events: MerchantEvent__Output[]): { key: string; lenderId: string; notifier: boolean; expireAt: number }[] {
  const out: { key: string; lenderId: string; notifier: boolean; expireAt: number }[] = [];
  const lastState = new Map<string, string>();
  for (const ev of events) {
    const type = short(ev.type);
    const fin = ev.financing;
    const key = (method: string) => `${merchantId}:${ev.sequence}:${method}`;
    if (fin) {
      const prior = lastState.get(fin.financingId);
      if (type === 'DISBURSEMENT_AUTHORIZED') out.push({ key: key('AuthorizeDisbursement'), lenderId: fin.lenderId, notifier: false, expireAt: 0 });
      if (type === 'VERIFICATION_REQUESTED') out.push({ key: key('SendVerificationCode'), lenderId: '', notifier: true, expireAt: tsMs(fin.verificationExpireTime) });
      // Coverage alerts go only to a lender already told of the financing (NOTIFIED or SETTLING).
      if ((type === 'COVERAGE_LOST' || type === 'COVERAGE_RESTORED') && ['NOTIFIED', 'SETTLING'].includes(short(fin.state))) out.push({ key: key('ReceiveCoverageAlert'), lenderId: fin.lenderId, notifier: false, expireAt: 0 });
      if (type === 'FINANCING_REPAID' || ((type === 'FINANCING_CANCELLED' || type === 'FINANCING_EXPIRED') && prior === 'NOTIFIED')) {
        out.push({ key: key('ReceiveFinancingClosed'), lenderId: fin.lenderId, notifier: false, expireAt: 0 });
      }
      lastState.set(fin.financingId, short(fin.state));
    }
  }
  return out;
}

/** After the last cycle, with every gateway up: every effect arrived, repayments add up, no key with two payloads. */
async function checkDelivery(folded: Map<string, Folded>, only: (gw: FakeGateway) => boolean = () => true): Promise<{ keys: number; calls: number; repayments: number }> {
  const expected: { key: string; gw: FakeGateway; expireAt: number; detail: string }[] = [];
  const owed: { merchantId: string; fid: string; gw: FakeGateway; repaid: bigint; orders: Map<string, bigint> }[] = [];
  for (const [merchantId, f] of folded) {
    for (const e of expectedEffects(merchantId, f.events)) {
      const seq = Number(e.key.split(':')[1]);
      const around = f.events.slice(Math.max(0, seq - 4), seq + 1).map((ev) => `${ev.sequence} ${short(ev.type)} ${ev.financing ? `${ev.financing.financingId.slice(0, 12)} ${short(ev.financing.state)}` : ''}`).join('; ');
      expected.push({ key: e.key, gw: e.notifier ? gwMain : gatewayOf(e.lenderId), expireAt: e.expireAt, detail: `lender ${e.lenderId || 'notifier'}; journal ${around}` });
    }
    for (const fin of f.financings.values()) {
      const orders = new Map<string, bigint>();
      for (const o of f.orders.values()) if (o.financingId === fin.financingId && o.state === 'ORDER_STATE_COMPLETED' && big(o.repayment) > 0n) orders.set(o.orderId, big(o.repayment));
      owed.push({ merchantId, fid: fin.financingId, gw: gatewayOf(fin.lenderId), repaid: big(fin.repaid), orders });
    }
  }
  const missing = () => expected.filter((e) => only(e.gw) && !e.gw.byKey.has(e.key) && !(e.expireAt > 0 && Date.now() >= e.expireAt));
  const unpaid = () => owed.filter((o) => only(o.gw) && o.gw.repaidTo(o.fid) !== o.repaid);
  const until = Date.now() + 60_000;
  while ((missing().length > 0 || unpaid().length > 0) && Date.now() < until) await sleep(50);
  await sleep(500); // anything arriving late would be a double payment
  for (const e of missing()) {
    const elsewhere = [gwMain, gwFlaky].filter((gw) => gw.byKey.has(e.key) || gw.calls.some((c) => c.idempotencyKey === e.key)).length;
    violation(`effect ${e.key} never reached its gateway${elsewhere ? ' (it reached another one)' : ''}${e.detail ? `: ${e.detail}` : ''}`);
  }
  for (const o of unpaid()) violation(`${o.merchantId}: I3 financing ${o.fid} repaid ${o.repaid} but its lender received ${o.gw.repaidTo(o.fid)} (deduplicated)`);
  let repayments = 0;
  for (const o of owed.filter((x) => only(x.gw))) {
    const calls = [...o.gw.byKey.values()].filter((c) => c.method === 'ReceiveRepayment' && c.merchantId === o.merchantId && c.financingId === o.fid);
    repayments += calls.length;
    const paid = calls.flatMap((c) => c.request.orderIds as string[]);
    if (new Set(paid).size !== paid.length) violation(`${o.fid}: an order repaid under two idempotency keys`);
    if ([...paid].sort().join(',') !== [...o.orders.keys()].sort().join(',')) violation(`${o.fid}: orders repaid at the lender [${paid.length}] != completed pooled orders that repaid [${o.orders.size}]`);
    for (const c of calls) {
      const sum = (c.request.orderIds as string[]).reduce((s, id) => s + (o.orders.get(id) ?? 0n), 0n);
      if (big(c.request.amount as { minorUnits: string }) !== sum) violation(`${c.idempotencyKey}: amount != its orders' repayments ${sum}`);
    }
  }
  for (const gw of [gwMain, gwFlaky]) for (const k of gw.conflicts) violation(`idempotency key ${k} arrived with two different payloads`);
  return { keys: gwMain.byKey.size + gwFlaky.byKey.size, calls: gwMain.calls.length + gwFlaky.calls.length, repayments };
}

// ------------------------------------------------------------------ main

async function main(): Promise<number> {
  const t0 = Date.now();
  // Independent streams, so that what the checks draw (which depends on how
  // much the server got done) never shifts the plan or the load.
  const planRng = new Prng(SEED);
  const loadRng = new Prng(SEED ^ 0x5bd1e995);
  const checkRng = new Prng(SEED ^ 0x2545f491);
  const plan = Array.from({ length: CYCLES }, () => ({
    flakyDown: planRng.chance(0.35),
    kind: planRng.weighted({ sigkill: 70, atDelivery: 15, sigterm: 15 }),
    target: planRng.int(40, 260),
  }));
  log(`crash-test: seed ${SEED}, ${CYCLES} cycles, ${MERCHANTS} merchants, ${WORKERS} workers`);
  gwMain = await startFakeGateway();
  gwFlaky = await startFakeGateway();
  dataDir = mkdtempSync(path.join(tmpdir(), 'orderpool-crash-test-'));
  let life = await startLife();
  let lastFolded = new Map<string, Folded>();
  try {
    await upsertLenders(life.api);

    for (let cycle = 1; cycle <= CYCLES; cycle++) {
      const c0 = Date.now();
      const { flakyDown, kind, target } = plan[cycle - 1]!;
      gwFlaky.down = flakyDown;
      if (flakyDown) stats.flakyDownCycles++;
      const mainBefore = gwMain.calls.length;
      let dying = false;
      openWatchers(life.api, () => dying);

      const load = startLoad(life.api, loadRng.fork(), () => dying);
      const until = Date.now() + 10_000;
      while ((load.acked() < target || load.inFlight() === 0) && Date.now() < until) await sleep(2);

      const child = life.child;
      const kill = (signal: NodeJS.Signals) => {
        if (dying) return;
        dying = true;
        stats.inFlightAtKills.push(load.inFlight());
        child.kill(signal);
      };
      if (kind === 'atDelivery') {
        // Die the instant an effect reaches a lender, before the server hears back.
        const hook = (gw: FakeGateway) => {
          const prior = gw.onCall;
          gw.onCall = (c) => {
            prior?.(c);
            if (c.method !== 'SendVerificationCode' && !dying) {
              debug(`killing as ${c.method} ${c.idempotencyKey} reaches the lender`);
              kill('SIGKILL');
            }
          };
          return () => (gw.onCall = prior);
        };
        const unhook = [hook(gwMain), hook(gwFlaky)];
        const deadline = Date.now() + 3000;
        while (!dying && Date.now() < deadline) await sleep(2);
        for (const u of unhook) u();
      }
      kill(kind === 'sigterm' ? 'SIGTERM' : 'SIGKILL');
      const exit = await Promise.race([life.exited, sleep(20_000).then(() => undefined)]);
      if (!exit) {
        violation(`cycle ${cycle}: the server did not exit within 20 s of ${kind === 'sigterm' ? 'SIGTERM' : 'SIGKILL'}`);
        child.kill('SIGKILL');
        await life.exited;
      } else if (kind === 'sigterm' && (exit.code !== 0 || exit.signal)) {
        violation(`cycle ${cycle}: SIGTERM drain exited with code ${exit.code} signal ${exit.signal}:\n${life.output.slice(-5).join('')}`);
      } else if (kind !== 'sigterm' && exit.signal !== 'SIGKILL') {
        violation(`cycle ${cycle}: the server exited on its own (${exit.code}) before the kill:\n${life.output.slice(-5).join('')}`);
      }
      stats.kills[kind]++;
      await load.done;
      closeWatchers();
      life.api.close();
      if (flakyDown) stats.deliveredWhileFlakyDown += gwMain.calls.length - mainBefore;

      life = await startLife();
      lastFolded = await verify(life.api, checkRng);
      const events = [...lastFolded.values()].reduce((n, f) => n + f.events.length, 0);
      log(`cycle ${String(cycle).padStart(2)}: ${kind.padEnd(10)} after ${String(load.acked()).padStart(3)} acks, ${String(stats.inFlightAtKills[stats.inFlightAtKills.length - 1]).padStart(2)} in flight` +
        `${flakyDown ? ', CT-L-flaky down' : ''}; restarted, checked ${events} events: ${violations.length} violation(s) so far (${Date.now() - c0} ms)`);
      debug(`acked so far ${JSON.stringify(stats.ackedByKind)}; error answers so far ${JSON.stringify(stats.errors)}`);
    }

    // One stuck lender holds up no one: with CT-L-flaky down, commands go on
    // and everything bound elsewhere is delivered.
    gwFlaky.down = true;
    openWatchers(life.api, () => false);
    let stopLoad = false;
    const finalLoad = startLoad(life.api, loadRng.fork(), () => stopLoad);
    const loadUntil = Date.now() + 10_000;
    while (finalLoad.acked() < 150 && Date.now() < loadUntil) await sleep(5);
    stopLoad = true;
    await finalLoad.done;
    if (finalLoad.acked() < 150) violation(`only ${finalLoad.acked()} commands answered in 10 s while CT-L-flaky was down`);
    lastFolded = await verify(life.api, checkRng);
    await checkDelivery(lastFolded, (gw) => gw !== gwFlaky);
    log(`stuck lender: ${finalLoad.acked()} commands acked and every effect for the other lenders and the notifier delivered while CT-L-flaky was down`);

    // Everything up: let delivery finish, then check it end to end (again
    // after a pause: deadlines may have fired meanwhile, and the watchers
    // must have seen every event).
    gwFlaky.down = false;
    await checkDelivery(lastFolded);
    await sleep(300);
    lastFolded = await verify(life.api, checkRng);
    const delivered = await checkDelivery(lastFolded);
    closeWatchers();

    // SIGTERM drains and exits 0.
    life.api.close();
    life.child.kill('SIGTERM');
    const exit = await Promise.race([life.exited, sleep(20_000).then(() => undefined)]);
    if (!exit || exit.code !== 0) violation(`final SIGTERM: ${exit ? `exit code ${exit.code} signal ${exit.signal}` : 'no exit within 20 s'}`);

    const byState: Record<string, number> = {};
    for (const f of lastFolded.values()) for (const fin of f.financings.values()) byState[short(fin.state)] = (byState[short(fin.state)] ?? 0) + 1;
    const events = [...lastFolded.values()].reduce((n, f) => n + f.events.length, 0);
    log('');
    log(`crash-test summary (seed ${SEED}):`);
    log(`  cycles:             ${CYCLES} (${stats.kills.sigkill} kill -9 under load, ${stats.kills.atDelivery} kill -9 as an effect reached a lender, ${stats.kills.sigterm} SIGTERM drains); ${stats.lives} server lives`);
    log(`  commands acked:     ${stats.acked} ${JSON.stringify(stats.ackedByKind)}; requests in flight at the kills: ${stats.inFlightAtKills.reduce((a, b) => a + b, 0)}`);
    log(`  error answers:      ${JSON.stringify(stats.errors)}`);
    log(`  journal:            ${events} events over ${lastFolded.size} merchants; financings at the end ${JSON.stringify(byState)}`);
    log(`  states reached:     ${[...statesReached].sort().join(', ')}`);
    log(`  watchers:           ${stats.watchStreams} streams, ${stats.watchEvents} events, all consecutive`);
    log(`  effects delivered:  ${delivered.keys} distinct idempotency keys (${delivered.calls} calls with duplicates), ${delivered.repayments} repayment calls; ` +
      `${stats.deliveredWhileFlakyDown} calls reached the other lenders during ${stats.flakyDownCycles} cycle(s) with CT-L-flaky down`);
    log(`  violations:         ${violations.length}`);
    log(`  time:               ${Math.round((Date.now() - t0) / 1000)} s`);
    if (violations.length > 0) log(`rerun with: npm run crash-test -- --seed ${SEED} --cycles ${CYCLES} --merchants ${MERCHANTS}`);
    return violations.length > 0 ? 1 : 0;
  } finally {
    closeWatchers();
    life.api.close();
    if (!life.isDead()) {
      life.child.kill('SIGKILL');
      await life.exited;
    }
    await gwMain.stop();
    await gwFlaky.stop();
    if (KEEP) log(`data dir kept: ${dataDir}`);
    else rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`crash-test failed: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(2);
  },
);
