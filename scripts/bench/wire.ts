/**
 * gRPC over raw HTTP/2, the parts the load generator needs: protobufjs types
 * of the requests (loaded from proto/ like src/api/proto.ts does), the
 * length-prefixed message frame, a parser for response frames, and two
 * field scanners that read only what is measured (an ack's error field, an
 * event's sequence and event_time) instead of decoding whole messages.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as protobuf from 'protobufjs';

export const PROTO_DIR = path.resolve(__dirname, '../../proto');
const PROTO_FILES = ['orderpool/v1/orderpool.proto'];

const root = new protobuf.Root();
root.resolvePath = (_origin, target) => {
  const local = path.join(PROTO_DIR, target);
  return fs.existsSync(local) ? local : target;
};
root.loadSync(PROTO_FILES.map((f) => path.join(PROTO_DIR, f)), { keepCase: true });
root.resolveAll();

export const types = {
  RecordOrderRequest: root.lookupType('orderpool.v1.RecordOrderRequest'),
  CompleteOrderRequest: root.lookupType('orderpool.v1.CompleteOrderRequest'),
  OrderEvent: root.lookupType('orderpool.v1.OrderEvent'),
  GetLenderRequest: root.lookupType('orderpool.v1.GetLenderRequest'),
  WatchMerchantRequest: root.lookupType('orderpool.v1.WatchMerchantRequest'),
};

export const SERVICE = '/orderpool.v1.OrderPoolService';
export const PATHS = {
  RecordOrder: `${SERVICE}/RecordOrder`,
  CompleteOrder: `${SERVICE}/CompleteOrder`,
  StreamOrderEvents: `${SERVICE}/StreamOrderEvents`,
  WatchMerchant: `${SERVICE}/WatchMerchant`,
  GetLender: '/orderpool.v1.LenderAdminService/GetLender',
} as const;

/** Request headers of a gRPC call (HTTP/2 pseudo-headers included). */
export function grpcHeaders(urlPath: string): Record<string, string> {
  return {
    ':method': 'POST',
    ':scheme': 'http',
    ':path': urlPath,
    'content-type': 'application/grpc',
    te: 'trailers',
  };
}

/** Encodes a message of `type` (snake_case fields) into a gRPC frame. */
export function encodeFrame(type: protobuf.Type, message: Record<string, unknown>): Uint8Array {
  const body = type.encode(message).finish();
  const out = new Uint8Array(5 + body.length);
  out[0] = 0;
  new DataView(out.buffer, out.byteOffset, 5).setUint32(1, body.length, false);
  out.set(body, 5);
  return out;
}

/**
 * Splits a byte stream into gRPC message payloads. Messages can straddle
 * DATA chunks, so leftovers are kept until the next chunk.
 */
export class FrameParser {
  private pending: Buffer | undefined;

  push(chunk: Buffer, onMessage: (msg: Buffer) => void): void {
    let buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = undefined;
    let pos = 0;
    while (buf.length - pos >= 5) {
      const len = buf.readUInt32BE(pos + 1);
      if (buf.length - pos - 5 < len) break;
      onMessage(buf.subarray(pos + 5, pos + 5 + len));
      pos += 5 + len;
    }
    if (pos < buf.length) {
      buf = buf.subarray(pos);
      this.pending = Buffer.from(buf); // copy: the chunk may be reused
    }
  }
}

const toNumber = (v: number | { toNumber(): number }) => (typeof v === 'number' ? v : v.toNumber());

/** OrderEventAck: does it carry an error (field 3, google.rpc.Status)? */
export function ackHasError(msg: Buffer): boolean {
  const r = protobuf.Reader.create(msg);
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag >>> 3 === 3) return true;
    r.skipType(tag & 7);
  }
  return false;
}

/** MerchantEvent: sequence (field 1) and event_time (field 3) in epoch ms. */
export function scanEvent(msg: Buffer): { seq: number; timeMs: number } {
  const r = protobuf.Reader.create(msg);
  let seq = 0;
  let timeMs = 0;
  while (r.pos < r.len) {
    const tag = r.uint32();
    const field = tag >>> 3;
    if (field === 1) {
      seq = toNumber(r.int64() as unknown as number);
    } else if (field === 3) {
      const end = r.uint32() + r.pos;
      let seconds = 0;
      let nanos = 0;
      while (r.pos < end) {
        const t = r.uint32();
        if (t >>> 3 === 1) seconds = toNumber(r.int64() as unknown as number);
        else if (t >>> 3 === 2) nanos = r.int32();
        else r.skipType(t & 7);
      }
      timeMs = seconds * 1000 + nanos / 1e6;
    } else {
      r.skipType(tag & 7);
    }
  }
  return { seq, timeMs };
}

/** Wall-clock time in epoch milliseconds with sub-millisecond resolution. */
export const epochNow = (): number => performance.timeOrigin + performance.now();
/** An epoch time expressed on this process's performance.now() clock. */
export const toPerf = (epochMs: number): number => epochMs - performance.timeOrigin;
