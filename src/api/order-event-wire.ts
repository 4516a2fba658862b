/**
 * StreamOrderEvents on the wire, without decoding events on the gRPC thread.
 * An OrderEvent is a oneof of the three order commands' requests, so the bytes
 * of its record, complete or refund field are exactly the request that
 * RecordOrder, CompleteOrder or RefundOrder takes as bytes
 * (./order-commands.ts), and an ack is its index and either the Order bytes
 * such a command answers or the google.rpc.Status bytes of its error
 * (encodeAck, ./order-encoder.ts). The gRPC thread only splits and joins
 * bytes; decoding, validation and encoding run with the runtime, as for the
 * unary commands.
 */
import { Reader } from 'protobufjs';
import type { OrderCommandKind } from './order-commands';

const KIND_OF_FIELD: readonly (OrderCommandKind | undefined)[] = [undefined, 'record', 'complete', 'refund'];

/** An OrderEvent split into its command and that command's request bytes. */
export type SplitOrderEvent =
  | { kind: OrderCommandKind; request: Uint8Array }
  | { kind: undefined; problem: 'MALFORMED' | 'MISSING_EVENT' };

const MALFORMED = { kind: undefined, problem: 'MALFORMED' } as const;

/**
 * Splits an OrderEvent, reading it with protobufjs's Reader as the generated
 * decoder would: fields it does not know are skipped (groups included); of
 * the oneof's fields the last one present wins; the same message field
 * present more than once is merged, which for an encoding is the
 * concatenation of its occurrences. What the Reader cannot read (cut short,
 * a bad wire type), field 0, or one of the oneof's fields not
 * length-delimited is MALFORMED.
 */
export function splitOrderEvent(b: Uint8Array): SplitOrderEvent {
  let kind: OrderCommandKind | undefined;
  let parts: Uint8Array[] = [];
  try {
    const r = Reader.create(b);
    while (r.pos < r.len) {
      const tag = r.uint32();
      const field = tag >>> 3;
      if (field === 0) return MALFORMED;
      const known = KIND_OF_FIELD[field];
      if (!known) {
        r.skipType(tag & 7);
        continue;
      }
      if ((tag & 7) !== 2) return MALFORMED;
      const len = r.uint32();
      const start = r.pos;
      r.skip(len);
      if (known !== kind) parts = [];
      kind = known;
      parts.push(b.subarray(start, r.pos));
    }
  } catch {
    return MALFORMED;
  }
  if (!kind) return { kind: undefined, problem: 'MISSING_EVENT' };
  return { kind, request: parts.length === 1 ? parts[0]! : Buffer.concat(parts) };
}
