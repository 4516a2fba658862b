/**
 * src/store/codec.ts: encode writes exactly what the original
 * JSON.stringify-with-a-bigint-replacer wrote (so stores written before and
 * after read the same, and an outbox row re-encoded is byte-identical), and
 * decode reads what the original reviver read.
 */
import { expect } from 'chai';
import { decode, encode } from '../src/store/codec';
import { DEFAULT_DOMAIN_CONFIG, Merchant, type Env } from '../src/domain/merchant';
import type { Lender } from '../src/domain/types';

/** The codec as it was: the on-disk format's reference. */
const reference = {
  encode: (value: unknown): string => JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? { $n: v.toString() } : v)),
  decode: <T>(text: string): T => JSON.parse(text, (_k, v) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      if (keys.length === 1 && keys[0] === '$n' && typeof v.$n === 'string') return BigInt(v.$n);
    }
    return v;
  }) as T,
};

/** Records as the store writes them: snapshots, events, orders, financings, outbox rows. */
function records(): unknown[] {
  const lender: Lender = {
    lenderId: 'L1', gatewayTarget: '127.0.0.1:1', advanceRateBps: 8000, repaymentShareBps: 5000, feeBps: 200,
    verificationThreshold: { currency: 'USD', amount: 1n }, minCompletedOrders: 0, maxRefundRateBps: 2500, verificationTtlMs: 0,
    disbursementTimeoutMs: 0, createTime: 1, updateTime: 2,
  };
  const env: Env = { now: Date.UTC(2026, 0, 1), config: DEFAULT_DOMAIN_CONFIG, newFinancingId: () => 'fin-1', newCode: () => '123456' };
  const m = new Merchant('M"1\\é');
  const out: unknown[] = [lender];
  const keep = (tx: { events: unknown[]; dirtyOrders: Map<string, unknown>; financings: Map<string, unknown>; effects: unknown[] }) => {
    out.push(m.snapshot(), ...tx.events, ...tx.dirtyOrders.values(), ...tx.financings.values(), ...tx.effects);
  };
  for (let i = 0; i < 6; i++) {
    keep(m.run(env, (mm) => mm.recordOrder({ orderId: `O${i}\u2028\ud83d\ude00`, buyerId: 'B\n\t', currency: 'USD', amount: 10_000n + BigInt(i) })).tx);
  }
  keep(m.run(env, (mm) => mm.requestFinancing({ lenderId: 'L1', currency: 'USD', amount: 12_000n, requestId: 'r1' }, lender)).tx);
  keep(m.run(env, (mm) => mm.verifyFinancing('fin-1', '123456', undefined)).tx);
  keep(m.run(env, (mm) => mm.confirmDisbursement('fin-1', 'L1', 'USD', m.active!.approved, 'ref', undefined)).tx);
  keep(m.run(env, (mm) => mm.completeOrder([...mm.pool][0]!)).tx);
  keep(m.run(env, (mm) => mm.refundOrder([...mm.pool][0]!, 'damaged')).tx);
  out.push({ lenderId: 'L1', currency: 'USD', amount: 5n, financingId: 'fin-1', error: { status: 'FAILED_PRECONDITION', reason: 'NOT_ELIGIBLE', message: 'm', metadata: { financing_id: 'fin-1' } } });
  return out;
}

const edgeCases: unknown[] = [
  { s: 'quote " backslash \\ newline \n nul \u0000 us \u001f del \u007f ls \u2028 lone \ud800 pair \ud83d\ude00 é' },
  { 'k"ey\n': 1, 10: 'integer-like keys first', b: 2, a: 1, '': 'empty key' },
  [undefined, () => 1, Symbol('s'), NaN, Infinity, -Infinity, -0, 1e21, 1.5e-7, 2 ** 53, -1.25],
  { u: undefined, f: () => 1, sym: Symbol('s'), n: null, t: true, fa: false, kept: 0 },
  { date: new Date(Date.UTC(2026, 0, 1)), nested: { deeper: [{ x: [] }, {}] } },
  { big: [0n, -1n, 123456789012345678901234567890n, -(2n ** 70n)] },
  { $n: '5', other: 1 },
  'x'.repeat(1000) + '"',
  'plain',
  '',
  7n,
  [],
  {},
  null,
];

describe('store codec', () => {
  it('should encode exactly as JSON.stringify with the bigint replacer did', () => {
    for (const v of [...records(), ...edgeCases]) expect(encode(v)).to.equal(reference.encode(v));
  });

  it('should round-trip bigints, and decode what the old encoder wrote as the old decoder did', () => {
    for (const v of [...records(), ...edgeCases]) {
      const text = reference.encode(v);
      const mine = decode<unknown>(text);
      expect(reference.encode(mine)).to.equal(reference.encode(reference.decode(text)));
      expect(mine).to.deep.equal(reference.decode(text));
    }
    const order = decode<{ amount: bigint; repayment: bigint; arrival: number }>('{"amount":{"$n":"12345678901234567890"},"repayment":{"$n":"-3"},"arrival":4}');
    expect(order).to.deep.equal({ amount: 12345678901234567890n, repayment: -3n, arrival: 4 });
    expect(decode('{"$n":"42"}')).to.equal(42n);
    expect(decode('[{"$n":"1"},[{"$n":"2"}],{"$n":"3","x":1},{"$n":4}]')).to.deep.equal([1n, [2n], { $n: '3', x: 1 }, { $n: 4 }]);
  });

  it('should keep a "__proto__" member an own property, as JSON.parse does', () => {
    const v = decode<Record<string, unknown>>('{"__proto__":{"$n":"7"},"a":{"__proto__":{"x":1}}}');
    expect(Object.getPrototypeOf(v)).to.equal(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(v, '__proto__')?.value).to.equal(7n);
    expect(Object.getPrototypeOf(v.a)).to.equal(Object.prototype);
    expect(encode(v)).to.equal('{"__proto__":{"$n":"7"},"a":{"__proto__":{"x":1}}}');
  });
});
