/**
 * How the CLI shows resources: human text, and --json in the proto3 JSON
 * mapping (lowerCamelCase fields, int64 as strings, enums by name,
 * Timestamps as RFC 3339, Durations as "600s", unset messages omitted).
 */
import type { Money__Output } from '../generated/orderpool/v1/Money';
import type { Order__Output } from '../generated/orderpool/v1/Order';
import type { Financing__Output } from '../generated/orderpool/v1/Financing';
import type { Merchant__Output } from '../generated/orderpool/v1/Merchant';
import type { Lender__Output } from '../generated/orderpool/v1/Lender';
import type { MerchantEvent__Output } from '../generated/orderpool/v1/MerchantEvent';
import type { Timestamp__Output } from '../generated/google/protobuf/Timestamp';
import type { Duration__Output } from '../generated/google/protobuf/Duration';

type Ts = Timestamp__Output | null | undefined;

export function isoTime(t: Ts): string {
  if (!t) return '';
  return new Date(Number(t.seconds) * 1000 + Math.floor(t.nanos / 1e6)).toISOString();
}

function durationText(d: Duration__Output | null | undefined): string {
  if (!d) return '';
  const ms = Number(d.seconds) * 1000 + Math.floor(d.nanos / 1e6);
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(3)}s`;
}

const isTimestampKey = (k: string) => /Time$/.test(k) || k === 'disbursementDeadline';
const isDurationKey = (k: string) => k === 'verificationTtl' || k === 'disbursementTimeout';

/** A proto-loader object in the proto3 JSON mapping. */
export function toJson(value: unknown, key = ''): unknown {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) return value.map((v) => toJson(v));
  if (typeof value === 'object') {
    if (isTimestampKey(key)) return isoTime(value as Timestamp__Output);
    if (isDurationKey(key)) return durationText(value as Duration__Output);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const j = toJson(v, k);
      if (j !== undefined) out[k] = j;
    }
    return out;
  }
  return value;
}

export function money(m: Money__Output | null | undefined): string {
  if (!m) return '-';
  return `${m.minorUnits} ${m.currencyCode}`.trim();
}

/** "1 order", "2 orders". */
export const orders = (n: number | string) => `${n} ${Number(n) === 1 ? 'order' : 'orders'}`;
const pct = (bps: number) => `${(bps / 100).toFixed(2)}%`;
const strip = (prefix: string, v: string) => (v.startsWith(prefix) ? v.slice(prefix.length) : v);
export const orderState = (s: string) => strip('ORDER_STATE_', s);
export const financingState = (s: string) => strip('FINANCING_STATE_', s);
export const merchantState = (s: string) => strip('MERCHANT_STATE_', s).toLowerCase();
export const eventType = (s: string) => strip('MERCHANT_EVENT_TYPE_', s);

/** Label/value lines, aligned. */
function block(title: string, rows: [string, string | undefined | false][]): string {
  const kept = rows.filter((r): r is [string, string] => typeof r[1] === 'string' && r[1] !== '');
  const width = Math.max(...kept.map(([k]) => k.length));
  return [title, ...kept.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)].join('\n');
}

/** A table with a header row; columns padded to their widest cell. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function orderText(o: Order__Output): string {
  const state = orderState(o.state);
  return block(`order ${o.orderId} of merchant ${o.merchantId}`, [
    ['buyer', o.buyerId],
    ['amount', money(o.amount)],
    ['state', o.financingId ? `${state} (financing ${o.financingId})` : state],
    ['repayment', o.repayment && o.repayment.minorUnits !== '0' ? `${money(o.repayment)} routed to the lender` : undefined],
    ['refund reason', state === 'REFUNDED' ? o.refundReason || '-' : undefined],
    ['created', isoTime(o.createTime)],
    ['updated', isoTime(o.updateTime)],
  ]);
}

export function financingText(f: Financing__Output): string {
  const state = financingState(f.state);
  return block(`financing ${f.financingId} of merchant ${f.merchantId} (lender ${f.lenderId})`, [
    ['state', state],
    ['requested', money(f.requested)],
    ['approved', `${money(f.approved)} (fee ${money(f.fee)})`],
    ['pool', `${money(f.poolTotal)} in ${orders(f.poolOrderCount)}`],
    ['outstanding', `${money(f.outstanding)} (repaid ${money(f.repaid)})`],
    ['coverage', f.underCovered ? 'UNDER-COVERED: new orders are pledged on arrival' : undefined],
    ['verification', state === 'AWAITING_VERIFICATION'
      ? `code sent; expires ${isoTime(f.verificationExpireTime)}, ${f.verificationAttemptsLeft} attempts left` : undefined],
    ['deadline', state === 'NOTIFIED' ? `lender must confirm by ${isoTime(f.disbursementDeadline)}` : undefined],
    ['end reason', f.endReason],
    ['lender ref', f.lenderReference],
    ['terms', `advance ${pct(f.advanceRateBps)}, repayment share ${pct(f.repaymentShareBps)}, fee ${pct(f.feeBps)}`],
    ['request id', f.requestId],
    ['created', isoTime(f.createTime)],
    ['updated', isoTime(f.updateTime)],
  ]);
}

export function merchantText(m: Merchant__Output): string {
  const totals = m.openOrderTotals.length > 0 ? m.openOrderTotals.map(money).join(', ') : '0';
  const f = m.activeFinancing;
  return block(`merchant ${m.merchantId}`, [
    ['state', merchantState(m.state)],
    ['open orders', `${m.openOrderCount} (${totals})`],
    ['orders', `${m.ordersRecorded} recorded, ${m.ordersCompleted} completed, ${m.ordersRefunded} refunded`],
    ['financings', `${m.financingsRequested} requested, ${m.financingsRepaid} repaid`],
    ['active', f ? `${f.financingId} ${financingState(f.state)}: pool ${money(f.poolTotal)} in ${orders(f.poolOrderCount)}, outstanding ${money(f.outstanding)}${f.underCovered ? ', UNDER-COVERED' : ''}` : 'none'],
    ['last event', `#${m.lastSequence}`],
  ]);
}

