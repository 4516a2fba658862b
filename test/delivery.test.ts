import { expect } from 'chai';
import { LENDER, startHarness, type Harness } from './harness';
import { usd } from '../src/testing/client';

describe('delivery: bounded memory for a lender that is down', () => {
  let h: Harness;
  afterEach(async () => h?.stop());

  async function settlingFinancing(merchantId: string, orders: number) {
    for (let i = 1; i <= orders; i++) {
      await h.api.recordOrder({ merchantId, orderId: `O${i}`, buyerId: 'B', amount: usd(1000) });
    }
    const f = await h.api.requestFinancing({ merchantId, lenderId: 'L1', amount: usd(orders * 400), requestId: 'r' });
    await h.api.confirmDisbursement({ merchantId, financingId: f.financingId, lenderId: 'L1', amount: f.approved!, lenderReference: `ref-${merchantId}` });
    return f.financingId;
  }

  it('should keep at most --max-outbox-rows-in-memory rows per lane, page the rest from disk, and still deliver everything once', async () => {
    h = await startHarness({ maxOutboxRowsInMemory: 4 });
    await h.api.upsertLender({ lender: { ...LENDER, feeBps: 0, gatewayTarget: h.gw.target } });
    h.gw.down = true;
    const financings: string[] = [];
    for (let m = 0; m < 6; m++) financings.push(await settlingFinancing(`M${m}`, 5));
    // Each merchant: an authorization plus a repayment per completion.
    for (let m = 0; m < 6; m++) for (let i = 1; i <= 3; i++) await h.api.completeOrder({ merchantId: `M${m}`, orderId: `O${i}` });
    expect(h.server.delivery.loadedRows()['lender:L1']).to.be.at.most(4);
    expect(h.server.delivery.stats().lanes['lender:L1']!.backlog).to.equal(6 * (1 + 3));

    // Restart while spilled: the lane is rebuilt with the same bound.
    await h.restart();
    expect(h.server.delivery.loadedRows()['lender:L1']).to.be.at.most(4);
    h.gw.down = false;
    await h.server.delivery.idle(20_000);
    for (const [m, fid] of financings.entries()) {
      const f = await h.api.getFinancing({ merchantId: `M${m}`, financingId: fid });
      expect(h.gw.repaidTo(fid)).to.equal(BigInt(f.repaid!.minorUnits));
      expect(f.repaid!.minorUnits).to.equal('1500');
    }
    const authorized = [...h.gw.byKey.values()].filter((c) => c.method === 'AuthorizeDisbursement').length;
    expect(authorized).to.equal(6);
    expect(h.gw.conflicts).to.deep.equal([]);
  });

  it('should page in rows committed while a refill reads the disk', async () => {
    h = await startHarness({ maxOutboxRowsInMemory: 2 });
    await h.api.upsertLender({ lender: { ...LENDER, feeBps: 0, gatewayTarget: h.gw.target } });
    h.gw.down = true;
    const financings: string[] = [];
    for (let m = 0; m < 5; m++) financings.push(await settlingFinancing(`M${m}`, 4));
    h.gw.down = false;
    // Completions keep arriving while the lane drains and refills.
    await Promise.all(Array.from({ length: 5 }, (_, m) => (async () => {
      for (let i = 1; i <= 4; i++) await h.api.completeOrder({ merchantId: `M${m}`, orderId: `O${i}` });
    })()));
    await h.server.delivery.idle(20_000);
    for (let m = 0; m < 5; m++) {
      const f = await h.api.getFinancing({ merchantId: `M${m}`, financingId: financings[m]! });
      expect(f.state).to.equal('FINANCING_STATE_REPAID');
      expect(h.gw.repaidTo(financings[m]!)).to.equal(BigInt(f.repaid!.minorUnits));
    }
    expect(h.gw.conflicts).to.deep.equal([]);
  });
});
