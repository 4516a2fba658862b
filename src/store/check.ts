/**
 * Offline reading and consistency checking of a stopped store (what
 * `orderpool inspect` and `orderpool restore` run). It reads the key layout
 * documented at the top of ./level-store.ts directly, restores every merchant
 * the way the router does (snapshot + orders + journal tail) and checks
 * DESIGN.md's invariants with src/domain/invariants.ts, plus what only the
 * store can show:
 *   - the journal is numbered 1..n without gaps and the snapshot is at some
 *     s <= n; the events after it leave the machine in the snapshot's state
 *     with the snapshot's active financing: only such commands may skip the
 *     snapshot write (src/runtime/router.ts);
 *   - replaying the journal from #1 gives the state the snapshot restores to;
 *   - every financing record (active or ended) keeps I2/I3, and the repaid
 *     amount of each financing (the restored one, for the active financing) is
 *     the sum of the repayments of its completed orders;
 *   - the stored active financing is the snapshot's (both are written
 *     together);
 *   - no order, event, financing or outbox row belongs to a merchant that has
 *     no snapshot.
 * It writes nothing.
 */
import type { ClassicLevel } from 'classic-level';
import { decode } from './codec';
import { decodeEvent, EventRow, fullFinancingOf, resolveEvents } from './journal';
import type { MerchantSnapshot } from '../domain/merchant';
import { Merchant } from '../domain/merchant';
import { checkFinancing, checkMerchant, fingerprint } from '../domain/invariants';
import type { Effect, Financing, Lender, MerchantEvent, Order } from '../domain/types';
import type { RequestRecord } from './store';

const SEP = '\x00';
const END = '\x01';

type Db = ClassicLevel<string, string>;

const range = (prefix: string) => ({ gte: prefix + SEP, lt: prefix + END });
const merchantRange = (kind: string, m: string) => ({ gte: `${kind}${SEP}${m}${SEP}`, lt: `${kind}${SEP}${m}${END}` });

export interface OutboxEntry {
  key: string;
  effect: Effect;
}

export interface TimerEntry {
  deadline: number;
  merchantId: string;
  financingId: string;
}

/** Everything the store holds for one merchant. */
export interface MerchantDump {
  merchantId: string;
  snapshot: MerchantSnapshot | undefined;
  events: MerchantEvent[];
  orders: Order[];
  financings: Financing[];
  requests: { requestId: string; record: RequestRecord }[];
  outbox: OutboxEntry[];
  timers: TimerEntry[];
}

export interface Violation {
  merchantId: string;
  message: string;
}

export interface StoreReport {
  merchants: number;
  orders: number;
  events: number;
  financings: number;
  requests: number;
  lenders: number;
  outboxRows: number;
  timers: number;
  violations: Violation[];
}

async function* entries(db: Db, r: { gte: string; lt: string }): AsyncGenerator<[string, string]> {
  for await (const kv of db.iterator(r)) yield kv as [string, string];
}

/** The part of a key after "<kind>\0<merchant>\0". */
const rest = (key: string) => key.slice(key.indexOf(SEP, 2) + 1);

export async function listMerchants(db: Db): Promise<string[]> {
  const out: string[] = [];
  for await (const key of db.keys(range('s'))) out.push(key.slice(2));
  return out;
}

export async function listLenders(db: Db): Promise<Lender[]> {
  const out: Lender[] = [];
  for await (const v of db.values(range('l'))) out.push(decode<Lender>(v));
  return out;
}

export async function listOutbox(db: Db): Promise<OutboxEntry[]> {
  const out: OutboxEntry[] = [];
  for await (const [key, v] of entries(db, range('x'))) out.push({ key, effect: decode<Effect>(v) });
  return out;
}

export async function listTimers(db: Db): Promise<TimerEntry[]> {
  const out: TimerEntry[] = [];
  for await (const [key, financingId] of entries(db, range('t'))) {
    const [, deadline, merchantId] = key.split(SEP);
    out.push({ deadline: Number(deadline), merchantId: merchantId ?? '', financingId });
  }
  return out;
}

/** Reads everything of one merchant (its outbox rows and deadlines by a scan of those ranges). */
/**
 * The stored financing records with the active one brought up to date by the
 * journal after the snapshot: commands that leave the machine where it was
 * skip writing both (src/runtime/router.ts), and each event carries the
 * financing as it is after it.
 */
export function currentFinancings(snapshot: MerchantSnapshot | undefined, events: Iterable<MerchantEvent>, financings: Financing[]): Financing[] {
  const active = snapshot?.machine.financing;
  if (!snapshot || !active) return financings;
  let current = active;
  for (const ev of events) if (ev.seq > snapshot.seq && ev.financing?.financingId === active.financingId) current = ev.financing;
  return financings.map((f) => (f.financingId === active.financingId ? current : f));
}