export function lenderText(l: Lender__Output): string {
  const refund = l.maxRefundRateBps === undefined || l.maxRefundRateBps === null ? 'no refund-rate limit' : `refund rate at most ${pct(l.maxRefundRateBps)}`;
  return block(`lender ${l.lenderId}`, [
    ['gateway', l.gatewayTarget],
    ['advance rate', `${pct(l.advanceRateBps)} of the pool total`],
    ['repayment', `${pct(l.repaymentShareBps)} of each completed pooled order`],
    ['fee', pct(l.feeBps)],
    ['verification', l.verificationThreshold ? `one-time code when the pool is at or above ${money(l.verificationThreshold)}` : 'never'],
    ['eligibility', `at least ${l.minCompletedOrders} completed orders, ${refund}`],
    ['code lifetime', durationText(l.verificationTtl) || 'server default'],
    ['confirm within', durationText(l.disbursementTimeout) || 'server default'],
    ['updated', isoTime(l.updateTime)],
  ]);
}

export function lendersTable(lenders: Lender__Output[]): string {
  if (lenders.length === 0) return 'no lenders';
  return table(['LENDER', 'GATEWAY', 'ADVANCE', 'REPAYMENT', 'FEE', 'VERIFY AT'], lenders.map((l) => [
    l.lenderId, l.gatewayTarget, pct(l.advanceRateBps), pct(l.repaymentShareBps), pct(l.feeBps), l.verificationThreshold ? money(l.verificationThreshold) : 'never',
  ]));
}

export function ordersTable(orders: Order__Output[]): string {
  return table(['ORDER', 'BUYER', 'AMOUNT', 'STATE', 'UPDATED'], orders.map((o) => [
    o.orderId, o.buyerId, money(o.amount), orderState(o.state), isoTime(o.updateTime),
  ]));
}

