import { Merchant, DEFAULT_DOMAIN_CONFIG, systemRandom, type Env } from '../../src/domain/merchant';
import { LevelStore } from '../../src/store/level-store';
import type { MerchantCommit } from '../../src/store/store';
import { orderCounts, ordersOf, merchantId, widthOf } from './dataset';
import type { MerchantEvent, Order } from '../../src/domain/types';

const [dir, nS, mS, gS] = process.argv.slice(2);
const spec = { seed: 1, merchants: Number(nS), orders: Number(mS) };
const G = Number(gS ?? 1000);
async function main() {
  const t0 = performance.now();
  const counts = orderCounts(spec, 100_000);
  const w = widthOf(spec.merchants);
  console.log('counts', (performance.now() - t0).toFixed(0), 'ms');
  const store = await LevelStore.open(dir!);
  const env: Env = { now: 0, config: DEFAULT_DOMAIN_CONFIG, ...systemRandom };
  let domainMs = 0, commitMs = 0;
  let batch: MerchantCommit[] = [];
  let pending: Promise<unknown> = Promise.resolve();
  for (let i = 0; i < spec.merchants; i++) {
    const a = performance.now();
    const mid = merchantId(i, w);
    const m = new Merchant(mid);
    const events: MerchantEvent[] = [];
    const orders: Order[] = [];
    for (const g of ordersOf(spec, mid, i, counts[i]!)) {
      env.now = g.time;
      const { tx } = m.run(env, (mm) => mm.recordOrder({ orderId: g.orderId, buyerId: g.buyerId, currency: g.currency, amount: g.amount }));
      events.push(...tx.events);
      orders.push(...tx.dirtyOrders.values());
    }
    batch.push({ merchantId: mid, snapshot: m.snapshot(), events, orders, financings: [], effects: [], timer: { before: 0, after: 0, financingId: '' } });
    domainMs += performance.now() - a;
    if (batch.length >= G) {
      const b = performance.now();
      await pending;
      pending = store.commit(batch);
      commitMs += performance.now() - b;
      batch = [];
    }
    if (i % 100000 === 0) console.log(i, ((performance.now() - t0) / 1000).toFixed(1), 's');
  }
  await pending;
  await store.commit(batch);
  await store.close();
  console.log('total', ((performance.now() - t0) / 1000).toFixed(1), 's domain', (domainMs / 1000).toFixed(1), 'commit(sync part)', (commitMs / 1000).toFixed(1));
}
main();