export async function dumpMerchant(db: Db, merchantId: string): Promise<MerchantDump> {
  const raw = await db.get(`s${SEP}${merchantId}`);
  const d: MerchantDump = {
    merchantId,
    snapshot: raw === undefined ? undefined : decode<MerchantSnapshot>(raw),
    events: [],
    orders: [],
    financings: [],
    requests: [],
    outbox: [],
    timers: [],
  };
  for await (const v of db.values(merchantRange('o', merchantId))) d.orders.push(decode<Order>(v));
  for await (const { event } of journalOf(db, merchantId, d.orders)) d.events.push(event);
  for await (const v of db.values(merchantRange('f', merchantId))) d.financings.push(decode<Financing>(v));
  for await (const [key, v] of entries(db, merchantRange('r', merchantId))) d.requests.push({ requestId: rest(key), record: decode<RequestRecord>(v) });
  d.outbox = (await listOutbox(db)).filter((r) => r.effect.merchantId === merchantId);
  d.timers = (await listTimers(db)).filter((t) => t.merchantId === merchantId);
  return d;
}

/**
 * A merchant's journal in key order, each row's references met
 * (./journal.ts): orders from `orders`, a base from the last row read that
 * holds a settling financing in full (a writer refers to its last such row),
 * else read by key. Throws at a reference that cannot be met.
 */
async function* journalOf(db: Db, merchantId: string, orders: Order[]): AsyncGenerator<{ seqOfKey: number; event: MerchantEvent }> {
  let byId: Map<string, Order> | undefined;
  let lastBase: MerchantEvent | undefined;
  for await (const [key, v] of entries(db, merchantRange('e', merchantId))) {
    const row = decodeEvent(v);
    let event = row as MerchantEvent;
    if (row instanceof EventRow) {
      byId ??= new Map(orders.map((o) => [o.orderId, o]));
      const b = row.baseSeq;
      let base: MerchantEvent | EventRow | undefined = lastBase;
      if (b !== undefined && base?.seq !== b) {
        const raw = await db.get(`e${SEP}${merchantId}${SEP}${String(b).padStart(12, '0')}`);
        base = raw === undefined ? undefined : decodeEvent(raw);
      }
      event = resolveEvents([row], (id) => byId!.get(id), () => base)[0]!;
    }
    if (event.financing?.state === 'SETTLING' && fullFinancingOf(row) !== undefined) lastBase = event;
    yield { seqOfKey: Number(rest(key)), event };
  }
}

const show = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}` : x));

/**
 * Checks one merchant's records. `journal` yields its events in key order
 * (streamed, so a long journal is never held whole); `seqOfKey` is the
 * sequence in each event's key.
 */
export async function checkMerchantRecords(
  merchantId: string,
  snapshot: MerchantSnapshot,
  orders: Order[],
  financings: Financing[],
  journal: AsyncIterable<{ seqOfKey: number; event: MerchantEvent }> | Iterable<{ seqOfKey: number; event: MerchantEvent }>,
): Promise<string[]> {
  const v: string[] = [];
  if (snapshot.merchantId !== merchantId) v.push(`snapshot names merchant ${snapshot.merchantId}`);

  // The journal: 1..n without gaps; replay it from scratch as it streams by.
  const replayed = new Merchant(merchantId);
  let replayError = '';
  const tail: MerchantEvent[] = [];
  let expected = 1;
  let last = 0;
  for await (const { seqOfKey, event } of journal) {
    if (seqOfKey !== expected) {
      v.push(seqOfKey > expected ? `journal: events #${expected}..#${seqOfKey - 1} are missing` : `journal: event #${seqOfKey} is out of order`);
    }
    if (event.seq !== seqOfKey) v.push(`journal: the event stored at #${seqOfKey} says #${event.seq}`);
    if (event.merchantId !== merchantId) v.push(`journal: event #${seqOfKey} names merchant ${event.merchantId}`);
    expected = seqOfKey + 1;
    last = seqOfKey;
    if (seqOfKey > snapshot.seq) tail.push(event);
    if (!replayError) {
      try {
        replayed.apply(structuredClone(event));
      } catch (e) {
        replayError = `journal replay failed at #${seqOfKey}: ${e instanceof Error ? e.message : String(e)}`;
      }
    }
  }
  if (snapshot.seq > last) v.push(`snapshot is at #${snapshot.seq} but the journal ends at #${last}`);

  // Restore the way the router does: snapshot + orders + journal tail.
  let m: Merchant;
  try {
    m = Merchant.restore(structuredClone(snapshot), orders.map((o) => structuredClone(o)));
    const snapshotFinancing = snapshot.machine.financing?.financingId;
    let moved = false;
    for (const ev of tail) {
      m.apply(structuredClone(ev));
      if (!moved && (m.state !== snapshot.machine.value || m.active?.financingId !== snapshotFinancing)) {
        moved = true; // the first such event says it; the rest follow from it
        v.push(`journal: event #${ev.seq} (${ev.type}) moves the machine from the snapshot's ${snapshot.machine.value}` +
          `${snapshotFinancing ? ` (financing ${snapshotFinancing})` : ''} after the snapshot at #${snapshot.seq}`);
      }
    }
  } catch (e) {
    v.push(`restore failed: ${e instanceof Error ? e.message : String(e)}`);
    return v;
  }
  for (const o of orders) if (o.merchantId !== merchantId) v.push(`order ${o.orderId} names merchant ${o.merchantId}`);
  v.push(...checkMerchant(m));
  if (replayError) v.push(replayError);
  else if (fingerprint(replayed) !== fingerprint(m)) v.push('journal replay from #1 does not give the state the snapshot and orders restore to');

  // Financing records, active and ended.
  const repaidByOrders = new Map<string, bigint>();
  for (const o of orders) {
    if (o.state === 'COMPLETED' && o.financingId) repaidByOrders.set(o.financingId, (repaidByOrders.get(o.financingId) ?? 0n) + o.repayment);
  }
  const active = m.active;
  let activeStored = false;
  for (const f of financings) {
    v.push(...checkFinancing(f).map((s) => `stored ${s}`));
    const isActive = active !== null && f.financingId === active.financingId;
    const current = isActive ? active : f;
    const routed = repaidByOrders.get(f.financingId) ?? 0n;
    if (routed !== current.repaid) v.push(`I3 financing ${f.financingId}: repaid ${current.repaid} != ${routed} routed by its completed orders`);
    if (isActive) {
      activeStored = true;
      const inSnapshot = snapshot.machine.financing;
      if (!inSnapshot || show(f) !== show(inSnapshot)) v.push(`financing ${f.financingId}: the stored record differs from the snapshot's active financing`);
    }
  }
  if (active && !activeStored) v.push(`active financing ${active.financingId} has no stored record`);
  for (const id of repaidByOrders.keys()) {
    if (!financings.some((f) => f.financingId === id)) v.push(`completed orders name financing ${id}, which has no stored record`);
  }
  return v;
}