/** One human line for a merchant event (watch, merchant events, inspect). */
export function eventLine(e: MerchantEvent__Output): string {
  const type = eventType(e.type);
  const o = e.order;
  const f = e.financing;
  const fin = f ? f.financingId : '';
  let what: string;
  switch (type) {
    case 'ORDER_RECORDED':
      what = `order ${o?.orderId} ${money(o?.amount)} from buyer ${o?.buyerId}`;
      break;
    case 'ORDER_COMPLETED':
      what = `order ${o?.orderId} ${money(o?.amount)} completed`
        + (e.amount && e.amount.minorUnits !== '0' ? `; ${money(e.amount)} repaid to the lender` : '');
      break;
    case 'ORDER_REFUNDED':
      what = `order ${o?.orderId} ${money(o?.amount)} refunded${o?.refundReason ? `: ${o.refundReason}` : ''}`;
      break;
    case 'FINANCING_REQUESTED':
      what = `${fin} asks lender ${f?.lenderId} for ${money(f?.requested)}`;
      break;
    case 'ORDER_PLEDGED':
      what = `order ${o?.orderId} ${money(o?.amount)} pledged to ${o?.financingId || fin}` + (f ? `; pool ${money(f.poolTotal)} in ${orders(f.poolOrderCount)}` : '');
      break;
    case 'POOL_TOTALED':
      what = `${fin} pool ${money(f?.poolTotal)} in ${orders(f?.poolOrderCount ?? 0)}; approved ${money(f?.approved)}, fee ${money(f?.fee)}`;
      break;
    case 'FINANCING_REJECTED':
      what = `${fin} rejected: ${e.detail || f?.endReason}`;
      break;
    case 'VERIFICATION_REQUESTED':
      what = `${fin} one-time code sent to the merchant, expires ${isoTime(f?.verificationExpireTime)}`;
      break;
    case 'VERIFICATION_FAILED':
      what = `${fin} wrong code; ${f?.verificationAttemptsLeft} attempts left`;
      break;
    case 'DISBURSEMENT_AUTHORIZED':
      what = `${fin} lender ${f?.lenderId} told it may disburse ${money(f?.approved)}`;
      break;
    case 'DISBURSEMENT_CONFIRMED':
      what = `${fin} disbursed (lender ref ${f?.lenderReference}); outstanding ${money(f?.outstanding)}`;
      break;
    case 'ORDER_RELEASED':
      what = `order ${o?.orderId} ${money(o?.amount)} released from the pool`;
      break;
    case 'COVERAGE_LOST':
      what = `${fin} UNDER-COVERED: pool ${money(f?.poolTotal)} does not cover outstanding ${money(f?.outstanding)}`;
      break;
    case 'COVERAGE_RESTORED':
      what = `${fin} covered again: pool ${money(f?.poolTotal)}, outstanding ${money(f?.outstanding)}`;
      break;
    case 'FINANCING_REPAID':
      what = `${fin} REPAID: ${money(f?.repaid)} repaid in all`;
      break;
    case 'FINANCING_DECLINED':
    case 'FINANCING_CANCELLED':
    case 'FINANCING_EXPIRED':
      what = `${fin} ${financingState(f?.state ?? '')}${e.detail ? `: ${e.detail}` : ''}`;
      break;
    default:
      what = [o ? `order ${o.orderId}` : '', fin, e.detail].filter(Boolean).join(' ');
  }
  const after = f && ['ORDER_COMPLETED', 'ORDER_REFUNDED'].includes(type) ? ` (${fin} outstanding ${money(f.outstanding)}, pool ${money(f.poolTotal)})` : '';
  return `${`#${e.sequence}`.padEnd(5)}  ${isoTime(e.eventTime)}  ${type.padEnd(23)}  ${what}${after}`;
}
