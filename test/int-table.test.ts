/**
 * IntTable (src/runtime/int-table.ts): a Map of integer keys that clears what
 * it lets go of. Checked against a Map on random operations, and for what
 * node:http2 and the runtime thread's pending calls rely on.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { IntTable } from '../src/runtime/int-table';

type Op = { k: 'set'; key: number; v: number } | { k: 'del'; key: number } | { k: 'clear' };

const key = fc.oneof(
  fc.integer({ min: 0, max: 40 }), // collisions and tombstones
  fc.integer({ min: 0, max: 2 ** 31 - 1 }), // HTTP/2 stream ids
  fc.maxSafeInteger().map((n) => Math.abs(n)), // above 2^32 too
);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ k: fc.constant('set' as const), key, v: fc.integer() }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('del' as const), key }) },
  { weight: 1, arbitrary: fc.constant({ k: 'clear' as const }) },
);

describe('IntTable', () => {
  it('behaves as a Map under random set, delete and clear', () => {
    fc.assert(fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
      const t = new IntTable<number>();
      const m = new Map<number, number>();
      for (const o of ops) {
        if (o.k === 'set') {
          expect(t.set(o.key, o.v)).to.equal(t);
          m.set(o.key, o.v);
        } else if (o.k === 'del') {
          expect(t.delete(o.key)).to.equal(m.delete(o.key));
        } else {
          t.clear();
          m.clear();
        }
        expect(t.size).to.equal(m.size);
      }
      for (const [k, v] of m) {
        expect(t.get(k)).to.equal(v);
        expect(t.has(k)).to.equal(true);
      }
      expect(new Map(t.entries())).to.deep.equal(m);
      expect([...t.keys()].sort()).to.deep.equal([...m.keys()].sort());
      expect([...t.values()].sort()).to.deep.equal([...m.values()].sort());
      expect(t.get(2 ** 40 + 7)).to.equal(m.get(2 ** 40 + 7));
    }), { numRuns: 300 });
  });

  it('keeps its entries through many resizes while calls come and go', () => {
    const t = new IntTable<{ id: number }>();
    const live: number[] = [];
    for (let id = 1; id < 20_000; id += 2) {
      t.set(id, { id });
      live.push(id);
      if (live.length > 40) expect(t.delete(live.shift()!)).to.equal(true);
    }
    expect(t.size).to.equal(40);
    for (const id of live) expect(t.get(id)).to.deep.equal({ id });
    // A long-lived entry among them stays found.
    t.set(0, { id: 0 });
    for (let id = 20_001; id < 40_000; id += 2) {
      t.set(id, { id });
      t.delete(id);
    }
    expect(t.get(0)).to.deep.equal({ id: 0 });
    expect(t.size).to.equal(41);
  });

  it('leaves the value array it gives up on a resize empty, and clears deleted slots', () => {
    const t = new IntTable<object>();
    const slots = () => (t as unknown as { slotVals: (object | undefined)[] }).slotVals;
    for (let i = 0; i < 5; i++) t.set(i, {});
    const before = slots();
    for (let i = 5; i < 200; i++) t.set(i, {});
    expect(slots()).to.not.equal(before);
    expect(before.every((v) => v === undefined)).to.equal(true);
    for (let i = 0; i < 200; i++) t.delete(i);
    expect(slots().every((v) => v === undefined)).to.equal(true);
    expect(t.size).to.equal(0);
  });

  it('forEach visits each entry once and skips those deleted during the visit (as node:http2 destroys its streams)', () => {
    const t = new IntTable<string>();
    for (let i = 1; i <= 99; i += 2) t.set(i, `s${i}`);
    const seen: number[] = [];
    const deleted = new Set<number>();
    t.forEach((v, k, table) => {
      expect(table).to.equal(t);
      expect(v).to.equal(`s${k}`);
      expect(deleted.has(k), `visited ${k} after its deletion`).to.equal(false);
      seen.push(k);
      // A stream's destroy removes it from the session's table; here its neighbour goes too.
      for (const d of [k, k + 2]) if (t.delete(d)) deleted.add(d);
    });
    expect(t.size).to.equal(0);
    expect(new Set(seen).size).to.equal(seen.length);
    // Every entry was either visited or deleted before its turn.
    expect(new Set([...seen, ...deleted]).size).to.equal(50);
    expect(seen.length).to.be.greaterThan(0).and.lessThan(50);
  });

  it('refuses keys that are not non-negative safe integers, and changes nothing', () => {
    const t = new IntTable<number>();
    t.set(1, 1);
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
      expect(() => t.set(bad, 2)).to.throw(RangeError, /non-negative safe integer/);
      expect(t.get(bad)).to.equal(undefined);
      expect(t.delete(bad)).to.equal(false);
    }
    expect(t.size).to.equal(1);
    expect(t.get(1)).to.equal(1);
  });
});
