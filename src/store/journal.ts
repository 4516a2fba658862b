/**
 * Journal rows that point at other rows instead of repeating them.
 *
 * A completion carries the order and the financing as they are after it
 * (MerchantEvent), and as a `$e1` row that is ~425 bytes, two thirds of them
 * repeated from rows the store writes anyway. Every byte is written to
 * LevelDB's log and memtable, and again by each compaction, and settling
 * writes one such row per completion. So a journal row may refer instead:
 *
 *   ["$e2", seq, merchantId, time, type, order, financing, amount, detail]
 *
 *   - order: null (none), the $o1 array (in full), or the order id as a
 *     string. A reference only for an order in a final state (COMPLETED or
 *     REFUNDED): its row is written in the same batch (the very object, see
 *     encodeEvent) and never changes again, and order rows are never deleted.
 *   - financing: null, the $f1 array, or
 *     [baseSeq, financingId, state, poolTotal, poolOrderCount, outstanding,
 *      repaid, underCovered, endReason, updateTime]:
 *     only what moves while a financing settles; every other field is the
 *     one in the financing of event #baseSeq, an earlier row of the same
 *     journal that holds that financing in full (a base). A reference only
 *     for a SETTLING financing whose fixed fields all equal the base's.
 *     Journal rows never change, so a base never does either.
 *
 * `amount` and `detail` are as in $e1 (null: absent). A row with no
 * reference is written as $e1 or $r1 (./codec.ts), as before.
 *
 * The writer's side is per merchant (JournalWriter, kept by its actor, not
 * persisted): the last row it wrote with a SETTLING financing in full is the
 * base of the rows after it. A new actor (after a load) has none, so its
 * first settling row is written in full and becomes the base. The router
 * runs a merchant's next command only after its last commit is on disk, and
 * a failed commit drops the actor (and its writer) with it, so a base is
 * always on disk before, or in the same batch as, a row that refers to it.
 *
 * Reading: decodeEvent gives a MerchantEvent, or an EventRow that
 * resolveEvents completes from the order rows and the base rows
 * (missingRefs says which to read). A reference that cannot be met (a row
 * missing, or not what the reference says) throws: the store lost rows.
 * `decode` (./codec.ts) refuses a $e2 row, so no reader can take one for an
 * event by mistake.
 */
import { decode, encodeRecord, RECORDS, REFERRING_EVENT_TAG } from './codec';
import type { Financing, MerchantEvent, Order } from '../domain/types';

/** The financing fields that change while it settles (the rest are fixed from DISBURSEMENT_CONFIRMED on). */
const MOVING = ['state', 'poolTotal', 'poolOrderCount', 'outstanding', 'repaid', 'underCovered', 'endReason', 'updateTime'] as const;
const BIG: ReadonlySet<string> = new Set(['poolTotal', 'outstanding', 'repaid']);
const FINANCING_FIELDS = RECORDS.financing.fields.map((f) => f.name);
const FIXED = FINANCING_FIELDS.filter((n) => !(MOVING as readonly string[]).includes(n));
const EVENT_KEYS: ReadonlySet<string> = new Set(RECORDS.event.fields.map((f) => f.name));
const FINAL_ORDER: Readonly<Record<string, string>> = { ORDER_COMPLETED: 'COMPLETED', ORDER_REFUNDED: 'REFUNDED' };

/**
 * Compiled once: whether a financing's fixed fields all equal the base's
 * (straight-line code, one property per access site; ./codec.ts explains why).
 */
const sameFixed = new Function('a', 'b', `"use strict";\nreturn ${FIXED.map((n) => `a.${n} === b.${n}`).join(' && ')};`) as (a: Financing, b: Financing) => boolean;

/** Per merchant, what its next journal rows may refer to (see the file header). */
export class JournalWriter {
  base: { seq: number; financing: Financing } | undefined;
}

function countKeys(o: object): number {
  let n = 0;
  for (const _ in o) n++;
  return n;
}

/** Whether `e` has only the fields a journal row holds (otherwise $e1's encoder throws for it). */
function plainEvent(e: MerchantEvent): boolean {
  for (const key in e) if (!EVENT_KEYS.has(key)) return false;
  return true;
}

/**
 * The journal row of `e`: with references where the rules allow (file
 * header), else as encodeRecord writes it. `rowOf` gives the order object
 * the same batch writes as that order's row, if any.
 */
