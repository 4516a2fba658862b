import { expect } from 'chai';
import * as grpc from '@grpc/grpc-js';
import { expectError, LENDER, startHarness, type Harness } from './harness';
import { allPoolOrders, usd } from '../src/testing/client';
import { errorInfoOf } from '../src/api/status';

const units = (m: { minorUnits: string } | null | undefined) => BigInt(m?.minorUnits ?? '0');

describe('end states', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    // L1 (harness): advance 80%, repayment share 50%, fee 2%; code at 50000 and above.
    await h.api.upsertLender({ lender: { ...LENDER, gatewayTarget: h.gw.target, verificationThreshold: usd(50000) } });
    // LN: never asks for a code.
    await h.api.upsertLender({ lender: { ...LENDER, lenderId: 'LN', gatewayTarget: h.gw.target } });
  });
  afterEach(async () => h.stop());

  async function record(merchantId: string, ids: string[], amount = 10000) {
    for (const orderId of ids) await h.api.recordOrder({ merchantId, orderId, buyerId: `B-${orderId}`, amount: usd(amount) });
  }
  const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);


  async function orderStates(merchantId: string, orderIds: string[]): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const orderId of orderIds) out[orderId] = (await h.api.getOrder({ merchantId, orderId })).state.replace('ORDER_STATE_', '');
    return out;
  }

  async function expectIdleAndReleased(merchantId: string, financingId: string, orderIds: string[]) {
    const f = await h.api.getFinancing({ merchantId, financingId });
    expect([f.poolTotal?.minorUnits, f.poolOrderCount]).to.deep.equal(['0', '0']);
    expect(await allPoolOrders(h.api, merchantId, financingId, 2)).to.deep.equal([]);
    const states = await orderStates(merchantId, orderIds);
    expect(Object.values(states).every((s) => s === 'OPEN'), JSON.stringify(states)).to.equal(true);
    for (const orderId of orderIds) expect((await h.api.getOrder({ merchantId, orderId })).financingId).to.equal('');
    const m = await h.api.getMerchant({ merchantId });
    expect(m.state).to.equal('MERCHANT_STATE_IDLE');
    expect(m.activeFinancing).to.equal(null);
  }

  const gatewayCalls = (financingId: string, method: string) => h.gw.calls.filter((c) => c.financingId === financingId && c.method === method);

  describe('REJECTED', () => {
    it('should reject NOT_ELIGIBLE on too few completed orders or too many refunds, changing no order', async () => {
      await h.api.upsertLender({ lender: { ...LENDER, lenderId: 'LX', gatewayTarget: h.gw.target, minCompletedOrders: '3', maxRefundRateBps: 2000 } });
      await record('E1', ids('O', 6));
      await h.api.completeOrder({ merchantId: 'E1', orderId: 'O1' });
      await h.api.completeOrder({ merchantId: 'E1', orderId: 'O2' });

      let err = await expectError(h.api.requestFinancing({ merchantId: 'E1', lenderId: 'LX', amount: usd(5000), requestId: 'r1' }),
        grpc.status.FAILED_PRECONDITION, 'NOT_ELIGIBLE');
      let fid = errorInfoOf(err)!.metadata.financing_id!;
      let f = await h.api.getFinancing({ merchantId: 'E1', financingId: fid });
      expect([f.state, f.endReason, f.poolOrderCount]).to.deep.equal(['FINANCING_STATE_REJECTED', 'NOT_ELIGIBLE', '0']);
      // Replaying the request gives the same error.
      err = await expectError(h.api.requestFinancing({ merchantId: 'E1', lenderId: 'LX', amount: usd(5000), requestId: 'r1' }),
        grpc.status.FAILED_PRECONDITION, 'NOT_ELIGIBLE');
      expect(errorInfoOf(err)!.metadata.financing_id).to.equal(fid);

      // 3 completed, 1 refunded: 25% refunds > 20%.
      await h.api.completeOrder({ merchantId: 'E1', orderId: 'O3' });
      await h.api.refundOrder({ merchantId: 'E1', orderId: 'O4', reason: 'returned' });
      err = await expectError(h.api.requestFinancing({ merchantId: 'E1', lenderId: 'LX', amount: usd(5000), requestId: 'r2' }),
        grpc.status.FAILED_PRECONDITION, 'NOT_ELIGIBLE');
      fid = errorInfoOf(err)!.metadata.financing_id!;
      f = await h.api.getFinancing({ merchantId: 'E1', financingId: fid });
      expect([f.state, f.endReason]).to.deep.equal(['FINANCING_STATE_REJECTED', 'NOT_ELIGIBLE']);

      expect(await orderStates('E1', ids('O', 6))).to.deep.equal({ O1: 'COMPLETED', O2: 'COMPLETED', O3: 'COMPLETED', O4: 'REFUNDED', O5: 'OPEN', O6: 'OPEN' });
      const m = await h.api.getMerchant({ merchantId: 'E1' });
      expect([m.state, m.financingsRequested, m.openOrderCount]).to.deep.equal(['MERCHANT_STATE_IDLE', '2', '2']);

      // 4 completed, 1 refunded: exactly 20% is allowed.
      await h.api.completeOrder({ merchantId: 'E1', orderId: 'O5' });
      const ok = await h.api.requestFinancing({ merchantId: 'E1', lenderId: 'LX', amount: usd(5000), requestId: 'r3' });
      expect(ok.state).to.equal('FINANCING_STATE_NOTIFIED');
      await h.server.delivery.idle();
      expect(h.gw.calls.filter((c) => c.merchantId === 'E1' && c.financingId !== ok.financingId)).to.deep.equal([]);
    });

    it('should reject INSUFFICIENT_ORDERS when open orders cannot carry any advance', async () => {
      // No open orders at all.
      await record('E2', ['A']);
      await h.api.completeOrder({ merchantId: 'E2', orderId: 'A' });
      let err = await expectError(h.api.requestFinancing({ merchantId: 'E2', lenderId: 'LN', amount: usd(100), requestId: 'r1' }),
        grpc.status.FAILED_PRECONDITION, 'INSUFFICIENT_ORDERS');
      let f = await h.api.getFinancing({ merchantId: 'E2', financingId: errorInfoOf(err)!.metadata.financing_id! });
      expect([f.state, f.endReason, f.approved?.minorUnits]).to.deep.equal(['FINANCING_STATE_REJECTED', 'INSUFFICIENT_ORDERS', '0']);

      // One minor unit x 80% rounds down to nothing.
      await h.api.recordOrder({ merchantId: 'E2', orderId: 'tiny', buyerId: 'b', amount: usd(1) });
      err = await expectError(h.api.requestFinancing({ merchantId: 'E2', lenderId: 'LN', amount: usd(100), requestId: 'r2' }),
        grpc.status.FAILED_PRECONDITION, 'INSUFFICIENT_ORDERS');
      f = await h.api.getFinancing({ merchantId: 'E2', financingId: errorInfoOf(err)!.metadata.financing_id! });
      expect(f.state).to.equal('FINANCING_STATE_REJECTED');
      expect((await h.api.getOrder({ merchantId: 'E2', orderId: 'tiny' })).state).to.equal('ORDER_STATE_OPEN');

      // A lender financing only in USD rejects EUR.
      err = await expectError(h.api.requestFinancing({ merchantId: 'E2', lenderId: 'L1', amount: { currencyCode: 'EUR', minorUnits: '100' }, requestId: 'r3' }),
        grpc.status.FAILED_PRECONDITION, 'CURRENCY_NOT_SUPPORTED');
      f = await h.api.getFinancing({ merchantId: 'E2', financingId: errorInfoOf(err)!.metadata.financing_id! });
      expect([f.state, f.endReason]).to.deep.equal(['FINANCING_STATE_REJECTED', 'CURRENCY_NOT_SUPPORTED']);
      expect((await h.api.getMerchant({ merchantId: 'E2' })).state).to.equal('MERCHANT_STATE_IDLE');
    });
  });

  it('should end DECLINED when the lender declines, releasing the pool', async () => {
    await record('D1', ids('O', 3));
    const f0 = await h.api.requestFinancing({ merchantId: 'D1', lenderId: 'LN', amount: usd(15000), requestId: 'r' });
    expect([f0.state, f0.poolOrderCount]).to.deep.equal(['FINANCING_STATE_NOTIFIED', '2']);
    await expectError(h.api.declineFinancing({ merchantId: 'D1', financingId: f0.financingId, lenderId: 'L1', reason: 'x' }), grpc.status.PERMISSION_DENIED, 'LENDER_MISMATCH');
    const d = await h.api.declineFinancing({ merchantId: 'D1', financingId: f0.financingId, lenderId: 'LN', reason: 'risk policy' });
    expect([d.state, d.endReason]).to.deep.equal(['FINANCING_STATE_DECLINED', 'risk policy']);
    await expectIdleAndReleased('D1', f0.financingId, ids('O', 3));
    // Declining again returns it unchanged; confirming or cancelling it is refused.
    expect(await h.api.declineFinancing({ merchantId: 'D1', financingId: f0.financingId, lenderId: 'LN', reason: 'again' })).to.deep.equal(d);
    await expectError(h.api.confirmDisbursement({ merchantId: 'D1', financingId: f0.financingId, lenderId: 'LN', amount: usd(15000), lenderReference: 'w' }),
      grpc.status.FAILED_PRECONDITION, 'FINANCING_NOT_NOTIFIED');
    await expectError(h.api.cancelFinancing({ merchantId: 'D1', financingId: f0.financingId, reason: '' }), grpc.status.FAILED_PRECONDITION, 'FINANCING_ENDED');
    // The released orders carry the next financing.
    const next = await h.api.requestFinancing({ merchantId: 'D1', lenderId: 'LN', amount: usd(15000), requestId: 'r2' });
    expect([next.state, next.poolOrderCount]).to.deep.equal(['FINANCING_STATE_NOTIFIED', '2']);
  });

  describe('CANCELLED', () => {
    it('should cancel from AWAITING_VERIFICATION without telling the lender', async () => {
      await record('C1', ids('O', 6));
      const f0 = await h.api.requestFinancing({ merchantId: 'C1', lenderId: 'L1', amount: usd(40000), requestId: 'r' });
      expect(f0.state).to.equal('FINANCING_STATE_AWAITING_VERIFICATION');
      const c = await h.api.cancelFinancing({ merchantId: 'C1', financingId: f0.financingId, reason: '' });
      expect([c.state, c.endReason]).to.deep.equal(['FINANCING_STATE_CANCELLED', 'CANCELLED_BY_MERCHANT']);
      await expectIdleAndReleased('C1', f0.financingId, ids('O', 6));
      expect(await h.api.cancelFinancing({ merchantId: 'C1', financingId: f0.financingId, reason: 'again' })).to.deep.equal(c);
      await h.server.delivery.idle();
      const lenderCalls = h.gw.calls.filter((c2) => c2.financingId === f0.financingId && c2.method !== 'SendVerificationCode');
      expect(lenderCalls).to.deep.equal([]);
    });

    it('should cancel from NOTIFIED and tell the lender the financing closed', async () => {
      await record('C2', ids('O', 3));
      const f0 = await h.api.requestFinancing({ merchantId: 'C2', lenderId: 'LN', amount: usd(15000), requestId: 'r' });
      expect(f0.state).to.equal('FINANCING_STATE_NOTIFIED');
      const c = await h.api.cancelFinancing({ merchantId: 'C2', financingId: f0.financingId, reason: 'found cheaper money' });
      expect([c.state, c.endReason]).to.deep.equal(['FINANCING_STATE_CANCELLED', 'found cheaper money']);
      await expectIdleAndReleased('C2', f0.financingId, ids('O', 3));
      await h.server.delivery.idle();
      const closed = gatewayCalls(f0.financingId, 'ReceiveFinancingClosed');
      expect(closed).to.have.length(1);
      expect(closed[0]!.request.state).to.equal('FINANCING_STATE_CANCELLED');
      expect(closed[0]!.request.reason).to.equal('found cheaper money');
      // The authorization went first (one lane, outbox order).
      const order = h.gw.calls.filter((x) => x.financingId === f0.financingId).map((x) => x.method);
      expect(order).to.deep.equal(['AuthorizeDisbursement', 'ReceiveFinancingClosed']);
      await expectError(h.api.confirmDisbursement({ merchantId: 'C2', financingId: f0.financingId, lenderId: 'LN', amount: usd(15000), lenderReference: 'w' }),
        grpc.status.FAILED_PRECONDITION, 'FINANCING_NOT_NOTIFIED');
    });

    it('should refuse to cancel a disbursed financing', async () => {
      await record('C3', ids('O', 3));
      const f0 = await h.api.requestFinancing({ merchantId: 'C3', lenderId: 'LN', amount: usd(15000), requestId: 'r' });
      await h.api.confirmDisbursement({ merchantId: 'C3', financingId: f0.financingId, lenderId: 'LN', amount: usd(15000), lenderReference: 'w' });
      await expectError(h.api.cancelFinancing({ merchantId: 'C3', financingId: f0.financingId, reason: '' }), grpc.status.FAILED_PRECONDITION, 'FINANCING_ALREADY_DISBURSED');
      await expectError(h.api.declineFinancing({ merchantId: 'C3', financingId: f0.financingId, lenderId: 'LN', reason: '' }), grpc.status.FAILED_PRECONDITION, 'FINANCING_ALREADY_DISBURSED');
    });
  });

  it('should go UNDER_COVERED when refunds leave the pool short, pledge new orders on arrival and recover', async () => {
    // A, B pledged for 15000 (20000 x 0.8 = 16000 >= 15000); C, D left open.
    await record('U1', ['A', 'B', 'C', 'D']);
    const f0 = await h.api.requestFinancing({ merchantId: 'U1', lenderId: 'LN', amount: usd(15000), requestId: 'r' });
    const fid = f0.financingId;
    expect([f0.approved?.minorUnits, f0.fee?.minorUnits, f0.poolOrderCount]).to.deep.equal(['15000', '300', '2']);
    await h.api.confirmDisbursement({ merchantId: 'U1', financingId: fid, lenderId: 'LN', amount: usd(15000), lenderReference: 'w' });

    // Refunds are topped up from the open orders while there are any.
    await h.api.refundOrder({ merchantId: 'U1', orderId: 'A', reason: 'r' });
    await h.api.refundOrder({ merchantId: 'U1', orderId: 'B', reason: 'r' });
    let f = await h.api.getFinancing({ merchantId: 'U1', financingId: fid });
    expect([f.poolTotal?.minorUnits, f.underCovered]).to.deep.equal(['20000', false]);
    expect((await allPoolOrders(h.api, 'U1', fid, 2)).map((o) => o.orderId)).to.deep.equal(['C', 'D']);

    // Nothing left to top up with: 10000 x 0.8 < 15300.
    await h.api.refundOrder({ merchantId: 'U1', orderId: 'C', reason: 'r' });
    f = await h.api.getFinancing({ merchantId: 'U1', financingId: fid });
    expect([f.state, f.poolTotal?.minorUnits, f.outstanding?.minorUnits, f.underCovered]).to.deep.equal(['FINANCING_STATE_SETTLING', '10000', '15300', true]);
    const lost = await h.gw.waitFor((c) => c.method === 'ReceiveCoverageAlert' && c.financingId === fid && c.request.underCovered === true);
    expect(units(lost.request.poolTotal as { minorUnits: string })).to.equal(10000n);
    expect(units(lost.request.outstanding as { minorUnits: string })).to.equal(15300n);

    // New orders in the financing's currency are pledged on arrival; other currencies are not.
    const e = await h.api.recordOrder({ merchantId: 'U1', orderId: 'E', buyerId: 'b', amount: usd(1000) });
    expect([e.state, e.financingId]).to.deep.equal(['ORDER_STATE_POOLED', fid]);
    const eur = await h.api.recordOrder({ merchantId: 'U1', orderId: 'EUR', buyerId: 'b', amount: { currencyCode: 'EUR', minorUnits: '50000' } });
    expect(eur.state).to.equal('ORDER_STATE_OPEN');
    f = await h.api.getFinancing({ merchantId: 'U1', financingId: fid });
    expect([f.poolTotal?.minorUnits, f.underCovered]).to.deep.equal(['11000', true]);

    // 20000 x 0.8 = 16000 >= 15300: covered again.
    const g = await h.api.recordOrder({ merchantId: 'U1', orderId: 'F', buyerId: 'b', amount: usd(9000) });
    expect(g.state).to.equal('ORDER_STATE_POOLED');
    f = await h.api.getFinancing({ merchantId: 'U1', financingId: fid });
    expect([f.poolTotal?.minorUnits, f.underCovered]).to.deep.equal(['20000', false]);
    const back = await h.gw.waitFor((c) => c.method === 'ReceiveCoverageAlert' && c.financingId === fid && c.request.underCovered === false);
    expect(units(back.request.poolTotal as { minorUnits: string })).to.equal(20000n);

    // Once covered, new orders stay open.
    expect((await h.api.recordOrder({ merchantId: 'U1', orderId: 'G', buyerId: 'b', amount: usd(5000) })).state).to.equal('ORDER_STATE_OPEN');

    const types = (await h.api.listMerchantEvents({ merchantId: 'U1', pageSize: 1000, pageToken: '' })).events.map((x) => x.type);
    expect(types.filter((t) => t.startsWith('MERCHANT_EVENT_TYPE_COVERAGE'))).to.deep.equal(['MERCHANT_EVENT_TYPE_COVERAGE_LOST', 'MERCHANT_EVENT_TYPE_COVERAGE_RESTORED']);
    await h.server.delivery.idle();
    expect(gatewayCalls(fid, 'ReceiveCoverageAlert').map((c) => c.request.underCovered)).to.deep.equal([true, false]);
    expect(h.gw.conflicts).to.deep.equal([]);
  });

  it('should lose nothing when restarted in the middle of settling', async () => {
    const orders = ids('O', 10);
    await record('S1', orders);
    const f0 = await h.api.requestFinancing({ merchantId: 'S1', lenderId: 'LN', amount: usd(30000), requestId: 'r' });
    const fid = f0.financingId;
    expect([f0.approved?.minorUnits, f0.fee?.minorUnits, f0.poolOrderCount]).to.deep.equal(['30000', '600', '4']);
    await h.api.confirmDisbursement({ merchantId: 'S1', financingId: fid, lenderId: 'LN', amount: usd(30000), lenderReference: 'w' });
    await h.server.delivery.idle();

    // Some completions while the lender is down, so repayments are still in the outbox at the restart.
    h.gw.down = true;
    for (const id of ['O1', 'O2', 'O3']) await h.api.completeOrder({ merchantId: 'S1', orderId: id });
    await h.api.refundOrder({ merchantId: 'S1', orderId: 'O4', reason: 'r' });

    const before = {
      financing: await h.api.getFinancing({ merchantId: 'S1', financingId: fid }),
      merchant: await h.api.getMerchant({ merchantId: 'S1' }),
      pool: await allPoolOrders(h.api, 'S1', fid, 2),
      orders: await Promise.all(orders.map((orderId) => h.api.getOrder({ merchantId: 'S1', orderId }))),
      events: (await h.api.listMerchantEvents({ merchantId: 'S1', pageSize: 1000, pageToken: '' })).events,
    };
    expect(before.financing.state).to.equal('FINANCING_STATE_SETTLING');
    expect(before.financing.repaid?.minorUnits).to.equal('15000');
    expect(before.pool.length).to.be.greaterThan(0);

    await h.restart();
    const after = {
      financing: await h.api.getFinancing({ merchantId: 'S1', financingId: fid }),
      merchant: await h.api.getMerchant({ merchantId: 'S1' }),
      pool: await allPoolOrders(h.api, 'S1', fid, 2),
      orders: await Promise.all(orders.map((orderId) => h.api.getOrder({ merchantId: 'S1', orderId }))),
      events: (await h.api.listMerchantEvents({ merchantId: 'S1', pageSize: 1000, pageToken: '' })).events,
    };
    expect(after).to.deep.equal(before);

    h.gw.down = false;
    let repaidByOrders = 0n;
    for (const o of after.orders) repaidByOrders += units(o.repayment);
    for (const id of ['O5', 'O6', 'O7', 'O8', 'O9', 'O10']) {
      const o = await h.api.completeOrder({ merchantId: 'S1', orderId: id });
      repaidByOrders += units(o.repayment);
    }
    const f = await h.api.getFinancing({ merchantId: 'S1', financingId: fid });
    expect(f.state).to.equal('FINANCING_STATE_REPAID');
    expect(units(f.repaid)).to.equal(30600n);
    expect(units(f.outstanding)).to.equal(0n);
    expect(repaidByOrders).to.equal(30600n);
    const m = await h.api.getMerchant({ merchantId: 'S1' });
    expect([m.state, m.financingsRepaid]).to.deep.equal(['MERCHANT_STATE_IDLE', '1']);

    await h.server.delivery.idle();
    expect(h.gw.repaidTo(fid)).to.equal(30600n);
    expect(h.gw.conflicts).to.deep.equal([]);
    const closed = gatewayCalls(fid, 'ReceiveFinancingClosed');
    expect(closed.map((c) => c.request.state)).to.deep.equal(['FINANCING_STATE_REPAID']);
    expect(units(closed[0]!.request.repaid as { minorUnits: string })).to.equal(30600n);
  });

  it('should deliver every effect after the lender comes back, coalescing queued repayments', async () => {
    const orders = ids('O', 40);
    await record('G1', orders, 1000);
    // 20 orders (20000 x 0.8 = 16000) carry 16000 + 320 fee; the 40 repay 20000 at most.
    h.gw.down = true;
    const f0 = await h.api.requestFinancing({ merchantId: 'G1', lenderId: 'LN', amount: usd(16000), requestId: 'r' });
    const fid = f0.financingId;
    expect([f0.state, f0.poolOrderCount, f0.fee?.minorUnits]).to.deep.equal(['FINANCING_STATE_NOTIFIED', '20', '320']);
    await h.api.confirmDisbursement({ merchantId: 'G1', financingId: fid, lenderId: 'LN', amount: usd(16000), lenderReference: 'w' });

    let completions = 0;
    let f = await h.api.getFinancing({ merchantId: 'G1', financingId: fid });
    for (const id of orders) {
      if (f.state !== 'FINANCING_STATE_SETTLING') break;
      const o = await h.api.completeOrder({ merchantId: 'G1', orderId: id });
      if (units(o.repayment) > 0n) completions++;
      f = await h.api.getFinancing({ merchantId: 'G1', financingId: fid });
    }
    expect(f.state).to.equal('FINANCING_STATE_REPAID');
    expect(units(f.repaid)).to.equal(16320n);
    expect(completions).to.be.greaterThan(20);

    // Down for a while: nothing reached the lender, the lane kept retrying.
    await new Promise((r) => setTimeout(r, 150));
    expect(h.gw.calls.filter((c) => c.financingId === fid)).to.deep.equal([]);
    const stats = h.server.delivery.stats();
    expect(stats.failures).to.be.greaterThan(0);
    expect(stats.backlog).to.equal(completions + 2); // + AuthorizeDisbursement + ReceiveFinancingClosed

    h.gw.down = false;
    await h.server.delivery.idle();
    expect(h.server.delivery.stats().backlog).to.equal(0);
    expect(h.gw.conflicts).to.deep.equal([]);
    const methods = h.gw.calls.filter((c) => c.financingId === fid).map((c) => c.method);
    expect(methods[0]).to.equal('AuthorizeDisbursement');
    expect(methods[methods.length - 1]).to.equal('ReceiveFinancingClosed');
    const repayments = gatewayCalls(fid, 'ReceiveRepayment');
    expect(repayments.length).to.be.greaterThan(0);
    expect(repayments.length).to.be.lessThan(completions);
    expect(h.gw.repaidTo(fid)).to.equal(16320n);
    // Every completed order that repaid is listed exactly once.
    const listed = repayments.flatMap((c) => c.request.orderIds as string[]);
    expect(new Set(listed).size).to.equal(listed.length);
    expect(listed).to.have.length(completions);
    const lastRepayment = repayments[repayments.length - 1]!;
    expect(units(lastRepayment.request.outstanding as { minorUnits: string })).to.equal(0n);
    expect(gatewayCalls(fid, 'ReceiveFinancingClosed').map((c) => c.request.state)).to.deep.equal(['FINANCING_STATE_REPAID']);
  });
});
