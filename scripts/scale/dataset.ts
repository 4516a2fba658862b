/**
 * The scale benchmark's data set, fully determined by (seed, merchants,
 * orders): merchant i is `m<i, zero-padded>`, it has counts[i] orders (at
 * least one; log-normally skewed, summing exactly to the order total), and
 * its j-th order (j from 1) has id `<merchant id>-<j, zero-padded>`, a buyer,
 * an amount and an arrival time drawn from a generator seeded by (seed, i).
 * Any merchant can be regenerated on its own, so the loader can resume and
 * the measuring side can name real order ids without reading the store.
 */
import { DEFAULTS } from '../../src/config';

/** The server's default; a merchant with more orders would be refused. */
export const MAX_ORDERS_PER_MERCHANT = DEFAULTS.maxOrdersPerMerchant;

export interface DatasetSpec {
  seed: number;
  merchants: number;
  orders: number;
}

/** 2026-01-01T00:00:00Z: the first order's time. Orders span 30 days after it. */
export const BASE_TIME = Date.UTC(2026, 0, 1);
const SPAN_MS = 30 * 24 * 3600_000;

/** mulberry32: a small, fast, seedable 32-bit generator. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit mix of two integers (per-merchant seeds). */
export function mix(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h >>> 0;
}

export function widthOf(n: number): number {
  return Math.max(7, String(Math.max(0, n - 1)).length);
}

export function merchantId(i: number, width: number): string {
  return `m${String(i).padStart(width, '0')}`;
}

export function orderId(mid: string, j: number): string {
  return `${mid}-${String(j).padStart(6, '0')}`;
}

/**
 * Orders per merchant: 1 each, plus the rest spread by log-normal weights
 * (sigma 1), so most merchants hold a few orders and some hold hundreds.
 */
export function orderCounts(spec: DatasetSpec, maxPerMerchant: number): Uint32Array {
  const { merchants: n, orders: total } = spec;
  if (total < n) throw new Error(`--orders (${total}) must be at least --merchants (${n}): every merchant has an order`);
  const r = rng(mix(spec.seed, 0x5ca1e));
  const w = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    // Box-Muller normal, then exp: log-normal with sigma 1.
    const u = 1 - r();
    const v = r();
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    w[i] = Math.exp(z);
    sum += w[i]!;
  }
  const extra = total - n;
  const counts = new Uint32Array(n);
  let given = 0;
  for (let i = 0; i < n; i++) {
    const c = Math.min(maxPerMerchant, 1 + Math.floor((extra * w[i]!) / sum));
    counts[i] = c;
    given += c;
  }
  // Hand out what flooring left, one order at a time, to random merchants.
  while (given < total) {
    const i = Math.floor(r() * n);
    if (counts[i]! < maxPerMerchant) {
      counts[i]!++;
      given++;
    }
  }
  return counts;
}

export interface GeneratedOrder {
  orderId: string;
  buyerId: string;
  currency: string;
  amount: bigint;
  /** The server's clock when RecordOrder ran. */
  time: number;
}

/** Merchant i's orders, in arrival order (times strictly increasing). */
export function ordersOf(spec: DatasetSpec, mid: string, i: number, count: number): GeneratedOrder[] {
  const r = rng(mix(spec.seed, i + 1));
  const out: GeneratedOrder[] = [];
  const step = Math.max(2, Math.floor(SPAN_MS / count));
  let t = BASE_TIME + Math.floor(r() * step);
  for (let j = 1; j <= count; j++) {
    out.push({
      orderId: orderId(mid, j),
      buyerId: `b${Math.floor(r() * 5_000_000)}`,
      currency: 'USD',
      amount: BigInt(500 + Math.floor(r() * 49_500)),
      time: t,
    });
    t += 1 + Math.floor(r() * step);
  }
  return out;
}

export function percentileOf(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
