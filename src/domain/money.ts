/**
 * Money is integer minor units in a bigint, with the currency carried beside
 * it. No floating point touches an amount: shares are basis points and every
 * division floors (amounts are never negative where we divide).
 */

export const BPS = 10_000n;

/** Largest value an int64 `minor_units` can carry on the wire. */
export const INT64_MAX = (1n << 63n) - 1n;

const ISO_4217: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));

/** True for an ISO 4217 alphabetic code the runtime knows (e.g. "USD"). */
export function isCurrency(code: string): boolean {
  return /^[A-Z]{3}$/.test(code) && ISO_4217.has(code);
}

/** floor(amount x bps / 10,000) for a non-negative amount. */
export function shareOf(amount: bigint, bps: number): bigint {
  return (amount * BigInt(bps)) / BPS;
}

/** The coverage check: pool total x advance rate >= what is owed. */
export function covers(poolTotal: bigint, advanceRateBps: number, owed: bigint): boolean {
  return poolTotal * BigInt(advanceRateBps) >= owed * BPS;
}

export function minBig(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