export function encodeEvent(e: MerchantEvent, writer: JournalWriter | undefined, rowOf: (orderId: string) => Order | undefined): string {
  if (writer === undefined) return encodeRecord(RECORDS.event, e);
  const o = e.order;
  const f = e.financing;
  const orderRef = o !== undefined && o !== null && FINAL_ORDER[e.type] === o.state && o.merchantId === e.merchantId && rowOf(o.orderId) === o;
  let financingRef = false;
  if (f !== undefined && f !== null && f.state === 'SETTLING') {
    const base = writer.base;
    financingRef = base !== undefined && base.financing.financingId === f.financingId && countKeys(f) === FINANCING_FIELDS.length && sameFixed(f, base.financing)
      && f.poolTotal !== undefined && f.poolOrderCount !== undefined && f.outstanding !== undefined && f.repaid !== undefined
      && f.underCovered !== undefined && f.endReason !== undefined && f.updateTime !== undefined;
  }
  // A property the shapes do not name: encodeRecord throws for it.
  if ((!orderRef && !financingRef) || !plainEvent(e)) {
    const row = encodeRecord(RECORDS.event, e);
    // Written in full (the encoder checked its fields): the base of the rows after it.
    if (f && f.state === 'SETTLING') writer.base = { seq: e.seq, financing: f };
    return row;
  }
  const base = writer.base!;
  const a = [
    REFERRING_EVENT_TAG, e.seq, e.merchantId, e.time, e.type,
    o === undefined || o === null ? null : orderRef ? o.orderId : RECORDS.order.encode(o as unknown as Record<string, unknown>),
    f === undefined || f === null ? null
      : financingRef ? [base.seq, f.financingId, f.state, String(f.poolTotal), f.poolOrderCount, String(f.outstanding), String(f.repaid), f.underCovered, f.endReason, f.updateTime]
      : RECORDS.financing.encode(f as unknown as Record<string, unknown>),
    e.amount === undefined || e.amount === null ? null : String(e.amount),
    e.detail === undefined || e.detail === null ? null : e.detail,
  ];
  if (f && f.state === 'SETTLING' && !financingRef) writer.base = { seq: e.seq, financing: f };
  return JSON.stringify(a);
}

const corrupt = (row: EventRow, what: string) => new Error(`journal: event #${row.seq} of merchant ${row.merchantId} ${what}`);

/** The order object a commit writes as the row of `orderId`, if any (the last: later puts of a batch win). */
export function orderRowOf(orders: readonly Order[], orderId: string): Order | undefined {
  for (let i = orders.length - 1; i >= 0; i--) if (orders[i]!.orderId === orderId) return orders[i];
  return undefined;
}

/** A journal row that refers to other rows; resolveEvents completes it. */
export class EventRow {
  constructor(private readonly a: unknown[]) {
    if (a.length !== 9 || typeof a[1] !== 'number' || typeof a[2] !== 'string' || typeof a[4] !== 'string') {
      throw new Error(`codec: a ${REFERRING_EVENT_TAG} record does not have its fields`);
    }
  }

  get seq(): number {
    return this.a[1] as number;
  }

  get merchantId(): string {
    return this.a[2] as string;
  }

  /** The order's id, when the row refers to the order's row. */
  get orderId(): string | undefined {
    return typeof this.a[5] === 'string' ? this.a[5] : undefined;
  }

  /** The sequence of the base row, when the row refers to one for its financing. */
  get baseSeq(): number | undefined {
    const f = this.a[6];
    return Array.isArray(f) && typeof f[0] === 'number' ? f[0] : undefined;
  }

  /** The financing, when this row holds it in full. */
  fullFinancing(): Financing | undefined {
    const f = this.a[6];
    return Array.isArray(f) && f[0] === RECORDS.financing.tag ? (RECORDS.financing.decode(f) as unknown as Financing) : undefined;
  }

