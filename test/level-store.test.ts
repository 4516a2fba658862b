/**
 * src/store/level-store.ts: group commit (and its linger while commits
 * come concurrently), the batch filled at commit time, deletes that ride in the next
 * synced batch, and the positional records on disk. A real LevelStore on a temp dir, reopened in between.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import { ClassicLevel } from 'classic-level';
import { LevelStore } from '../src/store/level-store';
import type { MerchantCommit, OutboxRow } from '../src/store/store';
import { DEFAULT_DOMAIN_CONFIG, Merchant, type Env } from '../src/domain/merchant';

const env: Env = { now: Date.UTC(2026, 0, 1), config: DEFAULT_DOMAIN_CONFIG, newFinancingId: () => 'fin-1', newCode: () => '000000' };

/** The commit a RecordOrder of `orderId` on a fresh merchant makes. */
function recordCommit(merchantId: string, orderId: string): MerchantCommit {
  const m = new Merchant(merchantId);
  const { tx } = m.run(env, (mm) => mm.recordOrder({ orderId, buyerId: 'B', currency: 'USD', amount: 1000n }));
  return {
    merchantId, snapshot: m.snapshot(), events: tx.events, orders: [...tx.dirtyOrders.values()],
    financings: [], effects: tx.effects,
  };
}

