/**
 * The Order message written by hand: the answer of every RecordOrder,
 * CompleteOrder and RefundOrder and the body of every StreamOrderEvents ack,
 * so it is on the hot path of every order command. protobufjs (through
 * proto-loader) first converts the wire object (fromObject, a Long parsed
 * per int64) and then writes a linked list of one operation object per field
 * and one fork per nested Money or Timestamp; that was a fifth of everything
 * a RecordOrder allocated in the runtime thread. This writes the same bytes
 * (test/order-encoder.test.ts compares them with proto-loader's for the same
 * order) into one scratch buffer and copies them out once. The
 * StreamOrderEvents ack that carries such an Order (or an error's Status) is
 * written the same way (encodeAck).
 */
import type { Order } from '../domain/types';

const STATE: Record<Order['state'], number> = { OPEN: 1, POOLED: 2, COMPLETED: 3, REFUNDED: 4 };
const TWO_64 = 1n << 64n;

let buf = Buffer.allocUnsafeSlow(1024);
let pos = 0;

function room(n: number): void {
  if (pos + n <= buf.length) return;
  const bigger = Buffer.allocUnsafeSlow(Math.max(buf.length * 2, pos + n));
  buf.copy(bigger, 0, 0, pos);
  buf = bigger;
}

/** Bytes of a varint of a non-negative safe integer. */
function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    size++;
  }
  return size;
}

function varint(n: number): void {
  room(10);
  while (n >= 0x80) {
    buf[pos++] = (n % 0x80) | 0x80;
    n = Math.floor(n / 0x80);
  }
  buf[pos++] = n;
}

/** An int64 as protobuf writes it: a negative value as its 64-bit two's complement (10 bytes). */
function int64Size(v: bigint): number {
  if (v >= 0n && v <= 0x1fffffffffffffn) return varintSize(Number(v));
  let u = v < 0n ? v + TWO_64 : v;
  let size = 1;
  while (u >= 0x80n) {
    u >>= 7n;
    size++;
  }
  return size;
}

function int64(v: bigint): void {
  if (v >= 0n && v <= 0x1fffffffffffffn) {
    varint(Number(v));
    return;
  }
  room(10);
  let u = v < 0n ? v + TWO_64 : v;
  while (u >= 0x80n) {
    buf[pos++] = Number(u & 0x7fn) | 0x80;
    u >>= 7n;
  }
  buf[pos++] = Number(u);
}

/** UTF-8 bytes of a string; ASCII, as ids are, without a call into native code. */
function utf8Size(s: string): number {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return Buffer.byteLength(s, 'utf8');
  return s.length;
}

function str(field: number, s: string): void {
  const len = utf8Size(s);
  varint((field << 3) | 2);
  varint(len);
  room(len);
  if (len === s.length) for (let i = 0; i < len; i++) buf[pos++] = s.charCodeAt(i);
  else pos += buf.write(s, pos, 'utf8');
}

function money(field: number, currency: string, amount: bigint): void {
  const cur = utf8Size(currency);
  varint((field << 3) | 2);
  varint(1 + varintSize(cur) + cur + 1 + int64Size(amount));
  str(1, currency);
  varint((2 << 3) | 0);
  int64(amount);
}

/** A google.protobuf.Timestamp of epoch milliseconds; 0 means unset (convert.ts `timestamp`). */
function timestamp(field: number, ms: number): void {
  if (!ms) return;
  const seconds = Math.floor(ms / 1000);
  const nanos = (ms % 1000) * 1_000_000;
  varint((field << 3) | 2);
  varint(1 + varintSize(seconds) + 1 + varintSize(nanos));
  varint((1 << 3) | 0);
  varint(seconds);
  varint((2 << 3) | 0);
  varint(nanos);
}

/** The orderpool.v1.Order bytes of an order, as proto-loader writes `wireOrder(o)`. */
export function encodeOrder(o: Order): Uint8Array {
  pos = 0;
  str(1, o.merchantId);
  str(2, o.orderId);
  str(3, o.buyerId);
  money(4, o.currency, o.amount);
  varint((5 << 3) | 0);
  varint(STATE[o.state]);
  str(6, o.financingId);
  timestamp(7, o.createTime);
  timestamp(8, o.updateTime);
  str(9, o.refundReason);
  money(10, o.currency, o.repayment);
  const out = new Uint8Array(pos);
  out.set(buf.subarray(0, pos));
  return out;
}

/**
 * OrderEventAck bytes: `index` (field 1), then the Order (field 2) or the
 * google.rpc.Status (field 3), as protobufjs encodes the same ack.
 */
export function encodeAck(index: number, field: 'order' | 'error', body: Uint8Array): Buffer {
  pos = 0;
  varint((1 << 3) | 0);
  varint(index);
  varint(((field === 'order' ? 2 : 3) << 3) | 2);
  varint(body.length);
  room(body.length);
  buf.set(body, pos);
  pos += body.length;
  return Buffer.from(buf.subarray(0, pos));
}
