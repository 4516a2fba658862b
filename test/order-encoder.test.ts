import { expect } from 'chai';
import type * as grpc from '@grpc/grpc-js';
import { packageDefinition } from '../src/api/proto-definition';
import { encodeOrder } from '../src/api/order-encoder';
import { wireOrder } from '../src/api/convert';
import type { Order } from '../src/domain/types';

const svc = packageDefinition['orderpool.v1.OrderPoolService'] as unknown as Record<string, grpc.MethodDefinition<unknown, unknown>>;
const protoEncode = (o: Order) => svc.RecordOrder!.responseSerialize(wireOrder(o));

const base: Order = {
  merchantId: 'M1', orderId: 'O1', buyerId: 'B1', currency: 'USD', amount: 1000n, state: 'OPEN', financingId: '',
  createTime: 1_764_000_000_123, updateTime: 1_764_000_000_123, refundReason: '', repayment: 0n, arrival: 1, pledgeSeq: 0,
};

describe('Order encoder (order-encoder.ts)', () => {
  it('should write the bytes proto-loader writes for the same order', () => {
    const cases: Order[] = [
      base,
      { ...base, state: 'POOLED', financingId: 'fin-1', pledgeSeq: 7 },
      { ...base, state: 'COMPLETED', repayment: 500n, updateTime: 1_764_000_100_999 },
      { ...base, state: 'REFUNDED', refundReason: 'damaged in transit' },
      { ...base, createTime: 0, updateTime: 0 },
      { ...base, createTime: 1000, updateTime: 999 },
      { ...base, amount: 127n }, { ...base, amount: 128n }, { ...base, amount: 16_383n }, { ...base, amount: 16_384n },
      { ...base, amount: 2n ** 53n - 1n }, { ...base, amount: 2n ** 53n }, { ...base, amount: 2n ** 63n - 1n },
      { ...base, amount: -1n }, { ...base, amount: -(2n ** 63n) },
      { ...base, orderId: 'ördér-€-😀', buyerId: 'x'.repeat(300), merchantId: '' },
      { ...base, currency: 'JPY', refundReason: 'r'.repeat(5000) },
    ];
    for (const o of cases) {
      const mine = Buffer.from(encodeOrder(o));
      expect(mine.toString('hex'), JSON.stringify(o, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v)).slice(0, 200)).to.equal(protoEncode(o).toString('hex'));
    }
  });

  it('should decode to the order it encodes, and answer with a buffer of its own', () => {
    const o = { ...base, state: 'COMPLETED' as const, repayment: 250n, financingId: 'fin-9' };
    const bytes = encodeOrder(o);
    expect(bytes.byteOffset).to.equal(0);
    expect(bytes.buffer.byteLength).to.equal(bytes.byteLength);
    const back = svc.RecordOrder!.responseDeserialize(Buffer.from(bytes)) as Record<string, unknown>;
    expect(back).to.deep.include({ merchantId: 'M1', orderId: 'O1', state: 'ORDER_STATE_COMPLETED', financingId: 'fin-9' });
    expect(back.repayment).to.deep.equal({ currencyCode: 'USD', minorUnits: '250' });
    // A second order does not change the first one's bytes (one scratch buffer, copied out).
    const first = Buffer.from(bytes).toString('hex');
    encodeOrder({ ...base, orderId: 'another' });
    expect(Buffer.from(bytes).toString('hex')).to.equal(first);
  });
});
