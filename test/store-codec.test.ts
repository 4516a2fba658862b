/**
 * src/store/codec.ts: encode writes exactly what the original
 * JSON.stringify-with-a-bigint-replacer wrote (so stores written before and
 * after read the same, and an outbox row re-encoded is byte-identical), and
 * decode reads what the original reviver read.
 */
import { expect } from 'chai';
import { decode, encode, encodeRecord, RECORDS, type Shape } from '../src/store/codec';
import { DEFAULT_DOMAIN_CONFIG, Merchant, type Env } from '../src/domain/merchant';
import type { Effect, Financing, Lender, MerchantEvent, Order } from '../src/domain/types';
import type { MerchantSnapshot } from '../src/domain/merchant';

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

interface Written {
  snapshots: MerchantSnapshot[];
  events: MerchantEvent[];
  orders: Order[];
  financings: Financing[];
  effects: Effect[];
}

/** Records as the store writes them: snapshots, events, orders, financings, outbox rows. */
function records(): unknown[] {
  const w = written();
  return [w.lender, ...w.all];
}

function written(): Written & { lender: Lender; all: unknown[] } {
  const lender: Lender = {
    lenderId: 'L1', gatewayTarget: '127.0.0.1:1', advanceRateBps: 8000, repaymentShareBps: 5000, feeBps: 200,
    verificationThreshold: { currency: 'USD', amount: 1n }, minCompletedOrders: 0, maxRefundRateBps: 2500, verificationTtlMs: 0,
    disbursementTimeoutMs: 0, createTime: 1, updateTime: 2,
  };
  const env: Env = { now: Date.UTC(2026, 0, 1), config: DEFAULT_DOMAIN_CONFIG, newFinancingId: () => 'fin-1', newCode: () => '123456' };
  const m = new Merchant('M"1\\é');
  const out: unknown[] = [];
  const w: Written = { snapshots: [], events: [], orders: [], financings: [], effects: [] };
  const keep = (tx: { events: MerchantEvent[]; dirtyOrders: Map<string, Order>; financings: Map<string, Financing>; effects: Effect[] }) => {
    const snap = m.snapshot();
    out.push(snap, ...tx.events, ...tx.dirtyOrders.values(), ...tx.financings.values(), ...tx.effects);
    w.snapshots.push(snap);
    w.events.push(...tx.events);
    w.orders.push(...tx.dirtyOrders.values());
    w.financings.push(...tx.financings.values());
    w.effects.push(...tx.effects);
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
  return { ...w, lender, all: out };
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

  describe('positional records', () => {
    const kinds = (w: Written): [Shape, object[]][] => [
      [RECORDS.snapshot, w.snapshots], [RECORDS.event, w.events], [RECORDS.order, w.orders], [RECORDS.financing, w.financings], [RECORDS.effect, w.effects],
    ];

    it('should decode every record to what the JSON form decodes to', () => {
      const w = written();
      for (const [sh, list] of kinds(w)) {
        expect(list, sh.tag).to.not.be.empty;
        for (const v of list) {
          const text = encodeRecord(sh, v);
          const recorded = (o: Order) => o.state === 'OPEN' && o.financingId === '' && o.updateTime === o.createTime;
          const tag = sh === RECORDS.event && (v as MerchantEvent).type === 'ORDER_RECORDED' ? '$r1' : sh === RECORDS.order && recorded(v as Order) ? '$q1' : sh.tag;
          expect(text.startsWith(`["${tag}",`), text).to.equal(true);
          expect(decode(text)).to.deep.equal(decode(encode(v)));
        }
      }
    });

    it('should write at most half the bytes of the JSON form for every record', () => {
      const w = written();
      const size = (f: (v: object) => string, list: object[]) => list.reduce((n, v) => n + Buffer.byteLength(f(v)), 0);
      for (const [sh, list] of kinds(w)) {
        expect(size((v) => encodeRecord(sh, v), list), sh.tag).to.be.at.most(size(encode, list) / 2);
      }
    });

    it('should keep absent optional fields absent, a null financing null, and a sealed outbox row sealed', () => {
      const w = written();
      const recorded = w.events.find((e) => e.type === 'ORDER_RECORDED')!;
      expect(recorded.financing).to.equal(undefined);
      const back = decode<MerchantEvent>(encodeRecord(RECORDS.event, recorded));
      expect(Object.keys(back)).to.not.include('financing');
      expect(back).to.deep.equal(recorded);
      const idle = w.snapshots[0]!;
      expect(idle.machine.financing).to.equal(null);
      expect(decode<MerchantSnapshot>(encodeRecord(RECORDS.snapshot, idle)).machine.financing).to.equal(null);
      const sealed = { ...w.effects.find((e) => e.method === 'ReceiveRepayment')!, sealed: true, amount: 12345678901234567890123n };
      expect(decode(encodeRecord(RECORDS.effect, sealed))).to.deep.equal(sealed);
    });

    it('should refuse to write a record with a property its shape does not name, instead of losing it', () => {
      const o = { ...written().orders[0]!, note: 'not in the shape' };
      expect(() => encodeRecord(RECORDS.order, o)).to.throw(/\$o1 record has a property its shape does not name/);
      const ev = { ...written().events[0]!, order: o };
      expect(() => encodeRecord(RECORDS.event, ev)).to.throw(/\$o1/);
    });

    it('should write an ORDER_RECORDED event as recorded in the short $r1 form, and read back the same event', () => {
      const recorded = written().events.filter((e) => e.type === 'ORDER_RECORDED');
      expect(recorded).to.have.length(6);
      for (const ev of recorded) {
        const text = encodeRecord(RECORDS.event, ev);
        expect(text.startsWith('["$r1",'), text).to.equal(true);
        expect(decode(text)).to.deep.equal(ev);
        expect(decode(text)).to.deep.equal(decode(JSON.stringify(RECORDS.event.encode(ev as never))));
        expect(Buffer.byteLength(text)).to.be.below(Buffer.byteLength(JSON.stringify(RECORDS.event.encode(ev as never))) / 2);
      }
    });

    it('should fall back to $e1 for an ORDER_RECORDED event that $r1 would not rebuild exactly', () => {
      const ev = written().events.find((e) => e.type === 'ORDER_RECORDED')!;
      const o = ev.order!;
      const variants: MerchantEvent[] = [
        { ...ev, order: { ...o, state: 'POOLED' } },
        { ...ev, order: { ...o, financingId: 'fin-1' } },
        { ...ev, order: { ...o, updateTime: ev.time + 1 } },
        { ...ev, order: { ...o, createTime: ev.time - 1 } },
        { ...ev, order: { ...o, refundReason: 'x' } },
        { ...ev, order: { ...o, repayment: 1n } },
        { ...ev, order: { ...o, pledgeSeq: 3 } },
        { ...ev, order: { ...o, merchantId: 'other' } },
        { ...ev, amount: 5n },
        { ...ev, detail: 'd' },
        { ...ev, type: 'ORDER_PLEDGED' },
      ];
      for (const v of variants) {
        const text = encodeRecord(RECORDS.event, v);
        expect(text.startsWith('["$e1",'), text).to.equal(true);
        expect(decode(text)).to.deep.equal(v);
      }
      // A property the order shape does not name is refused, as for any $e1 record.
      expect(() => encodeRecord(RECORDS.event, { ...ev, order: { ...o, note: 'x' } })).to.throw(/\$o1 record has a property/);
      // A $r1 row with a missing field is refused, not read as a half order.
      expect(() => decode('["$r1",1,"M1",5,"O1",null,"USD","10",1]')).to.throw(/\$r1 record without its buyerId/);
    });

    it('should write an order as recorded in the short $q1 form, any other order as $o1, and read back the same order', () => {
      const ev = written().events.find((e) => e.type === 'ORDER_RECORDED')!;
      const o = ev.order!;
      const text = encodeRecord(RECORDS.order, o);
      expect(text.startsWith('["$q1",'), text).to.equal(true);
      expect(decode(text)).to.deep.equal(o);
      expect(Buffer.byteLength(text)).to.be.below(Buffer.byteLength(JSON.stringify(RECORDS.order.encode(o as never))) * 0.7);
      const variants = [
        { ...o, state: 'POOLED' as const }, { ...o, financingId: 'fin-1' }, { ...o, updateTime: o.createTime + 1 }, { ...o, refundReason: 'x' },
        { ...o, repayment: 1n }, { ...o, pledgeSeq: 3 },
      ];
      for (const v of variants) {
        const t = encodeRecord(RECORDS.order, v);
        expect(t.startsWith('["$o1",'), t).to.equal(true);
        expect(decode(t)).to.deep.equal(v);
      }
      expect(() => encodeRecord(RECORDS.order, { ...o, note: 'x' })).to.throw(/\$o1 record has a property/);
      expect(() => decode('["$q1","M1","O1",null,"USD","10",5,1]')).to.throw(/\$q1 record without its buyerId/);
    });

    it('should refuse a positional record whose field count does not match its tag', () => {
      expect(() => decode('["$o1","M1","O1"]')).to.throw(/does not have the fields of \$o1/);
      expect(decode('["$unknown",1]')).to.deep.equal(['$unknown', 1]); // not a record: plain JSON
    });
  });
});
