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
    // One commit per merchant command, or fewer: a merchant's queued commands share one (R6).
    expect(commits).to.be.within(50, 200);
    expect(batches.length).to.be.lessThan(commits);
    expect(Math.max(...batches)).to.be.greaterThan(1);
    for (let i = 0; i < 50; i++) expect((await h.api.getMerchant({ merchantId: `M${i}` })).lastSequence).to.equal('4');
  });

  it('should commit a merchant\'s queued commands together and answer each as it would have alone (R6)', async () => {
    const batches: number[] = [];
    h = await startHarness({ store: { onBatch: (commits) => void batches.push(commits) } });
    await h.api.recordOrder({ merchantId: 'G', orderId: 'O0', buyerId: 'B', amount: usd(100) });
    batches.length = 0;
    const calls: Promise<unknown>[] = [];
    for (let i = 1; i <= 30; i++) calls.push(h.api.recordOrder({ merchantId: 'G', orderId: `O${i}`, buyerId: 'B', amount: usd(100 + i) }));
    calls.push(h.api.recordOrder({ merchantId: 'G', orderId: 'O5', buyerId: 'B', amount: usd(1) })); // O5 with another amount
    calls.push(h.api.recordOrder({ merchantId: 'G', orderId: 'O7', buyerId: 'B', amount: usd(107) })); // O7 again: the same answer
    calls.push(h.api.completeOrder({ merchantId: 'G', orderId: 'O3' }));
    calls.push(h.api.completeOrder({ merchantId: 'G', orderId: 'NOPE' }));
    calls.push(h.api.refundOrder({ merchantId: 'G', orderId: 'O3', reason: 'late' })); // after its completion
    const r = await Promise.allSettled(calls);
    for (let i = 0; i < 30; i++) {
      const o = (r[i] as PromiseFulfilledResult<{ orderId: string; amount: { minorUnits: string }; state: string }>).value;
      expect(o.orderId).to.equal(`O${i + 1}`);
      expect(o.amount.minorUnits).to.equal(String(101 + i));
      expect(o.state).to.equal('ORDER_STATE_OPEN'); // O3 as recorded, before the completion behind it
    }
    expect((r[30] as PromiseRejectedResult).reason.code).to.equal(grpc.status.ALREADY_EXISTS);
    expect((r[31] as PromiseFulfilledResult<{ orderId: string }>).value.orderId).to.equal('O7');
    expect((r[32] as PromiseFulfilledResult<{ state: string }>).value.state).to.equal('ORDER_STATE_COMPLETED');
    expect((r[33] as PromiseRejectedResult).reason.code).to.equal(grpc.status.NOT_FOUND);
    expect((r[34] as PromiseRejectedResult).reason.code).to.equal(grpc.status.FAILED_PRECONDITION);
    expect((await h.api.getMerchant({ merchantId: 'G' })).lastSequence).to.equal('32');
    expect(batches.reduce((a, b) => a + b, 0)).to.be.lessThan(31);
    // What the group wrote is what a reload reads.
    await h.restart();
    expect((await h.api.getMerchant({ merchantId: 'G' })).lastSequence).to.equal('32');
    expect((await h.api.getOrder({ merchantId: 'G', orderId: 'O30' })).amount?.minorUnits).to.equal('130');
    expect((await h.api.getOrder({ merchantId: 'G', orderId: 'O3' })).state).to.equal('ORDER_STATE_COMPLETED');
  });

  it('should answer a command that breaks mid-group with its error and run the rest again on the state on disk (R6)', async () => {
    h = await startHarness();
    const router = h.server.core.router;
    const cmd = (orderId: string) => ({ orderId, buyerId: 'B', currency: 'USD', amount: 100n });
    const first = router.command('G', { body: (m) => m.recordOrder(cmd('O1')) });
    // Queued while O1's commit is on disk: one group of three.
    const before = router.command('G', { body: (m) => m.recordOrder(cmd('O2')) });
    const broken = router.command('G', {
      body: (m) => {
        m.recordOrder(cmd('O3'));
        throw new Error('a bug after the state changed');
      },
    });
    const after = router.command('G', { body: (m) => m.recordOrder(cmd('O4')) });
    await first;
    const [b, x, a] = await Promise.allSettled([before, broken, after]);
    expect(b.status).to.equal('fulfilled');
    expect(a.status).to.equal('fulfilled');
    expect(x.status).to.equal('rejected');
    expect(((x as PromiseRejectedResult).reason as Error).message).to.equal('a bug after the state changed');
    // Nothing of the broken command survives; the others ran again and were written once.
    const m = await h.api.getMerchant({ merchantId: 'G' });
    expect(m.lastSequence).to.equal('3');
    await expectError(h.api.getOrder({ merchantId: 'G', orderId: 'O3' }), grpc.status.NOT_FOUND, 'ORDER_NOT_FOUND');
    for (const id of ['O1', 'O2', 'O4']) expect((await h.api.getOrder({ merchantId: 'G', orderId: id })).orderId).to.equal(id);
    await h.restart();
    expect((await h.api.getMerchant({ merchantId: 'G' })).lastSequence).to.equal('3');
  });

  it('should fail every command of a group whose commit fails, and change nothing (R6)', async () => {
    let fail = false;
    h = await startHarness({ store: { failWrites: () => (fail ? new Error('EIO: simulated') : undefined) } });
    await h.api.recordOrder({ merchantId: 'G', orderId: 'O0', buyerId: 'B', amount: usd(100) });
    fail = true;
    const r = await Promise.allSettled([
      ...Array.from({ length: 20 }, (_, i) => h.api.recordOrder({ merchantId: 'G', orderId: `O${i + 1}`, buyerId: 'B', amount: usd(100) })),
      h.api.recordOrder({ merchantId: 'G', orderId: 'O0', buyerId: 'B', amount: usd(5) }), // an error computed on the group's state
    ]);
    fail = false;
    for (const x of r) {
      expect(x.status).to.equal('rejected');
      expect(((x as PromiseRejectedResult).reason as grpc.ServiceError).code).to.equal(grpc.status.UNAVAILABLE);
    }
    expect((await h.api.getMerchant({ merchantId: 'G' })).lastSequence).to.equal('1');
    await expectError(h.api.getOrder({ merchantId: 'G', orderId: 'O1' }), grpc.status.NOT_FOUND, 'ORDER_NOT_FOUND');
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
