/**
 * The order commands' fast path (src/api/order-fast-path.ts) against the full
 * path (protobufjs's decoder and the zod schema): whatever the fast path
 * accepts, the full path accepts with the same values; and the fast path does
 * take the common case.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import type * as grpc from '@grpc/grpc-js';
import { DEFAULTS } from '../src/config';
import { fastCompleteOrder, fastRecordOrder } from '../src/api/order-fast-path';
import { packageDefinition } from '../src/api/proto-definition';
import { parse, schemas } from '../src/api/validate';

const s = schemas(DEFAULTS);
const methods = packageDefinition['orderpool.v1.OrderPoolService'] as unknown as Record<string, grpc.MethodDefinition<unknown, unknown>>;
const encode = (method: string, request: object) => methods[method]!.requestSerialize(request) as Buffer;
const decode = (method: string, bytes: Uint8Array) => methods[method]!.requestDeserialize(Buffer.from(bytes));

/** The full path's answer: its values, or undefined when it rejects the bytes. */
function fullRecord(bytes: Uint8Array) {
  try {
    return parse(s.recordOrder, decode('RecordOrder', bytes));
  } catch {
    return undefined;
  }
}
function fullComplete(bytes: Uint8Array) {
  try {
    return parse(s.completeOrder, decode('CompleteOrder', bytes));
  } catch {
    return undefined;
  }
}

const printable = fc.string({ unit: fc.constantFrom(...'abcXYZ019-_:./~!'.split('')), minLength: 1, maxLength: 20 });
const id = fc.oneof(
  { weight: 6, arbitrary: printable },
  { weight: 1, arbitrary: fc.constant('') },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) }, // spaces, controls
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }) }, // non-ASCII
  { weight: 1, arbitrary: fc.integer({ min: 120, max: 140 }).map((n) => 'x'.repeat(n)) }, // around the length limit
);
const currency = fc.constantFrom('USD', 'EUR', 'JPY', 'usd', 'XYZ', 'US', 'USDD', '');
const minorUnits = fc.oneof(
  fc.bigInt({ min: 1n, max: DEFAULTS.maxAmount }),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.constantFrom(0n, 1n, DEFAULTS.maxAmount, DEFAULTS.maxAmount + 1n, -1n),
);
const money = fc.option(fc.record({ currencyCode: currency, minorUnits: minorUnits.map(String) }), { nil: null });
const recordRequest = fc.record({ merchantId: id, orderId: id, buyerId: id, amount: money });

/** The bytes of a request, or bytes near them: cut, a byte changed, a field repeated or added. */
const mutated = (base: fc.Arbitrary<Buffer>) => fc.tuple(base, base, fc.nat(), fc.nat(255), fc.nat(3)).map(([a, b, at, byte, how]) => {
  if (how === 0) return a.subarray(0, at % (a.length + 1));
  if (how === 1) {
    const c = Buffer.from(a);
    if (c.length > 0) c[at % c.length] = byte;
    return c;
  }
  if (how === 2) return Buffer.concat([a, b]);
  return Buffer.concat([a, Buffer.from([0x2a, 0x01, byte])]); // an unknown field 5
});

describe('order commands: the fast path (src/api/order-fast-path.ts)', () => {
  it('RecordOrder: what it accepts, the full path accepts with the same values', () => {
    const bytes = recordRequest.map((r) => encode('RecordOrder', r));
    fc.assert(fc.property(fc.oneof(bytes, mutated(bytes)), (b) => {
      const fast = fastRecordOrder(b, s.limits);
      if (fast !== undefined) expect(fast).to.deep.equal(fullRecord(b));
    }), { numRuns: 3000 });
  });

  it('CompleteOrder: what it accepts, the full path accepts with the same values', () => {
    const bytes = fc.record({ merchantId: id, orderId: id }).map((r) => encode('CompleteOrder', r));
    fc.assert(fc.property(fc.oneof(bytes, mutated(bytes)), (b) => {
      const fast = fastCompleteOrder(b, s.limits);
      if (fast !== undefined) expect(fast).to.deep.equal(fullComplete(b));
    }), { numRuns: 3000 });
  });

  it('takes the common case: valid requests, fields in any order', () => {
    const valid = fc.record({
      merchantId: printable, orderId: printable, buyerId: printable,
      amount: fc.record({ currencyCode: fc.constantFrom('USD', 'EUR', 'JPY'), minorUnits: fc.bigInt({ min: 1n, max: DEFAULTS.maxAmount }).map(String) }),
    });
    fc.assert(fc.property(valid, (r) => {
      const b = encode('RecordOrder', r);
      expect(fastRecordOrder(b, s.limits)).to.deep.equal(fullRecord(b)).and.not.equal(undefined);
      const c = encode('CompleteOrder', { merchantId: r.merchantId, orderId: r.orderId });
      expect(fastCompleteOrder(c, s.limits)).to.deep.equal({ merchantId: r.merchantId, orderId: r.orderId });
    }), { numRuns: 500 });
    // Fields in another order than protobufjs writes them (the amount first).
    const m = encode('RecordOrder', { amount: { currencyCode: 'USD', minorUnits: '250' } });
    const ids = encode('RecordOrder', { merchantId: 'M1', orderId: 'O1', buyerId: 'B1' });
    expect(fastRecordOrder(Buffer.concat([m, ids]), s.limits)).to.deep.equal({ merchantId: 'M1', orderId: 'O1', buyerId: 'B1', amount: { currency: 'USD', amount: 250n } });
  });

  it('leaves to the full path what it must answer with an error', () => {
    const ok = { merchantId: 'M1', orderId: 'O1', buyerId: 'B1', amount: { currencyCode: 'USD', minorUnits: '100' } };
    const cases: [string, object][] = [
      ['no amount', { ...ok, amount: null }],
      ['zero amount', { ...ok, amount: { currencyCode: 'USD', minorUnits: '0' } }],
      ['negative amount', { ...ok, amount: { currencyCode: 'USD', minorUnits: '-5' } }],
      ['above the limit', { ...ok, amount: { currencyCode: 'USD', minorUnits: String(DEFAULTS.maxAmount + 1n) } }],
      ['unknown currency', { ...ok, amount: { currencyCode: 'ABC', minorUnits: '100' } }],
      ['empty merchant', { ...ok, merchantId: '' }],
      ['a space in an id', { ...ok, orderId: 'O 1' }],
      ['a non-ASCII id', { ...ok, buyerId: 'Bé' }],
      ['an id too long', { ...ok, orderId: 'x'.repeat(DEFAULTS.maxIdLength + 1) }],
    ];
    for (const [label, r] of cases) {
      const b = encode('RecordOrder', r);
      expect(fastRecordOrder(b, s.limits), label).to.equal(undefined);
      expect(fullRecord(b), label).to.equal(undefined);
    }
    expect(fastRecordOrder(Buffer.from([0xff, 0xff]), s.limits)).to.equal(undefined);
    expect(fastCompleteOrder(encode('CompleteOrder', { merchantId: 'M1' }), s.limits)).to.equal(undefined);
  });
});
