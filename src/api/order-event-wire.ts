/**
 * StreamOrderEvents on the wire, without decoding events on the gRPC thread.
 * An OrderEvent is a oneof of the three order commands' requests, so the bytes
 * of its record, complete or refund field are exactly the request that
 * RecordOrder, CompleteOrder or RefundOrder takes as bytes
 * (./order-commands.ts), and an ack is its index and either the Order bytes
 * such a command answers or the google.rpc.Status bytes of its error. The
 * gRPC thread only splits and joins bytes; decoding, validation and encoding
 * run with the runtime, as for the unary commands.
 */
import type { OrderCommandKind } from './order-commands';

const KIND_OF_FIELD: readonly (OrderCommandKind | undefined)[] = [undefined, 'record', 'complete', 'refund'];

/** An OrderEvent split into its command and that command's request bytes. */
export type SplitOrderEvent =
  | { kind: OrderCommandKind; request: Uint8Array }
  | { kind: undefined; problem: 'MALFORMED' | 'MISSING_EVENT' };

/**
 * Reads a varint (at most 10 bytes) at `pos`: its value (exact below 2^53,
 * which covers every tag and length) and the next position, or -1 when cut short.
 */
function varint(b: Uint8Array, pos: number): [value: number, next: number] {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= b.length) return [0, -1];
    const byte = b[pos++]!;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return [value, pos];
    scale *= 0x80;
  }
  return [0, -1];
}

/**
 * Splits an OrderEvent. As protobuf decoders do: fields it does not know are
 * skipped; of the oneof's fields the last one present wins; the same message
 * field present more than once is merged, which for an encoding is the
 * concatenation of its occurrences. Groups (deprecated, never in proto3) and
 * anything cut short are MALFORMED.
 */
export function splitOrderEvent(b: Uint8Array): SplitOrderEvent {
  let kind: OrderCommandKind | undefined;
  let parts: Uint8Array[] = [];
  let pos = 0;
  while (pos < b.length) {
    const [tag, afterTag] = varint(b, pos);
    if (afterTag < 0) return { kind: undefined, problem: 'MALFORMED' };
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    pos = afterTag;
    if (field === 0) return { kind: undefined, problem: 'MALFORMED' };
    const known = field < KIND_OF_FIELD.length ? KIND_OF_FIELD[field] : undefined;
    if (known && wire !== 2) return { kind: undefined, problem: 'MALFORMED' };
    switch (wire) {
      case 0: {
        const [, next] = varint(b, pos);
        if (next < 0) return { kind: undefined, problem: 'MALFORMED' };
        pos = next;
        break;
      }
      case 1:
        pos += 8;
        break;
      case 5:
        pos += 4;
        break;
      case 2: {
        const [len, start] = varint(b, pos);
        if (start < 0 || start + len > b.length) return { kind: undefined, problem: 'MALFORMED' };
        pos = start + len;
        if (known) {
          if (known !== kind) parts = [];
          kind = known;
          parts.push(b.subarray(start, pos));
        }
        break;
      }
      default:
        return { kind: undefined, problem: 'MALFORMED' };
    }
    if (pos > b.length) return { kind: undefined, problem: 'MALFORMED' };
  }
  if (!kind) return { kind: undefined, problem: 'MISSING_EVENT' };
  return { kind, request: parts.length === 1 ? parts[0]! : Buffer.concat(parts) };
}

function varintBytes(n: number, out: number[]): void {
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
}

/**
 * OrderEventAck bytes: `index` (field 1), then the Order (field 2) or the
 * google.rpc.Status (field 3), as protobufjs encodes the same ack.
 */
export function encodeAck(index: number, field: 'order' | 'error', body: Uint8Array): Buffer {
  const head: number[] = [0x08];
  varintBytes(index, head);
  head.push(field === 'order' ? 0x12 : 0x1a);
  varintBytes(body.length, head);
  const out = Buffer.allocUnsafe(head.length + body.length);
  for (let i = 0; i < head.length; i++) out[i] = head[i]!;
  out.set(body, head.length);
  return out;
}
