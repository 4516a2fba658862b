import { expect } from 'chai';
import * as grpc from '@grpc/grpc-js';
import { expectError, startHarness, type Harness } from './harness';
import { usd } from '../src/testing/client';

describe('runtime: shards, group commit, activation and passivation', () => {
  let h: Harness;
  afterEach(async () => h?.stop());

  it('should share synced batches between commands that arrive together (group commit)', async () => {
    const batches: number[] = [];
    h = await startHarness({ store: { onBatch: (commits) => void batches.push(commits) } });
    batches.length = 0;
    await Promise.all(Array.from({ length: 200 }, (_, i) =>
      h.api.recordOrder({ merchantId: `M${i % 50}`, orderId: `O${i}`, buyerId: 'B', amount: usd(100) })));
    const commits = batches.reduce((a, b) => a + b, 0);
    expect(commits).to.equal(200);
    expect(batches.length).to.be.lessThan(200);
    expect(Math.max(...batches)).to.be.greaterThan(1);
  });

  it('should keep at most --max-active-merchants in memory and reload passivated ones intact', async () => {
    h = await startHarness({ maxActiveMerchants: 5 });
    for (let i = 0; i < 40; i++) {
      await h.api.recordOrder({ merchantId: `M${i}`, orderId: 'O1', buyerId: 'B', amount: usd(100 + i) });
    }
    expect(h.server.core.router.stats().active).to.be.at.most(6);
    for (let i = 0; i < 40; i++) {
      const o = await h.api.getOrder({ merchantId: `M${i}`, orderId: 'O1' });
      expect(o.amount?.minorUnits).to.equal(String(100 + i));
      const m = await h.api.getMerchant({ merchantId: `M${i}` });
      expect(m.lastSequence).to.equal('1');
    }
    expect(h.server.core.router.stats().active).to.be.at.most(6);
  });

  it('should keep at most --max-orders-in-memory orders in memory, passivating whole merchants, and reload them intact', async () => {
    h = await startHarness({ maxOrdersInMemory: 30 });
    for (let m = 0; m < 8; m++) {
      for (let i = 0; i < 10; i++) await h.api.recordOrder({ merchantId: `M${m}`, orderId: `O${i}`, buyerId: 'B', amount: usd(1 + i) });
    }
    const stats = h.server.core.router.stats();
    // Over the bound only while one merchant's command runs: at most one merchant beyond it.
    expect(stats.orders).to.be.at.most(30);
    expect(stats.active).to.be.at.most(3);
    expect(stats.passivated.capacity).to.be.greaterThan(0);
    let held = 0;
    for (let m = 0; m < 8; m++) {
      const got = await h.api.getMerchant({ merchantId: `M${m}` });
      expect(got.openOrderCount).to.equal('10');
      expect(got.openOrderTotal?.minorUnits).to.equal('55');
      held = h.server.core.router.stats().orders;
      expect(held).to.be.at.most(30);
    }
    expect(held).to.be.greaterThan(0);
  });

    it('should load no merchant at start-up (lazy activation)', async () => {
    h = await startHarness();
    for (let i = 0; i < 20; i++) await h.api.recordOrder({ merchantId: `M${i}`, orderId: 'O', buyerId: 'B', amount: usd(1) });
    await h.restart();
    expect(h.server.core.router.stats().active).to.equal(0);
    await h.api.getMerchant({ merchantId: 'M3' });
    expect(h.server.core.router.stats().active).to.equal(1);
  });

  it('should answer UNAVAILABLE and change nothing when the store cannot write', async () => {
    let fail = false;
    h = await startHarness({ store: { failWrites: () => (fail ? new Error('ENOSPC: no space left on device') : undefined) } });
    await h.api.recordOrder({ merchantId: 'M1', orderId: 'O1', buyerId: 'B', amount: usd(100) });
    fail = true;
    await expectError(h.api.recordOrder({ merchantId: 'M1', orderId: 'O2', buyerId: 'B', amount: usd(100) }), grpc.status.UNAVAILABLE, 'STORE_UNAVAILABLE');
    fail = false;
    await expectError(h.api.getOrder({ merchantId: 'M1', orderId: 'O2' }), grpc.status.NOT_FOUND, 'ORDER_NOT_FOUND');
    const m = await h.api.getMerchant({ merchantId: 'M1' });
    expect(m.lastSequence).to.equal('1');
    // The merchant goes on from where it was.
    await h.api.recordOrder({ merchantId: 'M1', orderId: 'O2', buyerId: 'B', amount: usd(100) });
    expect((await h.api.getMerchant({ merchantId: 'M1' })).lastSequence).to.equal('2');
  });

  it('should refuse work beyond a merchant mailbox with RESOURCE_EXHAUSTED', async () => {
    h = await startHarness({ maxMailbox: 3 });
    const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) =>
      h.api.recordOrder({ merchantId: 'HOT', orderId: `O${i}`, buyerId: 'B', amount: usd(1) })));
    const rejected = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(rejected.length).to.be.greaterThan(0);
    for (const r of rejected) expect((r.reason as grpc.ServiceError).code).to.equal(grpc.status.RESOURCE_EXHAUSTED);
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    expect((await h.api.getMerchant({ merchantId: 'HOT' })).lastSequence).to.equal(String(ok));
  });
});
