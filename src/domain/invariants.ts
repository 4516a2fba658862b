/**
 * Executable DESIGN.md invariants, for tests (and for debugging a live
 * merchant through `router.read`). Every function returns a list of
 * violations, empty when the state is fine; none of them mutates anything.
 *
 *  checkMerchant   I1, I2, I3 (first half), I4 and the derived book-keeping
 *                  (open totals, history counts, machine state vs financing)
 *                  on one in-memory Merchant;
 *  checkFinancing  I2 and I3 (first half) on any financing record, including
 *                  an ended one read from the store;
 *  checkReplay     journal replay: applying the events to a fresh Merchant
 *                  gives the same state;
 *  checkRestore    Merchant.restore(snapshot, orders) gives the same state
 *                  (what the router does when it loads a merchant).
 */
import { covers, shareOf } from './money';
import { Merchant } from './merchant';
import type { MachineStateName } from './merchant-machine';
import type { Financing, FinancingStatus, MerchantEvent } from './types';

/** The machine state each financing state lives in while it is active. */
const MACHINE_OF: Record<FinancingStatus, MachineStateName | null> = {
  COLLECTING: 'collecting',
  TOTALING: 'totaling',
  AWAITING_VERIFICATION: 'awaiting_verification',
  NOTIFIED: 'notified',
  SETTLING: 'settling',
  REPAID: null,
  REJECTED: null,
  DECLINED: null,
  CANCELLED: null,
  EXPIRED: null,
};

/** States in which the financing has a pool that top-ups and new orders join. */
const POOLING: ReadonlySet<FinancingStatus> = new Set(['AWAITING_VERIFICATION', 'NOTIFIED', 'SETTLING']);

/** JSON with bigints as "123n" (comparison and messages only). */
function encode(value: unknown): string {
  return JSON.stringify(value, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x));
}

/** I2 and the first half of I3 on one financing record (active or ended). */
export function checkFinancing(f: Financing): string[] {
  const v: string[] = [];
  const id = `financing ${f.financingId} (${f.state})`;
  if (f.outstanding !== f.approved + f.fee - f.repaid) {
    v.push(`I2 ${id}: outstanding ${f.outstanding} != approved ${f.approved} + fee ${f.fee} - repaid ${f.repaid}`);
  }
  if (f.outstanding < 0n) v.push(`I2 ${id}: outstanding ${f.outstanding} < 0`);
  if (f.repaid < 0n) v.push(`I3 ${id}: repaid ${f.repaid} < 0`);
  if (f.repaid > f.approved + f.fee) v.push(`I3 ${id}: repaid ${f.repaid} > approved ${f.approved} + fee ${f.fee}`);
  if (f.poolTotal < 0n) v.push(`I1 ${id}: pool total ${f.poolTotal} < 0`);
  if (f.poolOrderCount < 0) v.push(`I1 ${id}: pool order count ${f.poolOrderCount} < 0`);
  if (f.approved < 0n || f.approved > f.requested) v.push(`${id}: approved ${f.approved} outside 0..requested ${f.requested}`);
  if (f.fee !== shareOf(f.approved, f.feeBps)) v.push(`${id}: fee ${f.fee} != floor(approved ${f.approved} x ${f.feeBps} bps)`);
  if (f.repaid > 0n && f.state !== 'SETTLING' && f.state !== 'REPAID') v.push(`${id}: repaid ${f.repaid} without a disbursement`);
  if (MACHINE_OF[f.state] === null && (f.poolTotal !== 0n || f.poolOrderCount !== 0)) {
    v.push(`I4 ${id}: ended with a pool of ${f.poolOrderCount} orders totalling ${f.poolTotal}`);
  }
  if (f.state === 'REPAID' && f.outstanding !== 0n) v.push(`${id}: repaid with outstanding ${f.outstanding}`);
  if (f.state === 'SETTLING' && f.outstanding === 0n) v.push(`${id}: settling with nothing outstanding`);
  return v;
}