describe('LevelStore', () => {
  let dir: string;
  let store: LevelStore | undefined;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'orderpool-level-store-'));
  });
  afterEach(async () => {
    await store?.close().catch(() => {});
    store = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('should group commits that arrive during a write into the next synced batch, and answer each after its batch', async () => {
    const batches: number[] = [];
    store = await LevelStore.open(dir, { onBatch: (commits) => batches.push(commits) });
    const first = store.commit([recordCommit('M0', 'O0')]);
    const rest = Array.from({ length: 20 }, (_, i) => store!.commit([recordCommit(`M${i + 1}`, `O${i + 1}`)]));
    await Promise.all([first, ...rest]);
    expect(batches[0]).to.equal(1);
    expect(batches.slice(1).reduce((a, b) => a + b, 0)).to.equal(20);
    expect(batches.length).to.be.lessThan(21); // the 20 waited together, not one write each
    for (let i = 0; i <= 20; i++) expect((await store.loadMerchant(`M${i}`))?.orders.map((o) => o.orderId)).to.deep.equal([`O${i}`]);
  });

  it('should start the next write at the end of the turn its last write completed in, with the commits made meanwhile', async () => {
    const batches: number[] = [];
    store = await LevelStore.open(dir, { onBatch: (commits) => batches.push(commits) });
    const commit = (m: string) => store!.commit([recordCommit(m, 'O1')]);
    // A is written alone; X waits during its write. When A's write
    // completes, its answer's reaction commits B (a merchant's next command
    // waiting on that commit): B goes with X, instead of X alone and B after.
    const a = commit('A').then(() => commit('B'));
    const x = commit('X');
    await Promise.all([a, x]);
    expect(batches).to.deep.equal([1, 2]);
    for (const m of ['A', 'B', 'X']) expect((await store.loadMerchant(m))?.orders).to.have.length(1);
  });

  it('should let a commit wait lingerMs for company while commits come concurrently, and write a lone one at once', async () => {
    const batches: number[] = [];
    store = await LevelStore.open(dir, { lingerMs: 20, onBatch: (commits) => batches.push(commits) });
    const together = async (...ms: string[]) => {
      await Promise.all(ms.map((m) => store!.commit([recordCommit(m, 'O1')])));
      // Past the end of the turn the last write completed in (when a commit
      // made in it would still join the next write, see the test above).
      await new Promise((r) => setTimeout(r, 1));
    };
    await together('M1', 'M2', 'M3'); // nothing written before: M1 at once, M2 and M3 wait for it together
    expect(batches).to.deep.equal([1, 2]);
    await together('M4', 'M5'); // the last write held two: M4 lingers and M5 joins it
    expect(batches).to.deep.equal([1, 2, 2]);
    await together('M6'); // lingers too, and goes alone
    await together('M7', 'M8'); // the last write was a lone one: M7 goes at once, M8 after it
    expect(batches).to.deep.equal([1, 2, 2, 1, 1, 1]);
    for (const m of ['M1', 'M2', 'M3', 'M4', 'M5', 'M6', 'M7', 'M8']) expect((await store.loadMerchant(m))?.orders).to.have.length(1);
  });

  it('should store the hot records positionally and read them back as they were', async () => {
    store = await LevelStore.open(dir);
    const c = recordCommit('M1', 'O1');
    await store.commit([c]);
    await store.close();
    store = undefined;
    const db = new ClassicLevel<string, string>(dir);
    const raw = await db.values({ gte: 'o\x00M1\x00', lt: 'o\x00M1\x01' }).all();
    await db.close();
    expect(raw).to.have.length(1);
    expect(raw[0]!.startsWith('["$q1","M1","O1",')).to.equal(true); // as recorded: the short form
    store = await LevelStore.open(dir);
    const loaded = (await store.loadMerchant('M1'))!;
    expect(loaded.orders).to.deep.equal(c.orders);
    expect(loaded.snapshot).to.deep.equal(c.snapshot);
  });

  it('should fail every commit of a batch whose operations could not all be added, and write none of it', async () => {
    store = await LevelStore.open(dir);
    const hold = store.commit([recordCommit('M0', 'O0')]); // a write in flight: the next commits share one batch
    const db = (store as unknown as { db: ClassicLevel<string, string> }).db;
    const batch = db.batch.bind(db);
    let puts = 0;
    (db as { batch: unknown }).batch = () => {
      const b = batch();
      const put = b.put.bind(b);
      b.put = (key: string, value: string) => {
        if (++puts === 5) throw new Error('simulated: the native batch refused a put');
        return put(key, value);
      };
      return b;
    };
    const a = store.commit([recordCommit('M1', 'O1')]); // puts 1-3: snapshot, event, order
    const b = store.commit([recordCommit('M2', 'O2')]); // put 5 throws, after 4 went in
    const settled = Promise.allSettled([a, b]);
    await hold;
    const results = await settled;
    expect(results.map((r) => r.status)).to.deep.equal(['rejected', 'rejected']);
    (db as { batch: unknown }).batch = batch;
    await store.commit([recordCommit('M3', 'O3')]); // the store goes on with a new batch
    expect(await store.loadMerchant('M1')).to.equal(undefined);
    expect(await store.loadMerchant('M2')).to.equal(undefined);
    expect((await store.loadMerchant('M3'))?.orders).to.have.length(1);
  });

  it('should read the snapshots of loads asked for together in one getMany, each answered with its own', async () => {
    store = await LevelStore.open(dir);
    const commits = ['M1', 'M2', 'M3'].map((m, i) => recordCommit(m, `O${i}`));
    await store.commit(commits);
    const db = (store as unknown as { db: ClassicLevel<string, string> }).db;
    const calls = { get: 0, getMany: [] as number[] };
    const get = db.get.bind(db);
    const getMany = db.getMany.bind(db);
    db.get = ((...a: Parameters<typeof get>) => (calls.get++, get(...a))) as typeof db.get;
    db.getMany = ((keys: string[], ...a: unknown[]) => (calls.getMany.push(keys.length), (getMany as (...x: unknown[]) => unknown)(keys, ...a))) as typeof db.getMany;
    const ids = ['M3', 'NOPE', 'M1', 'M2', 'M1'];
    const loaded = await Promise.all(ids.map((m) => store!.loadMerchant(m)));
    expect(calls).to.deep.equal({ get: 0, getMany: [5] });
    expect(loaded.map((l) => l?.snapshot.merchantId)).to.deep.equal(['M3', undefined, 'M1', 'M2', 'M1']);
    expect(loaded[2]!.orders).to.deep.equal(commits[0]!.orders);
    expect(loaded[0]!.orders).to.deep.equal(commits[2]!.orders);
    // Asked for in a later turn: a read of its own.
    expect((await store.loadMerchant('M2'))?.snapshot).to.deep.equal(commits[1]!.snapshot);
    expect(calls.getMany).to.deep.equal([5, 1]);
  });

  it('should fail every load of a shared read that fails', async () => {
    store = await LevelStore.open(dir);
    await store.commit([recordCommit('M1', 'O1')]);
    const db = (store as unknown as { db: ClassicLevel<string, string> }).db;
    db.getMany = (() => Promise.reject(new Error('disk on fire'))) as unknown as typeof db.getMany;
    const results = await Promise.allSettled(['M1', 'M2'].map((m) => store!.loadMerchant(m)));
    expect(results.map((r) => r.status)).to.deep.equal(['rejected', 'rejected']);
    expect(results.map((r) => (r as PromiseRejectedResult).reason.message)).to.deep.equal(['disk on fire', 'disk on fire']);
  });

  it('should answer deleteOutbox without a write of its own, and write the deletes with the next batch', async () => {
    const batches: number[] = [];
    store = await LevelStore.open(dir, { onBatch: (_commits, ops) => batches.push(ops) });
    const m = new Merchant('M1');
    const rows: OutboxRow[] = [];
    const effect = (seq: number) => ({
      idempotencyKey: `M1:${seq}:ReceiveRepayment`, method: 'ReceiveRepayment' as const, lenderId: 'L1', merchantId: 'M1', financingId: 'fin-1',
      createTime: 1, seq, currency: 'USD', amount: 5n, fee: 0n, poolTotal: 10n, poolOrderCount: 1, outstanding: 5n, orderIds: [`O${seq}`],
      underCovered: false, finalState: '' as const, reason: '', deadline: 0, code: '',
    });
    const keys = await store.commit([{ merchantId: 'M1', snapshot: m.snapshot(), events: [], orders: [], financings: [], effects: [effect(1), effect(2)] }]);
    for (const k of keys) rows.push({ key: k, effect: effect(rows.length + 1) });
    expect((await store.scanOutboxAfter('', 10)).map((r) => r.key)).to.deep.equal(keys);
    const writesBefore = batches.length;
    await store.deleteOutbox([keys[0]!]);
    await store.close(); // a clean close writes what is pending
    store = undefined;
    expect(batches.length).to.equal(writesBefore + 1);
    expect(batches[batches.length - 1]).to.equal(1); // the delete alone, in the batch close waited for
    store = await LevelStore.open(dir);
    const left = await store.scanOutboxAfter('', 10);
    expect(left.map((r) => r.key)).to.deep.equal([keys[1]]);
    expect(left[0]!.effect).to.deep.equal(rows[1]!.effect);
  });
});