/** Checks one dumped merchant (for `inspect --merchant`). */
export async function checkDump(d: MerchantDump): Promise<string[]> {
  if (!d.snapshot) {
    const held = d.events.length + d.orders.length + d.financings.length;
    return held > 0 ? [`no snapshot, but ${d.events.length} events, ${d.orders.length} orders and ${d.financings.length} financings`] : [];
  }
  return checkMerchantRecords(d.merchantId, d.snapshot, d.orders, d.financings, d.events.map((e) => ({ seqOfKey: e.seq, event: e })));
}

/** Checks the whole store, one merchant at a time. */
export async function checkStore(db: Db, onMerchant?: (done: number, total: number) => void): Promise<StoreReport> {
  const report: StoreReport = { merchants: 0, orders: 0, events: 0, financings: 0, requests: 0, lenders: 0, outboxRows: 0, timers: 0, violations: [] };
  const ids = await listMerchants(db);
  const known = new Set(ids);
  report.merchants = ids.length;

  let done = 0;
  for (const merchantId of ids) {
    const snapshot = decode<MerchantSnapshot>((await db.get(`s${SEP}${merchantId}`))!);
    const orders: Order[] = [];
    for await (const v of db.values(merchantRange('o', merchantId))) orders.push(decode<Order>(v));
    const financings: Financing[] = [];
    for await (const v of db.values(merchantRange('f', merchantId))) financings.push(decode<Financing>(v));
    let messages: string[];
    try {
      messages = await checkMerchantRecords(merchantId, snapshot, orders, financings, journalOf(db, merchantId, orders));
    } catch (e) {
      messages = [e instanceof Error ? e.message : String(e)]; // a journal row whose references cannot be met
    }
    for (const message of messages) report.violations.push({ merchantId, message });
    onMerchant?.(++done, ids.length);
  }

  // Counts, and records of merchants without a snapshot.
  const orphans = new Map<string, Set<string>>();
  const count = async (kind: string, what: string): Promise<number> => {
    let n = 0;
    for await (const key of db.keys(range(kind))) {
      n++;
      const m = key.slice(2, key.indexOf(SEP, 2));
      if (!known.has(m)) {
        const s = orphans.get(m) ?? new Set<string>();
        s.add(what);
        orphans.set(m, s);
      }
    }
    return n;
  };
  report.events = await count('e', 'events');
  report.orders = await count('o', 'orders');
  report.financings = await count('f', 'financings');
  report.requests = await count('r', 'request answers');
  for (const [m, what] of orphans) report.violations.push({ merchantId: m, message: `${[...what].join(', ')} stored without a merchant snapshot` });
  report.lenders = (await listLenders(db)).length;
  const outbox = await listOutbox(db);
  report.outboxRows = outbox.length;
  for (const r of outbox) {
    if (r.effect.merchantId && !known.has(r.effect.merchantId)) {
      report.violations.push({ merchantId: r.effect.merchantId, message: `outbox row ${r.key.slice(2)} (${r.effect.method}) for a merchant without a snapshot` });
    }
  }
  report.timers = (await listTimers(db)).length;
  return report;
}
