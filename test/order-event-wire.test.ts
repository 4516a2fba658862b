import { expect } from 'chai';
import type * as grpc from '@grpc/grpc-js';
import { packageDefinition } from '../src/api/proto-definition';
import { splitOrderEvent } from '../src/api/order-event-wire';
import { encodeAck } from '../src/api/order-encoder';
import { toWireStatus } from '../src/api/status';
import { invalid } from '../src/domain/errors';

const svc = packageDefinition['orderpool.v1.OrderPoolService'] as unknown as Record<string, grpc.MethodDefinition<unknown, unknown>>;
const stream = svc.StreamOrderEvents!;
const encodeEvent = (ev: object) => stream.requestSerialize(ev);
const decodeAck = (b: Uint8Array) => stream.responseDeserialize(Buffer.from(b)) as { index: string; order: { orderId: string } | null; error: { code: number } | null };

const record = { merchantId: 'M1', orderId: 'O1', buyerId: 'B1', amount: { currencyCode: 'USD', minorUnits: '1000' } };
const complete = { merchantId: 'M1', orderId: 'O1' };
const refund = { merchantId: 'M1', orderId: 'O2', reason: 'damaged' };

/** A length-delimited field: tag, length, bytes. */
const lenField = (field: number, body: Uint8Array) => Buffer.concat([Buffer.from([(field << 3) | 2, body.length]), body]);

describe('StreamOrderEvents wire (order-event-wire.ts)', () => {
  it('should split each kind of event into the bytes its unary command takes', () => {
    for (const [kind, body, method] of [['record', record, 'RecordOrder'], ['complete', complete, 'CompleteOrder'], ['refund', refund, 'RefundOrder']] as const) {
      const split = splitOrderEvent(encodeEvent({ [kind]: body }));
      expect(split.kind).to.equal(kind);
      if (split.kind === undefined) return;
      expect(Buffer.from(split.request).equals(svc[method]!.requestSerialize(body))).to.equal(true);
    }
  });

  it('should skip unknown fields of every wire type, groups included, as a protobuf decoder does', () => {
    const inner = svc.CompleteOrder!.requestSerialize(complete);
    const unknown = Buffer.from([
      (9 << 3) | 0, 0xac, 0x02, // varint
      (10 << 3) | 1, 1, 2, 3, 4, 5, 6, 7, 8, // fixed64
      (11 << 3) | 5, 1, 2, 3, 4, // fixed32
      (12 << 3) | 2, 2, 0xff, 0xff, // bytes
      (13 << 3) | 3, (1 << 3) | 0, 5, (13 << 3) | 4, // a group (deprecated), with a varint inside
    ]);
    const bytes = Buffer.concat([unknown, lenField(2, inner), unknown]);
    expect((stream.requestDeserialize(bytes) as { event: string }).event).to.equal('complete'); // protobufjs reads it the same
    const split = splitOrderEvent(bytes);
    expect(split.kind).to.equal('complete');
    if (split.kind) expect(Buffer.from(split.request).equals(inner)).to.equal(true);
  });

  it('should take the last of the oneof fields, and merge a field given twice', () => {
    const rec = svc.RecordOrder!.requestSerialize(record);
    const comp = svc.CompleteOrder!.requestSerialize(complete);
    const last = splitOrderEvent(Buffer.concat([lenField(1, rec), lenField(2, comp)]));
    expect(last.kind).to.equal('complete');
    // protobufjs decodes the same bytes to the same choice.
    expect(Object.keys(stream.requestDeserialize(Buffer.concat([lenField(1, rec), lenField(2, comp)])) as object)).to.include('complete');
    const a = svc.CompleteOrder!.requestSerialize({ merchantId: 'M1' });
    const b = svc.CompleteOrder!.requestSerialize({ orderId: 'O9' });
    const merged = splitOrderEvent(Buffer.concat([lenField(2, a), lenField(2, b)]));
    expect(merged.kind).to.equal('complete');
    if (merged.kind) expect(svc.CompleteOrder!.requestDeserialize(Buffer.from(merged.request))).to.deep.include({ merchantId: 'M1', orderId: 'O9' });
  });

  it('should report an event with none of the fields as MISSING_EVENT, and cut or invalid bytes as MALFORMED', () => {
    expect(splitOrderEvent(new Uint8Array(0))).to.deep.equal({ kind: undefined, problem: 'MISSING_EVENT' });
    expect(splitOrderEvent(Buffer.from([(9 << 3) | 0, 1]))).to.deep.equal({ kind: undefined, problem: 'MISSING_EVENT' });
    const rec = encodeEvent({ record });
    for (const bad of [
      rec.subarray(0, rec.length - 1), // length runs past the end
      Buffer.from([0x0a]), // tag without its length
      Buffer.from([0x08, 1]), // record with the varint wire type
      Buffer.from([0x00, 1]), // field 0
      Buffer.from([(9 << 3) | 3]), // a group never ended
      Buffer.from([(9 << 3) | 4]), // an end of group without its start
      Buffer.from([(9 << 3) | 1, 1, 2]), // fixed64 cut short
      Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]), // varint over 10 bytes
    ]) {
      expect(splitOrderEvent(bad), bad.toString('hex')).to.deep.equal({ kind: undefined, problem: 'MALFORMED' });
    }
  });

  it('should encode acks byte for byte as protobufjs does, with an order or an error', () => {
    const orderObject = { merchantId: 'M1', orderId: 'O1', state: 'ORDER_STATE_OPEN', amount: { currencyCode: 'USD', minorUnits: '1000' } };
    const order = svc.RecordOrder!.responseSerialize(orderObject);
    const status = toWireStatus(invalid('MISSING_FIELD', 'merchant_id is required'));
    for (const index of [0, 1, 127, 128, 300, 2 ** 31, 2 ** 40]) {
      const ok = encodeAck(index, 'order', order);
      expect(ok.equals(stream.responseSerialize({ index: String(index), order: orderObject })), `order ack ${index}`).to.equal(true);
      expect(decodeAck(ok).index).to.equal(String(index));
      const err = encodeAck(index, 'error', status.bytes);
      expect(err.equals(stream.responseSerialize({ index: String(index), error: status.status })), `error ack ${index}`).to.equal(true);
      expect(decodeAck(err).error?.code).to.equal(3);
    }
  });
});
