import { expect } from 'chai';
import * as grpc from '@grpc/grpc-js';
import { expectError, LENDER, startHarness, type Harness } from './harness';
import { usd } from '../src/testing/client';
import { errorInfoOf } from '../src/api/status';

describe('financing lifecycle over gRPC', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    await h.api.upsertLender({ lender: { ...LENDER, gatewayTarget: h.gw.target, verificationThreshold: usd(50000) } });
  });
  afterEach(async () => h.stop());

  async function record(merchantId: string, n: number, amount = 20000) {
    for (let i = 1; i <= n; i++) {
      await h.api.recordOrder({ merchantId, orderId: `O${i}`, buyerId: `B${i}`, amount: usd(amount) });
    }
  }

  it('should take a merchant from orders to a repaid financing, with verification, top-up and exact repayments', async () => {
    await record('M1', 6);
    const f0 = await h.api.requestFinancing({ merchantId: 'M1', lenderId: 'L1', amount: usd(40000), requestId: 'r1' });
    expect(f0.state).to.equal('FINANCING_STATE_AWAITING_VERIFICATION');
    expect(f0.poolTotal?.minorUnits).to.equal('60000');
    expect(f0.poolOrderCount).to.equal('3');
    expect(f0.approved?.minorUnits).to.equal('40000');
    expect(f0.fee?.minorUnits).to.equal('800');
    const fid = f0.financingId;

    const codeCall = await h.gw.waitFor((c) => c.method === 'SendVerificationCode' && c.financingId === fid);
    const code = String(codeCall.request.code);
    const wrong = code === '000000' ? '111111' : '000000';
    await expectError(h.api.verifyFinancing({ merchantId: 'M1', financingId: fid, code: wrong }), grpc.status.INVALID_ARGUMENT, 'VERIFICATION_CODE_MISMATCH');
    const f1 = await h.api.verifyFinancing({ merchantId: 'M1', financingId: fid, code });
    expect(f1.state).to.equal('FINANCING_STATE_NOTIFIED');
    const auth = await h.gw.waitFor((c) => c.method === 'AuthorizeDisbursement' && c.financingId === fid);
    expect((auth.request.amount as { minorUnits: string }).minorUnits).to.equal('40000');

    const f2 = await h.api.confirmDisbursement({ merchantId: 'M1', financingId: fid, lenderId: 'L1', amount: usd(40000), lenderReference: 'wire-1' });
    expect(f2.state).to.equal('FINANCING_STATE_SETTLING');
    expect(f2.outstanding?.minorUnits).to.equal('40800');

    const o1 = await h.api.completeOrder({ merchantId: 'M1', orderId: 'O1' });
    expect(o1.state).to.equal('ORDER_STATE_COMPLETED');
    expect(o1.repayment?.minorUnits).to.equal('10000');

    await h.api.refundOrder({ merchantId: 'M1', orderId: 'O2', reason: 'damaged' });
    let f = await h.api.getFinancing({ merchantId: 'M1', financingId: fid });
    // 40000 x 0.8 = 32000 >= 30800 after O4 was pledged as a top-up.
    expect(f.poolTotal?.minorUnits).to.equal('40000');
    expect((await h.api.getOrder({ merchantId: 'M1', orderId: 'O4' })).state).to.equal('ORDER_STATE_POOLED');
    expect(f.underCovered).to.equal(false);

    for (const id of ['O3', 'O4', 'O5', 'O6']) await h.api.completeOrder({ merchantId: 'M1', orderId: id });
    f = await h.api.getFinancing({ merchantId: 'M1', financingId: fid });
    expect(f.state).to.equal('FINANCING_STATE_REPAID');
    expect(f.repaid?.minorUnits).to.equal('40800');
    expect(f.outstanding?.minorUnits).to.equal('0');
    expect(f.poolTotal?.minorUnits).to.equal('0');
    expect((await h.api.getOrder({ merchantId: 'M1', orderId: 'O6' })).repayment?.minorUnits).to.equal('800');

    const m = await h.api.getMerchant({ merchantId: 'M1' });
    expect(m.state).to.equal('MERCHANT_STATE_IDLE');
    expect(m.activeFinancing).to.equal(null);
    expect(m.financingsRepaid).to.equal('1');

    await h.server.delivery.idle();
    expect(h.gw.repaidTo(fid)).to.equal(40800n);
    expect(h.gw.conflicts).to.deep.equal([]);
    const closed = await h.gw.waitFor((c) => c.method === 'ReceiveFinancingClosed' && c.financingId === fid);
    expect(closed.request.state).to.equal('FINANCING_STATE_REPAID');
  });

  it('should return the first answer when a request_id is replayed', async () => {
    await record('M2', 2);
    const a = await h.api.requestFinancing({ merchantId: 'M2', lenderId: 'L1', amount: usd(1000), requestId: 'same' });
    const b = await h.api.requestFinancing({ merchantId: 'M2', lenderId: 'L1', amount: usd(1000), requestId: 'same' });
    expect(b).to.deep.equal(a);
    await expectError(h.api.requestFinancing({ merchantId: 'M2', lenderId: 'L1', amount: usd(999), requestId: 'same' }), grpc.status.ALREADY_EXISTS, 'REQUEST_ID_REUSED');
  });

  it('should reject with INSUFFICIENT_ORDERS and record the financing as REJECTED', async () => {
    // EUR orders cannot carry a USD request.
    await h.api.recordOrder({ merchantId: 'M3', orderId: 'X', buyerId: 'B', amount: { currencyCode: 'EUR', minorUnits: '500' } });
    const err = await expectError(h.api.requestFinancing({ merchantId: 'M3', lenderId: 'L1', amount: usd(1000), requestId: 'r' }), grpc.status.FAILED_PRECONDITION, 'INSUFFICIENT_ORDERS');
    const fid = errorInfoOf(err)!.metadata.financing_id!;
    const f = await h.api.getFinancing({ merchantId: 'M3', financingId: fid });
    expect(f.state).to.equal('FINANCING_STATE_REJECTED');
    expect(f.endReason).to.equal('INSUFFICIENT_ORDERS');
    const m = await h.api.getMerchant({ merchantId: 'M3' });
    expect(m.state).to.equal('MERCHANT_STATE_IDLE');
  });
});
