/**
 * Passivation over the bounds (src/runtime/router.ts R4): the actor that goes
 * is the least recently used of all shards, not the oldest of the first
 * shard. Router + LevelStore on a temp dir, with the store's loads counted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import { ManualClock } from '../src/runtime/clock';
import { Router, type RuntimeConfig } from '../src/runtime/router';
import { LevelStore } from '../src/store/level-store';
import { routerConfig } from './router-fixtures';

describe('router: passivation over the bounds', () => {
  let dir: string;
  let store: LevelStore;
  let router: Router | undefined;
  const loads: string[] = [];

  const start = async (config: RuntimeConfig) => {
    store = await LevelStore.open(dir);
    const load = store.loadMerchant.bind(store);
    store.loadMerchant = (merchantId: string) => {
      loads.push(merchantId);
      return load(merchantId);
    };
    router = new Router(store, new ManualClock(), config, { newFinancingId: () => 'fin-1', newCode: () => '000000' }, () => {});
    return router;
  };
  const record = (r: Router, m: string, orderId: string) =>
    r.command(m, { body: (mm) => mm.recordOrder({ orderId, buyerId: 'B', currency: 'USD', amount: 100n }) });
  const touch = (r: Router, m: string) => r.read(m, (mm) => mm.orders.size);
  /** A merchant id of the given shard, not among `taken`. */
  const idIn = (r: Router, shard: number, taken: string[]) => {
    for (let i = 0; ; i++) {
      const id = `M${i}`;
      if (r.shardOf(id) === shard && !taken.includes(id)) return id;
    }
  };

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'orderpool-evict-'));
    loads.length = 0;
  });
  afterEach(async () => {
    router?.stop();
    router = undefined;
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should passivate the least recently used merchant of all shards when over --max-orders-in-memory', async () => {
    const r = await start({ ...routerConfig(4), maxOrders: 10 });
    const cold = idIn(r, 2, []);
    const hot = idIn(r, 0, [cold]);
    const next = idIn(r, 3, [cold, hot]);
    for (let i = 1; i <= 5; i++) await record(r, cold, `O${i}`);
    for (let i = 1; i <= 5; i++) await record(r, hot, `O${i}`);
    await touch(r, hot);
    expect(r.stats()).to.include({ orders: 10, active: 2 });

    // One more order is over the bound: the cold merchant goes, though the hot one's shard comes first.
    await record(r, next, 'O1');
    expect(r.stats()).to.include({ orders: 6, active: 2 });
    expect(r.stats().passivated.capacity).to.equal(1);
    loads.length = 0;
    expect(await touch(r, hot)).to.equal(5);
    expect(loads).to.deep.equal([]);
    expect(await touch(r, cold)).to.equal(5);
    expect(loads).to.deep.equal([cold]);
  });

  it('should passivate the least recently used merchants of all shards when over --max-active-merchants', async () => {
    const r = await start({ ...routerConfig(4), maxActive: 3 });
    const ids: string[] = [];
    for (const shard of [0, 1, 2, 3, 0, 1]) ids.push(idIn(r, shard, ids));
    // Used in the order 3, 2, 1, 0 of the first four: ids[3] is the least recently used.
    for (const i of [3, 2, 1, 0]) await record(r, ids[i]!, 'O1');
    expect(r.stats().active).to.equal(3); // ids[3] went when ids[0] came
    for (const i of [4, 5]) await record(r, ids[i]!, 'O1');
    expect(r.stats().active).to.equal(3);
    loads.length = 0;
    // The three most recent stay (ids[0], [4], [5]); ids[1] and [2] went, in shards 1 and 2, while shard 0's ids[0] stayed.
    for (const i of [0, 4, 5]) await touch(r, ids[i]!);
    expect(loads).to.deep.equal([]);
  });
});
