/**
 * RecordOrder and CompleteOrder requests read straight from their bytes, for
 * the common case: each field once, in any order, every id printable ASCII
 * within its length limit, a known currency and a positive amount within the
 * limit. That is most of the traffic (the unary calls and StreamOrderEvents'
 * events alike), and it skips protobufjs's decoder (an object per message, a
 * Long per amount turned into a string and back) and the zod schema.
 *
 * Anything else gives `undefined` and takes the full path (./order-commands.ts:
 * protobufjs and ./validate.ts), which answers it or gives its error: a field
 * twice, an unknown field, a missing or empty one, a byte outside printable
 * ASCII, an id too long, an unknown currency, an amount not positive or above
 * the limit, a varint longer than the limit needs. So the fast path accepts a
 * subset of what the full path accepts, with the same values;
 * test/order-fast-path.test.ts checks that against the full path on random
 * requests.
 */
import { isCurrency } from '../domain/money';
import type { Limits } from './validate';

/** What the full path's schema (./validate.ts) gives for a RecordOrderRequest. */
export interface RecordOrderInput {
  merchantId: string;
  orderId: string;
  buyerId: string;
  amount: { currency: string; amount: bigint };
}

/** What the full path's schema gives for a CompleteOrderRequest. */
export interface CompleteOrderInput {
  merchantId: string;
  orderId: string;
}

/** Wire types. */
const VARINT = 0;
const LEN = 2;

/**
 * Reads the request's fields: those numbered 1..`fields` (all length-delimited
 * but `varintField`), each at most once. Returns false for anything else.
 * `at[f]`/`end[f]` are the byte range of field f, or its value for the varint.
 */
function scan(b: Uint8Array, from: number, to: number, fields: number, varintField: number, at: number[], end: number[]): boolean {
  for (let f = 1; f <= fields; f++) at[f] = -1;
  let p = from;
  while (p < to) {
    const tag = b[p++]!;
    const field = tag >>> 3;
    if (tag >= 0x80 || field === 0 || field > fields || at[field] !== -1) return false;
    if (field === varintField) {
      if ((tag & 7) !== VARINT) return false;
      // At most 7 bytes (49 bits, exact in a double): the limit on amounts needs fewer.
      let v = 0;
      let scale = 1;
      for (let i = 0; ; i++) {
        if (i === 7 || p >= to) return false;
        const byte = b[p++]!;
        v += (byte & 0x7f) * scale;
        scale *= 128;
        if (byte < 0x80) break;
      }
      at[field] = v;
      end[field] = p;
      continue;
    }
    if ((tag & 7) !== LEN || p >= to) return false;
    // Lengths below 16,384 (two bytes): far above any limit here.
    let len = b[p++]!;
    if (len >= 0x80) {
      if (p >= to || b[p]! >= 0x80) return false;
      len = (len & 0x7f) | (b[p++]! << 7);
    }
    if (p + len > to) return false;
    at[field] = p;
    end[field] = p + len;
    p += len;
  }
  return p === to;
}

/** The bytes [from, to) as a string when they are an id the schema accepts (1..maxIdLength of \x21-\x7e), else undefined. */
function idOf(b: Uint8Array, from: number, to: number, limits: Limits): string | undefined {
  if (from < 0 || to - from < 1 || to - from > limits.maxIdLength) return undefined;
  for (let i = from; i < to; i++) {
    const c = b[i]!;
    if (c < 0x21 || c > 0x7e) return undefined;
  }
  return String.fromCharCode.apply(null, b.subarray(from, to) as unknown as number[]);
}

const at: number[] = [];
const end: number[] = [];
const moneyAt: number[] = [];
const moneyEnd: number[] = [];

/** RecordOrderRequest{merchant_id = 1, order_id = 2, buyer_id = 3, amount = 4 Money{currency_code = 1, minor_units = 2}}. */
export function fastRecordOrder(b: Uint8Array, limits: Limits): RecordOrderInput | undefined {
  if (!scan(b, 0, b.length, 4, 0, at, end) || at[4]! < 0) return undefined;
  if (!scan(b, at[4]!, end[4]!, 2, 2, moneyAt, moneyEnd) || moneyAt[1]! < 0 || moneyAt[2]! < 1) return undefined;
  const amount = BigInt(moneyAt[2]!);
  if (amount > limits.maxAmount) return undefined;
  const currency = idOf(b, moneyAt[1]!, moneyEnd[1]!, limits);
  if (currency === undefined || !isCurrency(currency)) return undefined;
  const merchantId = idOf(b, at[1]!, end[1]!, limits);
  const orderId = idOf(b, at[2]!, end[2]!, limits);
  const buyerId = idOf(b, at[3]!, end[3]!, limits);
  if (merchantId === undefined || orderId === undefined || buyerId === undefined) return undefined;
  return { merchantId, orderId, buyerId, amount: { currency, amount } };
}

/** CompleteOrderRequest{merchant_id = 1, order_id = 2}. */
export function fastCompleteOrder(b: Uint8Array, limits: Limits): CompleteOrderInput | undefined {
  if (!scan(b, 0, b.length, 2, 0, at, end)) return undefined;
  const merchantId = idOf(b, at[1]!, end[1]!, limits);
  const orderId = idOf(b, at[2]!, end[2]!, limits);
  if (merchantId === undefined || orderId === undefined) return undefined;
  return { merchantId, orderId };
}
