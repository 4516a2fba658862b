import { expect } from 'chai';
import * as grpc from '@grpc/grpc-js';
import { expectError, LENDER, startHarness, type Harness } from './harness';
import { usd } from '../src/testing/client';
import type { Financing__Output } from '../src/generated/orderpool/v1/Financing';
import type { Timestamp__Output } from '../src/generated/google/protobuf/Timestamp';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DEFAULT_TTL = 10 * MIN; // server defaults (src/config.ts)
const DEFAULT_DISBURSEMENT = 24 * HOUR;

const ms = (t: Timestamp__Output | null | undefined) => (t ? Number(t.seconds) * 1000 + Math.floor(t.nanos / 1e6) : 0);

describe('deadlines', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    // L1: step-up verification at 50000 and above; LN: never.
    await h.api.upsertLender({ lender: { ...LENDER, gatewayTarget: h.gw.target, verificationThreshold: usd(50000) } });
    await h.api.upsertLender({ lender: { ...LENDER, lenderId: 'LN', gatewayTarget: h.gw.target } });
  });
  afterEach(async () => h.stop());

  async function record(merchantId: string, n: number, amount = 20000) {
    for (let i = 1; i <= n; i++) await h.api.recordOrder({ merchantId, orderId: `O${i}`, buyerId: `B${i}`, amount: usd(amount) });
  }

  /** The expiry runs through the scheduler and the merchant's mailbox: poll briefly. */
  async function until(merchantId: string, financingId: string, state: string, timeoutMs = 3000): Promise<Financing__Output> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const f = await h.api.getFinancing({ merchantId, financingId });
      if (f.state === state) return f;
      if (Date.now() > end) throw new Error(`financing is ${f.state}, expected ${state}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Gives a fired timer the chance to run, then asserts the state did not change. */
  async function stillIn(merchantId: string, financingId: string, state: string): Promise<void> {
    await new Promise((r) => setTimeout(r, 50));
    expect((await h.api.getFinancing({ merchantId, financingId })).state).to.equal(state);
  }

  async function expectReleased(merchantId: string, financingId: string, orderIds: string[]) {
    const f = await h.api.getFinancing({ merchantId, financingId });
    expect(f.poolTotal?.minorUnits).to.equal('0');
    expect(f.poolOrderCount).to.equal('0');
    expect((await h.api.listPoolOrders({ merchantId, financingId, pageSize: 100, pageToken: '' })).orders).to.deep.equal([]);
    for (const orderId of orderIds) {
      const o = await h.api.getOrder({ merchantId, orderId });
      expect({ id: orderId, state: o.state, financingId: o.financingId }).to.deep.equal({ id: orderId, state: 'ORDER_STATE_OPEN', financingId: '' });
    }
    const m = await h.api.getMerchant({ merchantId });
    expect(m.state).to.equal('MERCHANT_STATE_IDLE');
    expect(m.activeFinancing).to.equal(null);
  }

  it('should expire a verification code after the TTL and release the pool', async () => {
    await record('M1', 3);
    const t0 = h.clock.now();
    const f0 = await h.api.requestFinancing({ merchantId: 'M1', lenderId: 'L1', amount: usd(40000), requestId: 'r1' });
    expect(f0.state).to.equal('FINANCING_STATE_AWAITING_VERIFICATION');
    expect(ms(f0.verificationExpireTime)).to.equal(t0 + DEFAULT_TTL);
    const fid = f0.financingId;

    h.clock.advance(DEFAULT_TTL - 1);
    await stillIn('M1', fid, 'FINANCING_STATE_AWAITING_VERIFICATION');
    h.clock.advance(1);
    const f = await until('M1', fid, 'FINANCING_STATE_EXPIRED');
    expect(f.endReason).to.equal('VERIFICATION_EXPIRED');
    expect(f.verificationExpireTime).to.equal(null);
    await expectReleased('M1', fid, ['O1', 'O2', 'O3']);

    // The journal says why.
    const events = (await h.api.listMerchantEvents({ merchantId: 'M1', pageSize: 1000, pageToken: '' })).events;
    const last = events[events.length - 1]!;
    expect(last.type).to.equal('MERCHANT_EVENT_TYPE_FINANCING_EXPIRED');
    expect(last.detail).to.equal('VERIFICATION_EXPIRED');

    // The lender was never told it could disburse: nothing to close.
    await h.server.delivery.idle();
    expect(h.gw.calls.filter((c) => c.financingId === fid && c.method !== 'SendVerificationCode')).to.deep.equal([]);

    // The code no longer works, and a new financing can be requested.
    const code = h.gw.codes.get(fid)!;
    await expectError(h.api.verifyFinancing({ merchantId: 'M1', financingId: fid, code }), grpc.status.FAILED_PRECONDITION, 'VERIFICATION_EXPIRED');
    const again = await h.api.requestFinancing({ merchantId: 'M1', lenderId: 'L1', amount: usd(40000), requestId: 'r2' });
    expect(again.state).to.equal('FINANCING_STATE_AWAITING_VERIFICATION');
  });

  it('should expire a NOTIFIED financing after the disbursement timeout and tell the lender', async () => {
    await record('M2', 2);
    const t0 = h.clock.now();
    const f0 = await h.api.requestFinancing({ merchantId: 'M2', lenderId: 'LN', amount: usd(10000), requestId: 'r1' });
    expect(f0.state).to.equal('FINANCING_STATE_NOTIFIED');
    expect(ms(f0.disbursementDeadline)).to.equal(t0 + DEFAULT_DISBURSEMENT);
    const fid = f0.financingId;
    const auth = await h.gw.waitFor((c) => c.method === 'AuthorizeDisbursement' && c.financingId === fid);
    expect(ms(auth.request.disbursementDeadline as Timestamp__Output)).to.equal(t0 + DEFAULT_DISBURSEMENT);

    h.clock.advance(DEFAULT_DISBURSEMENT - 1);
    await stillIn('M2', fid, 'FINANCING_STATE_NOTIFIED');
    h.clock.advance(1);
    const f = await until('M2', fid, 'FINANCING_STATE_EXPIRED');
    expect(f.endReason).to.equal('DISBURSEMENT_EXPIRED');
    expect(f.disbursementDeadline).to.equal(null);
    await expectReleased('M2', fid, ['O1']);
    // Only O1 was needed (20000 x 0.8 >= 10000); O2 stayed open throughout.
    expect((await h.api.getOrder({ merchantId: 'M2', orderId: 'O2' })).state).to.equal('ORDER_STATE_OPEN');

    const closed = await h.gw.waitFor((c) => c.method === 'ReceiveFinancingClosed' && c.financingId === fid);
    expect(closed.request.state).to.equal('FINANCING_STATE_EXPIRED');
    expect(closed.request.reason).to.equal('DISBURSEMENT_EXPIRED');
    expect((closed.request.repaid as { minorUnits: string }).minorUnits).to.equal('0');

    // A late confirmation is refused.
    await expectError(h.api.confirmDisbursement({ merchantId: 'M2', financingId: fid, lenderId: 'LN', amount: usd(10000), lenderReference: 'late' }),
      grpc.status.FAILED_PRECONDITION, 'FINANCING_NOT_NOTIFIED');
    await h.server.delivery.idle();
    expect(h.gw.conflicts).to.deep.equal([]);
  });

  it('should let a lender\'s verification_ttl and disbursement_timeout override the server defaults', async () => {
    await h.api.upsertLender({
      lender: {
        ...LENDER, lenderId: 'LF', gatewayTarget: h.gw.target, verificationThreshold: usd(50000),
        verificationTtl: { seconds: '60', nanos: 0 }, disbursementTimeout: { seconds: '120', nanos: 500_000_000 },
      },
    });
    const lender = await h.api.getLender({ lenderId: 'LF' });
    expect(lender.verificationTtl).to.deep.equal({ seconds: '60', nanos: 0 });
    expect(lender.disbursementTimeout).to.deep.equal({ seconds: '120', nanos: 500_000_000 });

    await record('MF', 3); // verifies with LF, then NOTIFIED with LF's timeout
    await record('MG', 3); // waits for a code with LF's TTL
    await record('MD', 3); // the server default TTL, for comparison
    const t0 = h.clock.now();
    const ff = await h.api.requestFinancing({ merchantId: 'MF', lenderId: 'LF', amount: usd(40000), requestId: 'r' });
    const fg = await h.api.requestFinancing({ merchantId: 'MG', lenderId: 'LF', amount: usd(40000), requestId: 'r' });
    const fd = await h.api.requestFinancing({ merchantId: 'MD', lenderId: 'L1', amount: usd(40000), requestId: 'r' });
    expect(ms(ff.verificationExpireTime)).to.equal(t0 + 60_000);
    expect(ms(fg.verificationExpireTime)).to.equal(t0 + 60_000);
    expect(ms(fd.verificationExpireTime)).to.equal(t0 + DEFAULT_TTL);

    const code = (await h.gw.waitFor((c) => c.method === 'SendVerificationCode' && c.financingId === ff.financingId)).request.code as string;
    const notified = await h.api.verifyFinancing({ merchantId: 'MF', financingId: ff.financingId, code });
    expect(notified.state).to.equal('FINANCING_STATE_NOTIFIED');
    expect(ms(notified.disbursementDeadline)).to.equal(t0 + 120_500);

    // A financing keeps the terms it was requested under.
    await h.api.upsertLender({ lender: { ...LENDER, lenderId: 'LF', gatewayTarget: h.gw.target, verificationThreshold: usd(50000) } });

    h.clock.advance(60_000 - 1);
    await stillIn('MG', fg.financingId, 'FINANCING_STATE_AWAITING_VERIFICATION');
    h.clock.advance(1);
    expect((await until('MG', fg.financingId, 'FINANCING_STATE_EXPIRED')).endReason).to.equal('VERIFICATION_EXPIRED');
    await stillIn('MD', fd.financingId, 'FINANCING_STATE_AWAITING_VERIFICATION');
    await stillIn('MF', ff.financingId, 'FINANCING_STATE_NOTIFIED');

    h.clock.advance(60_499);
    await stillIn('MF', ff.financingId, 'FINANCING_STATE_NOTIFIED');
    h.clock.advance(1);
    expect((await until('MF', ff.financingId, 'FINANCING_STATE_EXPIRED')).endReason).to.equal('DISBURSEMENT_EXPIRED');
    await stillIn('MD', fd.financingId, 'FINANCING_STATE_AWAITING_VERIFICATION');

    h.clock.advance(DEFAULT_TTL - 120_500);
    expect((await until('MD', fd.financingId, 'FINANCING_STATE_EXPIRED')).endReason).to.equal('VERIFICATION_EXPIRED');
  });

  it('should keep deadlines across a restart', async () => {
    await record('R1', 2); // NOTIFIED
    await record('R2', 3); // AWAITING_VERIFICATION
    await record('R3', 2); // NOTIFIED, then confirmed after the restart: no expiry
    const n1 = await h.api.requestFinancing({ merchantId: 'R1', lenderId: 'LN', amount: usd(10000), requestId: 'r' });
    const a2 = await h.api.requestFinancing({ merchantId: 'R2', lenderId: 'L1', amount: usd(40000), requestId: 'r' });
    const n3 = await h.api.requestFinancing({ merchantId: 'R3', lenderId: 'LN', amount: usd(10000), requestId: 'r' });
    expect([n1.state, a2.state, n3.state]).to.deep.equal(['FINANCING_STATE_NOTIFIED', 'FINANCING_STATE_AWAITING_VERIFICATION', 'FINANCING_STATE_NOTIFIED']);
    await h.server.delivery.idle();

    h.clock.advance(5 * MIN);
    await h.restart();
    // Still pending after the restart (and the merchants were not loaded to find out).
    expect(h.server.core.scheduler.size).to.equal(3);
    expect(h.server.core.router.stats().active).to.equal(0);
    await stillIn('R1', n1.financingId, 'FINANCING_STATE_NOTIFIED');
    await stillIn('R2', a2.financingId, 'FINANCING_STATE_AWAITING_VERIFICATION');
    await h.api.confirmDisbursement({ merchantId: 'R3', financingId: n3.financingId, lenderId: 'LN', amount: usd(10000), lenderReference: 'w3' });

    h.clock.advance(5 * MIN); // reaches the 10-minute TTL
    expect((await until('R2', a2.financingId, 'FINANCING_STATE_EXPIRED')).endReason).to.equal('VERIFICATION_EXPIRED');
    await stillIn('R1', n1.financingId, 'FINANCING_STATE_NOTIFIED');

    await h.restart();
    h.clock.advance(DEFAULT_DISBURSEMENT);
    const f1 = await until('R1', n1.financingId, 'FINANCING_STATE_EXPIRED');
    expect(f1.endReason).to.equal('DISBURSEMENT_EXPIRED');
    await expectReleased('R1', n1.financingId, ['O1', 'O2']);
    const closed = await h.gw.waitFor((c) => c.method === 'ReceiveFinancingClosed' && c.financingId === n1.financingId);
    expect(closed.request.state).to.equal('FINANCING_STATE_EXPIRED');
    // The confirmed financing was not expired by its old deadline.
    await stillIn('R3', n3.financingId, 'FINANCING_STATE_SETTLING');
    expect(h.server.core.scheduler.size).to.equal(0);
  });

  it('should answer VERIFICATION_EXPIRED for a code entered after expiry, before and after the timer fired', async () => {
    await record('V1', 3);
    await record('V2', 3);
    const f1 = await h.api.requestFinancing({ merchantId: 'V1', lenderId: 'L1', amount: usd(40000), requestId: 'r' });
    const code1 = (await h.gw.waitFor((c) => c.method === 'SendVerificationCode' && c.financingId === f1.financingId)).request.code as string;

    // Before the timer fires: the deadline passed but the scheduler has not
    // run yet (stopped here to hold it back).
    h.server.core.scheduler.stop();
    h.clock.advance(DEFAULT_TTL);
    await expectError(h.api.verifyFinancing({ merchantId: 'V1', financingId: f1.financingId, code: code1 }), grpc.status.FAILED_PRECONDITION, 'VERIFICATION_EXPIRED');
    const e1 = await h.api.getFinancing({ merchantId: 'V1', financingId: f1.financingId });
    expect(e1.state).to.equal('FINANCING_STATE_EXPIRED');
    expect(e1.endReason).to.equal('VERIFICATION_EXPIRED');
    await expectReleased('V1', f1.financingId, ['O1', 'O2', 'O3']);
    // Entering it again gives the same answer.
    await expectError(h.api.verifyFinancing({ merchantId: 'V1', financingId: f1.financingId, code: code1 }), grpc.status.FAILED_PRECONDITION, 'VERIFICATION_EXPIRED');

    // After the timer fired (fresh server, working scheduler).
    await h.restart();
    const f2 = await h.api.requestFinancing({ merchantId: 'V2', lenderId: 'L1', amount: usd(40000), requestId: 'r' });
    const code2 = (await h.gw.waitFor((c) => c.method === 'SendVerificationCode' && c.financingId === f2.financingId)).request.code as string;
    h.clock.advance(DEFAULT_TTL);
    await until('V2', f2.financingId, 'FINANCING_STATE_EXPIRED');
    await expectError(h.api.verifyFinancing({ merchantId: 'V2', financingId: f2.financingId, code: code2 }), grpc.status.FAILED_PRECONDITION, 'VERIFICATION_EXPIRED');

    // A cancelled financing is not "expired".
    await record('V3', 3);
    const f3 = await h.api.requestFinancing({ merchantId: 'V3', lenderId: 'L1', amount: usd(40000), requestId: 'r' });
    await h.api.cancelFinancing({ merchantId: 'V3', financingId: f3.financingId, reason: '' });
    await expectError(h.api.verifyFinancing({ merchantId: 'V3', financingId: f3.financingId, code: '123456' }), grpc.status.FAILED_PRECONDITION, 'FINANCING_NOT_AWAITING_VERIFICATION');
  });

  it('should refuse a confirmation after the disbursement deadline even before the timer fired', async () => {
    await record('C1', 2);
    const f = await h.api.requestFinancing({ merchantId: 'C1', lenderId: 'LN', amount: usd(10000), requestId: 'r' });
    h.server.core.scheduler.stop();
    h.clock.advance(DEFAULT_DISBURSEMENT);
    await expectError(h.api.confirmDisbursement({ merchantId: 'C1', financingId: f.financingId, lenderId: 'LN', amount: usd(10000), lenderReference: 'w' }),
      grpc.status.FAILED_PRECONDITION, 'DISBURSEMENT_EXPIRED');
    const e = await h.api.getFinancing({ merchantId: 'C1', financingId: f.financingId });
    expect([e.state, e.endReason]).to.deep.equal(['FINANCING_STATE_EXPIRED', 'DISBURSEMENT_EXPIRED']);
    await expectReleased('C1', f.financingId, ['O1', 'O2']);
    const closed = await h.gw.waitFor((c) => c.method === 'ReceiveFinancingClosed' && c.financingId === f.financingId);
    expect(closed.request.state).to.equal('FINANCING_STATE_EXPIRED');
  });
});