/** I1, I2, I3 (first half), I4 and the derived book-keeping of one merchant. */
export function checkMerchant(m: Merchant): string[] {
  const v: string[] = [];
  const f = m.active;

  // The machine and the active financing agree.
  if (!f) {
    if (m.state !== 'idle') v.push(`machine is ${m.state} without an active financing`);
  } else {
    if (MACHINE_OF[f.state] !== m.state) v.push(`machine is ${m.state} but the active financing is ${f.state}`);
    if (f.merchantId !== m.merchantId) v.push(`active financing belongs to merchant ${f.merchantId}`);
    v.push(...checkFinancing(f));
  }

  // I1 and I4, from the pool's side.
  let poolTotal = 0n;
  for (const id of m.pool) {
    const o = m.orders.get(id);
    if (!o) {
      v.push(`I4 pool holds unknown order ${id}`);
      continue;
    }
    poolTotal += o.amount;
    if (o.state !== 'POOLED') v.push(`I4 ${o.state} order ${id} is in the pool`);
    if (!f) v.push(`I4 order ${id} is in a pool with no active financing`);
    else {
      if (o.financingId !== f.financingId) v.push(`I4 pooled order ${id} names financing ${o.financingId}, active is ${f.financingId}`);
      if (o.currency !== f.currency) v.push(`pooled order ${id} is in ${o.currency}, financing in ${f.currency}`);
    }
  }
  if (f) {
    if (f.poolTotal !== poolTotal) v.push(`I1 pool total ${f.poolTotal} != sum of pooled orders ${poolTotal}`);
    if (f.poolOrderCount !== m.pool.size) v.push(`I1 pool order count ${f.poolOrderCount} != ${m.pool.size} pooled orders`);
  }

  // I4 from the orders' side, the open totals and the history counts.
  const open = new Map<string, { total: bigint; count: number }>();
  let completed = 0;
  let refunded = 0;
  let openInPoolCurrency = 0;
  for (const [id, o] of m.orders) {
    if (o.orderId !== id) v.push(`order stored under ${id} is ${o.orderId}`);
    if (o.amount <= 0n) v.push(`order ${id} has amount ${o.amount}`);
    if (o.state === 'POOLED' && !m.pool.has(id)) v.push(`I4 POOLED order ${id} (financing ${o.financingId}) is not in the pool`);
    if ((o.state === 'COMPLETED' || o.state === 'REFUNDED') && m.pool.has(id)) v.push(`I4 ${o.state} order ${id} is in the pool`);
    if (o.state === 'OPEN') {
      const t = open.get(o.currency) ?? { total: 0n, count: 0 };
      open.set(o.currency, { total: t.total + o.amount, count: t.count + 1 });
      if (o.financingId !== '') v.push(`OPEN order ${id} names financing ${o.financingId}`);
      if (f && o.currency === f.currency) openInPoolCurrency++;
    }
    if (o.state === 'COMPLETED') completed++;
    if (o.state === 'REFUNDED') refunded++;
    if (o.repayment < 0n || (o.repayment > 0n && o.state !== 'COMPLETED')) v.push(`${o.state} order ${id} has repayment ${o.repayment}`);
  }
  const want = [...open.entries()].sort(([a], [b]) => a.localeCompare(b));
  const have = [...m.openTotals.entries()].sort(([a], [b]) => a.localeCompare(b));
  if (encode(want) !== encode(have)) v.push(`open totals ${encode(have)} != OPEN orders ${encode(want)}`);
  const h = m.history;
  if (h.ordersRecorded !== m.orders.size) v.push(`history: ${h.ordersRecorded} orders recorded, ${m.orders.size} held`);
  if (h.ordersCompleted !== completed) v.push(`history: ${h.ordersCompleted} orders completed, ${completed} COMPLETED`);
  if (h.ordersRefunded !== refunded) v.push(`history: ${h.ordersRefunded} orders refunded, ${refunded} REFUNDED`);

  // DESIGN.md: while under-covered every open order of the currency was
  // pledged (top-up) and every new one is pledged on arrival.
  if (f && f.underCovered && POOLING.has(f.state) && openInPoolCurrency > 0) {
    v.push(`financing ${f.financingId} is under-covered but ${openInPoolCurrency} open ${f.currency} orders are not pledged`);
  }
  // The coverage check runs on every pool change, so the flag is never stale
  // in that direction. (The converse can be: right after totaling, approved +
  // fee may exceed pool total x advance rate before any pool change.)
  if (f && f.underCovered && POOLING.has(f.state) && covers(f.poolTotal, f.advanceRateBps, f.outstanding)) {
    v.push(`financing ${f.financingId} is flagged under-covered but the pool covers it`);
  }
  return v;
}

/** Everything a merchant holds, as one comparable string. */
export function fingerprint(m: Merchant): string {
  return encode({
    snapshot: m.snapshot(),
    orders: [...m.orders.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    pool: [...m.pool],
    openTotals: [...m.openTotals.entries()].sort(([a], [b]) => a.localeCompare(b)),
  });
}

function diff(what: string, want: Merchant, got: Merchant): string[] {
  const a = fingerprint(want);
  const b = fingerprint(got);
  if (a === b) return [];
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  const from = Math.max(0, i - 80);
  return [`${what} differs at char ${i}: live ...${a.slice(from, i + 80)}... vs ${what} ...${b.slice(from, i + 80)}...`];
}

/** Applies journal events to a fresh Merchant (deep copies: the journal is never shared). */
export function replayJournal(merchantId: string, events: readonly MerchantEvent[]): Merchant {
  const m = new Merchant(merchantId);
  for (const ev of events) m.apply(structuredClone(ev));
  return m;
}

/** Journal replay gives the same state as the live merchant. */
export function checkReplay(m: Merchant, events: readonly MerchantEvent[]): string[] {
  let replayed: Merchant;
  try {
    replayed = replayJournal(m.merchantId, events);
  } catch (e) {
    return [`journal replay failed: ${e instanceof Error ? e.message : String(e)}`];
  }
  if (encode(replayed.snapshot()) !== encode(m.snapshot())) {
    return [`journal replay snapshot ${encode(replayed.snapshot())} != live snapshot ${encode(m.snapshot())}`];
  }
  return diff('journal replay', m, replayed);
}

/** Restoring from the snapshot and the order records gives the same state. */
export function checkRestore(m: Merchant): string[] {
  const restored = Merchant.restore(structuredClone(m.snapshot()), [...m.orders.values()].map((o) => structuredClone(o)));
  return diff('restore', m, restored);
}
