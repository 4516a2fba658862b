import { ClassicLevel } from 'classic-level';
import { encode } from '../../src/store/codec';
import { Merchant, DEFAULT_DOMAIN_CONFIG, systemRandom, type Env } from '../../src/domain/merchant';
const env: Env = { now: Date.UTC(2026,0,1), config: DEFAULT_DOMAIN_CONFIG, ...systemRandom };
const m = new Merchant('m0000001');
const { tx } = m.run(env, (mm) => mm.recordOrder({ orderId: 'm0000001-000001', buyerId: 'b123456', currency: 'USD', amount: 12345n }));
const ev = tx.events[0]!; const o = [...tx.dirtyOrders.values()][0]!; const snap = m.snapshot();
const N = 300_000;
let t = performance.now(); let s = 0;
for (let i = 0; i < N; i++) { s += encode(ev).length + encode(o).length; }
console.log('encode replacer µs/order', ((performance.now() - t) * 1000 / N).toFixed(2));
const a = encode(ev), b = encode(o), c = encode(snap);
(BigInt.prototype as any).toJSON = function () { return { $n: this.toString() }; };
console.log('identical', JSON.stringify(ev) === a, JSON.stringify(o) === b, JSON.stringify(snap) === c);
t = performance.now();
for (let i = 0; i < N; i++) { s += JSON.stringify(ev).length + JSON.stringify(o).length; }
console.log('encode toJSON µs/order', ((performance.now() - t) * 1000 / N).toFixed(2));
delete (BigInt.prototype as any).toJSON;
async function w(kind: string) {
  const dir = '/tmp/scale-micro-' + kind;
  const db = new ClassicLevel<string, string>(dir, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
  await db.open();
  const t0 = performance.now();
  const G = 20_000;
  for (let base = 0; base < N; base += G) {
    if (kind === 'array') {
      const ops: any[] = [];
      for (let i = base; i < base + G; i++) { ops.push({ type: 'put', key: `e\0m${String(i).padStart(7,'0')}\x00000000000001`, value: a }); ops.push({ type: 'put', key: `o\0m${String(i).padStart(7,'0')}\x00x`, value: b }); }
      await db.batch(ops);
    } else if (kind === 'chained') {
      const bt = db.batch();
      for (let i = base; i < base + G; i++) { bt.put(`e\0m${String(i).padStart(7,'0')}\x00000000000001`, a); bt.put(`o\0m${String(i).padStart(7,'0')}\x00x`, b); }
      await bt.write();
    } else {
      const ops: any[] = [];
      for (let i = base; i < base + G; i++) { ops.push({ type: 'put', key: `e\0m${String(i).padStart(7,'0')}\x00000000000001`, value: a }); ops.push({ type: 'put', key: `o\0m${String(i).padStart(7,'0')}\x00x`, value: b }); }
      await (db as any)._batch(ops, {});
    }
  }
  console.log(kind, 'µs/order (2 ops)', ((performance.now() - t0) * 1000 / N).toFixed(2));
  await db.close();
  require('fs').rmSync(dir, { recursive: true, force: true });
}
(async () => { await w('array'); await w('chained'); await w('raw'); console.log(s > 0); })();