  /** The event, given the order row (for an order reference) and the base's financing (for a financing reference). */
  resolve(order: Order | undefined, base: Financing | undefined): MerchantEvent {
    const [, seq, merchantId, time, type, o, f, amount, detail] = this.a;
    const ev: Record<string, unknown> = { seq, merchantId, time, type };
    if (typeof o === 'string') {
      if (!order) throw corrupt(this, `refers to order ${o}, which has no row`);
      if (order.orderId !== o || order.merchantId !== merchantId || FINAL_ORDER[type as string] !== order.state) {
        throw corrupt(this, `refers to order ${o}, whose row is not its final state`);
      }
      ev.order = order;
    } else if (o !== null) {
      ev.order = RECORDS.order.decode(o as unknown[]);
    }
    if (Array.isArray(f) && f[0] === RECORDS.financing.tag) {
      ev.financing = RECORDS.financing.decode(f);
    } else if (Array.isArray(f)) {
      if (f.length !== MOVING.length + 2) throw corrupt(this, 'has a financing reference without its fields');
      if (!base) throw corrupt(this, `refers to event #${String(f[0])} for its financing, which has no such row`);
      if (base.financingId !== f[1] || base.state !== 'SETTLING') throw corrupt(this, `refers to event #${String(f[0])}, which does not hold financing ${String(f[1])} settling`);
      const fin: Record<string, unknown> = {};
      for (const n of FINANCING_FIELDS) {
        const x = (base as unknown as Record<string, unknown>)[n];
        if (x !== undefined) fin[n] = x;
      }
      MOVING.forEach((n, i) => {
        const x = f[i + 2];
        fin[n] = BIG.has(n) ? BigInt(x as string) : x;
      });
      ev.financing = fin;
    } else if (f !== null) {
      throw corrupt(this, 'has a financing that is neither a record nor a reference');
    }
    if (amount !== null) ev.amount = BigInt(amount as string);
    if (detail !== null) ev.detail = detail;
    return ev as unknown as MerchantEvent;
  }
}

/** How every row with references begins (JSON.stringify of its array). */
export const REFERRING_ROW_PREFIX = `["${REFERRING_EVENT_TAG}"`;

/** A journal row read back: the event, or a row with references (resolveEvents). */
export function decodeEvent(text: string): MerchantEvent | EventRow {
  if (text.startsWith(REFERRING_ROW_PREFIX)) return new EventRow(JSON.parse(text) as unknown[]);
  return decode<MerchantEvent>(text);
}

/** What resolveEvents needs that `rows` do not hold: the referred orders, and the bases outside `rows`. */
export function missingRefs(rows: readonly (MerchantEvent | EventRow)[]): { orderIds: string[]; baseSeqs: number[] } {
  const orderIds = new Set<string>();
  const baseSeqs = new Set<number>();
  let held: Set<number> | undefined;
  for (const r of rows) {
    if (!(r instanceof EventRow)) continue;
    if (r.orderId !== undefined) orderIds.add(r.orderId);
    const b = r.baseSeq;
    if (b === undefined) continue;
    held ??= new Set(rows.map((x) => x.seq));
    if (!held.has(b)) baseSeqs.add(b);
  }
  return { orderIds: [...orderIds], baseSeqs: [...baseSeqs] };
}

/** The financing held in full by a journal row (a base), if any. */
export function fullFinancingOf(row: MerchantEvent | EventRow): Financing | undefined {
  return row instanceof EventRow ? row.fullFinancing() : row.financing;
}

/**
 * The events of journal rows (in any order), their references met from the
 * rows themselves (bases) and the lookups: `order` gives an order's row,
 * `base` the row of an event outside `rows`.
 */
export function resolveEvents(
  rows: readonly (MerchantEvent | EventRow)[],
  order: (orderId: string) => Order | undefined,
  base: (seq: number) => MerchantEvent | EventRow | undefined,
): MerchantEvent[] {
  let bySeq: Map<number, MerchantEvent | EventRow> | undefined;
  // Each base's financing decoded once, however many rows refer to it
  // (resolve copies its fields, so the rows share nothing).
  const financings = new Map<number, Financing | undefined>();
  return rows.map((r) => {
    if (!(r instanceof EventRow)) return r;
    const id = r.orderId;
    const b = r.baseSeq;
    let fin: Financing | undefined;
    if (b !== undefined) {
      if (financings.has(b)) {
        fin = financings.get(b);
      } else {
        bySeq ??= new Map(rows.map((x) => [x.seq, x]));
        const row = bySeq.get(b) ?? base(b);
        fin = row === undefined ? undefined : fullFinancingOf(row);
        financings.set(b, fin);
      }
    }
    return r.resolve(id === undefined ? undefined : order(id), fin);
  });
}
