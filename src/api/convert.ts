/**
 * Domain records to wire messages. An int64 leaves as a number when it is a
 * safe integer, else as its decimal string: protobufjs takes either, and
 * parses a string into a Long through Long.fromString, which was most of the
 * cost of encoding an Order (four int64 fields: two amounts, two seconds).
 */
import type { Financing, Lender, MerchantEvent, Order } from '../domain/types';
import type { MerchantView } from '../runtime/backend';
import type { Financing as WireFinancing } from '../generated/orderpool/v1/Financing';
import type { Lender as WireLender } from '../generated/orderpool/v1/Lender';
import type { Merchant as WireMerchant } from '../generated/orderpool/v1/Merchant';
import type { MerchantEvent as WireMerchantEvent } from '../generated/orderpool/v1/MerchantEvent';
import type { MerchantState } from '../generated/orderpool/v1/MerchantState';
import type { Money } from '../generated/orderpool/v1/Money';
import type { Order as WireOrder } from '../generated/orderpool/v1/Order';
import type { Timestamp } from '../generated/google/protobuf/Timestamp';
import type { Duration } from '../generated/google/protobuf/Duration';

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** An int64 for protobufjs: a number when exact, else the decimal string. */
const int64 = (v: bigint): number | string => (v <= MAX_SAFE && v >= -MAX_SAFE ? Number(v) : v.toString());

export const money = (currency: string, amount: bigint): Money => ({ currencyCode: currency, minorUnits: int64(amount) });

export function timestamp(ms: number): Timestamp | null {
  if (!ms) return null;
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 };
}

export function duration(ms: number): Duration | null {
  if (!ms) return null;
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 };
}

export function wireOrder(o: Order): WireOrder {
  return {
    merchantId: o.merchantId,
    orderId: o.orderId,
    buyerId: o.buyerId,
    amount: money(o.currency, o.amount),
    state: `ORDER_STATE_${o.state}`,
    financingId: o.financingId,
    createTime: timestamp(o.createTime),
    updateTime: timestamp(o.updateTime),
    refundReason: o.refundReason,
    repayment: money(o.currency, o.repayment),
  };
}

export function wireFinancing(f: Financing): WireFinancing {
  const c = f.currency;
  return {
    merchantId: f.merchantId,
    financingId: f.financingId,
    lenderId: f.lenderId,
    requestId: f.requestId,
    state: `FINANCING_STATE_${f.state}`,
    requested: money(c, f.requested),
    approved: money(c, f.approved),
    fee: money(c, f.fee),
    poolTotal: money(c, f.poolTotal),
    poolOrderCount: String(f.poolOrderCount),
    outstanding: money(c, f.outstanding),
    repaid: money(c, f.repaid),
    underCovered: f.underCovered,
    endReason: f.endReason,
    lenderReference: f.lenderReference,
    createTime: timestamp(f.createTime),
    updateTime: timestamp(f.updateTime),
    verificationExpireTime: timestamp(f.verificationExpireTime),
    verificationAttemptsLeft: f.verificationAttemptsLeft,
    disbursementDeadline: timestamp(f.disbursementDeadline),
    advanceRateBps: f.advanceRateBps,
    repaymentShareBps: f.repaymentShareBps,
    feeBps: f.feeBps,
  };
}

export function wireMerchant(m: MerchantView): WireMerchant {
  const primary = m.firstCurrency;
  const totals = [...m.openTotals.entries()].sort(([a], [b]) => a.localeCompare(b));
  let openCount = 0;
  for (const [, t] of totals) openCount += t.count;
  return {
    merchantId: m.merchantId,
    state: `MERCHANT_STATE_${m.state.toUpperCase()}` as MerchantState,
    activeFinancing: m.active ? wireFinancing(m.active) : null,
    openOrderTotal: money(primary, m.openTotals.get(primary)?.total ?? 0n),
    openOrderTotals: totals.map(([c, t]) => money(c, t.total)),
    openOrderCount: String(openCount),
    ordersRecorded: String(m.history.ordersRecorded),
    ordersCompleted: String(m.history.ordersCompleted),
    ordersRefunded: String(m.history.ordersRefunded),
    financingsRequested: String(m.history.financingsRequested),
    financingsRepaid: String(m.history.financingsRepaid),
    lastSequence: String(m.seq),
  };
}

export function wireEvent(e: MerchantEvent): WireMerchantEvent {
  const currency = e.financing?.currency ?? e.order?.currency ?? '';
  return {
    sequence: String(e.seq),
    merchantId: e.merchantId,
    eventTime: timestamp(e.time),
    type: `MERCHANT_EVENT_TYPE_${e.type}`,
    order: e.order ? wireOrder(e.order) : null,
    financing: e.financing ? wireFinancing(e.financing) : null,
    amount: e.amount !== undefined ? money(currency, e.amount) : null,
    detail: e.detail ?? '',
  };
}

export function wireLender(l: Lender): WireLender {
  return {
    lenderId: l.lenderId,
    gatewayTarget: l.gatewayTarget,
    advanceRateBps: l.advanceRateBps,
    repaymentShareBps: l.repaymentShareBps,
    feeBps: l.feeBps,
    verificationThreshold: l.verificationThreshold ? money(l.verificationThreshold.currency, l.verificationThreshold.amount) : null,
    minCompletedOrders: String(l.minCompletedOrders),
    ...(l.maxRefundRateBps === null ? {} : { maxRefundRateBps: l.maxRefundRateBps }),
    verificationTtl: duration(l.verificationTtlMs),
    disbursementTimeout: duration(l.disbursementTimeoutMs),
    createTime: timestamp(l.createTime),
    updateTime: timestamp(l.updateTime),
  };
}
