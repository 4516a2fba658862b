/**
 * Access control (DESIGN.md "Running it"): bearer tokens from the auth file,
 * roles platform / admin / merchant:<id> / lender:<id>, UNAUTHENTICATED vs
 * PERMISSION_DENIED, health without a token, and the loopback-only rule
 * without an auth file.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import pino from 'pino';
import { expectError, LENDER, startHarness, type Harness } from './harness';
import { connect, usd, type Clients } from '../src/testing/client';
import { errorInfoOf, errorInfoOfStatus } from '../src/api/status';
import { startServer } from '../src/server';
import type { OrderEvent } from '../src/generated/orderpool/v1/OrderEvent';
import type { OrderEventAck__Output } from '../src/generated/orderpool/v1/OrderEventAck';

const { status } = grpc;
const DENIED = status.PERMISSION_DENIED;

const TOKENS = {
  platform: 'tok-platform-7c1f',
  admin: 'tok-admin-51aa',
  m1: 'tok-merchant-1-9d2e',
  m2: 'tok-merchant-2-0b77',
  l1: 'tok-lender-1-44c3',
  l2: 'tok-lender-2-e019',
  multi: 'tok-multi-3f00',
  none: 'tok-no-roles-aa11',
};

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

function writeAuthFile(dir: string): string {
  const principals = [
    { name: 'commerce-platform', token_sha256: sha256(TOKENS.platform), roles: ['platform'] },
    { name: 'ops', token_sha256: sha256(TOKENS.admin), roles: ['admin'] },
    { name: 'shop-1', token_sha256: sha256(TOKENS.m1), roles: ['merchant:M1'] },
    { name: 'shop-2', token_sha256: sha256(TOKENS.m2), roles: ['merchant:M2'] },
    { name: 'bank-1', token_sha256: sha256(TOKENS.l1), roles: ['lender:L1'] },
    { name: 'bank-2', token_sha256: sha256(TOKENS.l2), roles: ['lender:L2'] },
    { name: 'shop-3-and-bank-3', token_sha256: sha256(TOKENS.multi), roles: ['merchant:M3', 'lender:L3'] },
    { name: 'nobody', token_sha256: sha256(TOKENS.none), roles: [] },
  ];
  const file = path.join(dir, 'auth.json');
  writeFileSync(file, JSON.stringify({ principals }));
  return file;
}

/** A StreamOrderEvents call: its acks, or the error that ended it. */
function streamEvents(api: Clients, events: OrderEvent[]): Promise<{ acks: OrderEventAck__Output[]; error?: grpc.ServiceError }> {
  return new Promise((resolve) => {
    const call = api.raw.streamOrderEvents(api.metadata());
    const acks: OrderEventAck__Output[] = [];
    call.on('data', (a: OrderEventAck__Output) => acks.push(a));
    call.on('error', (error: grpc.ServiceError) => resolve({ acks, error }));
    call.on('end', () => resolve({ acks }));
    for (const ev of events) call.write(ev);
    call.end();
  });
}

/** WatchMerchant: resolves with the first event, rejects with the call's error. */
function watchFirst(api: Clients, merchantId: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const call = api.raw.watchMerchant({ merchantId, fromSequence: '0' }, api.metadata());
    call.on('data', (ev) => {
      resolve(ev);
      call.cancel();
    });
    call.on('error', reject);
  });
}

interface HealthClient extends grpc.Client {
  check(req: { service: string }, md: grpc.Metadata, cb: (e: grpc.ServiceError | null, r?: { status: string }) => void): void;
}

function healthClient(address: string): HealthClient {
  const def = protoLoader.loadSync(path.resolve(__dirname, '../node_modules/grpc-health-check/proto/health/v1/health.proto'), { enums: String });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { grpc: { health: { v1: { Health: new (a: string, c: grpc.ChannelCredentials) => HealthClient } } } };
  return new pkg.grpc.health.v1.Health(address, grpc.credentials.createInsecure());
}

const checkHealth = (c: HealthClient, service: string, md = new grpc.Metadata()) =>
  new Promise<string>((resolve, reject) => c.check({ service }, md, (e, r) => (e ? reject(e) : resolve(r!.status))));

describe('access control with an auth file', () => {
  let h: Harness;
  let dir: string;
  const c = {} as Record<keyof typeof TOKENS | 'anonymous' | 'unknown', Clients>;
  let FA = ''; // M1's financing from L1 (verified, then SETTLING)
  let FB = ''; // M2's financing from L2 (NOTIFIED, then DECLINED by L2)

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'orderpool-auth-'));
    h = await startHarness({ authFile: writeAuthFile(dir) });
    for (const k of Object.keys(TOKENS) as (keyof typeof TOKENS)[]) c[k] = connect(h.server.address, TOKENS[k]);
    c.anonymous = h.api; // the harness's own client sends no token
    c.unknown = connect(h.server.address, 'not-a-known-token');

    await c.admin.upsertLender({ lender: { ...LENDER, gatewayTarget: h.gw.target, verificationThreshold: usd(50000) } });
    await c.admin.upsertLender({ lender: { ...LENDER, lenderId: 'L2', gatewayTarget: h.gw.target } });
    for (const m of ['M1', 'M2']) {
      for (let i = 1; i <= 6; i++) await c.platform.recordOrder({ merchantId: m, orderId: `O${i}`, buyerId: `B${i}`, amount: usd(20000) });
    }
  });
  after(async () => {
    for (const k of Object.keys(c) as (keyof typeof c)[]) if (k !== 'anonymous') c[k].close();
    await h.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('authentication', () => {
    it('should answer UNAUTHENTICATED (MISSING_CREDENTIALS) without a token, on every service and kind of call', async () => {
      const a = c.anonymous;
      await expectError(a.getMerchant({ merchantId: 'M1' }), status.UNAUTHENTICATED, 'MISSING_CREDENTIALS');
      await expectError(a.recordOrder({ merchantId: 'M1', orderId: 'X', buyerId: 'B', amount: usd(1) }), status.UNAUTHENTICATED, 'MISSING_CREDENTIALS');
      await expectError(a.requestFinancing({ merchantId: 'M1', lenderId: 'L1', amount: usd(1), requestId: 'x' }), status.UNAUTHENTICATED, 'MISSING_CREDENTIALS');
      await expectError(a.upsertLender({ lender: { ...LENDER, gatewayTarget: h.gw.target } }), status.UNAUTHENTICATED, 'MISSING_CREDENTIALS');
      await expectError(a.getLender({ lenderId: 'L1' }), status.UNAUTHENTICATED, 'MISSING_CREDENTIALS');
      await expectError(a.listLenders({ pageSize: 0, pageToken: '' }), status.UNAUTHENTICATED, 'MISSING_CREDENTIALS');
      await expectError(watchFirst(a, 'M1'), status.UNAUTHENTICATED, 'MISSING_CREDENTIALS');
      const s = await streamEvents(a, [{ record: { merchantId: 'M1', orderId: 'X', buyerId: 'B', amount: usd(1) } }]);
      expect(s.acks).to.deep.equal([]);
      await expectError(Promise.reject(s.error), status.UNAUTHENTICATED, 'MISSING_CREDENTIALS');
      // Even an invalid request is refused as unauthenticated first.
      await expectError(a.getMerchant({ merchantId: '' }), status.UNAUTHENTICATED, 'MISSING_CREDENTIALS');
    });

    it('should answer MISSING_CREDENTIALS to a malformed authorization header', async () => {
      for (const header of [TOKENS.admin, `Basic ${TOKENS.admin}`, 'Bearer', 'Bearer ', `Bearer ${TOKENS.admin} extra`]) {
        const md = new grpc.Metadata();
        md.set('authorization', header);
        const err = await new Promise<grpc.ServiceError>((resolve) =>
          c.admin.rawAdmin.listLenders({ pageSize: 0, pageToken: '' }, md, (e) => resolve(e!)));
        expect({ header, code: err?.code, reason: errorInfoOf(err)?.reason }).to.deep.equal({ header, code: status.UNAUTHENTICATED, reason: 'MISSING_CREDENTIALS' });
      }
      // The scheme is case-insensitive.
      const md = new grpc.Metadata();
      md.set('authorization', `bearer ${TOKENS.admin}`);
      await new Promise<void>((resolve, reject) => c.admin.rawAdmin.listLenders({ pageSize: 0, pageToken: '' }, md, (e) => (e ? reject(e) : resolve())));
    });

    it('should answer UNAUTHENTICATED (INVALID_CREDENTIALS) to an unknown token, and to a token hash used as the token', async () => {
      const u = c.unknown;
      await expectError(u.getMerchant({ merchantId: 'M1' }), status.UNAUTHENTICATED, 'INVALID_CREDENTIALS');
      await expectError(u.recordOrder({ merchantId: 'M1', orderId: 'X', buyerId: 'B', amount: usd(1) }), status.UNAUTHENTICATED, 'INVALID_CREDENTIALS');
      await expectError(u.listLenders({ pageSize: 0, pageToken: '' }), status.UNAUTHENTICATED, 'INVALID_CREDENTIALS');
      await expectError(watchFirst(u, 'M1'), status.UNAUTHENTICATED, 'INVALID_CREDENTIALS');
      const s = await streamEvents(u, [{ complete: { merchantId: 'M1', orderId: 'O1' } }]);
      await expectError(Promise.reject(s.error), status.UNAUTHENTICATED, 'INVALID_CREDENTIALS');
      const hashAsToken = connect(h.server.address, sha256(TOKENS.admin));
      try {
        await expectError(hashAsToken.listLenders({ pageSize: 0, pageToken: '' }), status.UNAUTHENTICATED, 'INVALID_CREDENTIALS');
      } finally {
        hashAsToken.close();
      }
      // Nothing was recorded.
      expect((await c.platform.getMerchant({ merchantId: 'M1' })).ordersRecorded).to.equal('6');
    });

    it('should serve health without a token', async () => {
      const hc = healthClient(h.server.address);
      try {
        expect(await checkHealth(hc, '')).to.equal('SERVING');
        expect(await checkHealth(hc, 'orderpool.v1.OrderPoolService')).to.equal('SERVING');
        expect(await checkHealth(hc, 'orderpool.v1.LenderAdminService')).to.equal('SERVING');
        const bogus = new grpc.Metadata();
        bogus.set('authorization', 'Bearer not-a-known-token');
        expect(await checkHealth(hc, '', bogus)).to.equal('SERVING');
      } finally {
        hc.close();
      }
    });

    it('should refuse a principal without roles everything but health', async () => {
      const n = c.none;
      await expectError(n.getMerchant({ merchantId: 'M1' }), DENIED, 'ROLE_NOT_ALLOWED');
      await expectError(n.listLenders({ pageSize: 0, pageToken: '' }), DENIED, 'ROLE_NOT_ALLOWED');
      await expectError(n.recordOrder({ merchantId: 'M1', orderId: 'X', buyerId: 'B', amount: usd(1) }), DENIED, 'ROLE_NOT_ALLOWED');
    });
  });

  describe('roles', () => {
    it('platform: may record, complete and refund orders and stream them, and read everything; may not act for merchants, lenders or admins', async () => {
      const p = c.platform;
      const o = await p.recordOrder({ merchantId: 'M4', orderId: 'P1', buyerId: 'B', amount: usd(300) });
      expect(o.state).to.equal('ORDER_STATE_OPEN');
      await p.recordOrder({ merchantId: 'M4', orderId: 'P2', buyerId: 'B', amount: usd(300) });
      expect((await p.completeOrder({ merchantId: 'M4', orderId: 'P1' })).state).to.equal('ORDER_STATE_COMPLETED');
      expect((await p.refundOrder({ merchantId: 'M4', orderId: 'P2', reason: 'r' })).state).to.equal('ORDER_STATE_REFUNDED');
      const s = await streamEvents(p, [
        { record: { merchantId: 'M4', orderId: 'P3', buyerId: 'B', amount: usd(300) } },
        { complete: { merchantId: 'M4', orderId: 'P3' } },
      ]);
      expect(s.error).to.equal(undefined);
      expect(s.acks.map((a) => [a.error, a.order?.state])).to.deep.equal([[null, 'ORDER_STATE_OPEN'], [null, 'ORDER_STATE_COMPLETED']]);
      // Reads.
      expect((await p.getMerchant({ merchantId: 'M4' })).ordersRecorded).to.equal('3');
      await p.getOrder({ merchantId: 'M1', orderId: 'O1' });
      await p.listMerchantEvents({ merchantId: 'M1', pageSize: 1, pageToken: '' });
      await p.getLender({ lenderId: 'L1' });
      expect((await p.listLenders({ pageSize: 0, pageToken: '' })).lenders.map((l) => l.lenderId)).to.deep.equal(['L1', 'L2']);
      await watchFirst(p, 'M1');
      // Not the merchant's, lender's or admin's calls.
      const seq = (await p.getMerchant({ merchantId: 'M4' })).lastSequence;
      await expectError(p.requestFinancing({ merchantId: 'M4', lenderId: 'L2', amount: usd(100), requestId: 'p' }), DENIED, 'ROLE_NOT_ALLOWED');
      await expectError(p.cancelFinancing({ merchantId: 'M4', financingId: 'fin-x', reason: '' }), DENIED, 'ROLE_NOT_ALLOWED');
      await expectError(p.verifyFinancing({ merchantId: 'M4', financingId: 'fin-x', code: '123456' }), DENIED, 'ROLE_NOT_ALLOWED');
      await expectError(p.confirmDisbursement({ merchantId: 'M4', financingId: 'fin-x', lenderId: 'L2', amount: usd(1), lenderReference: 'w' }), DENIED, 'ROLE_NOT_ALLOWED');
      await expectError(p.declineFinancing({ merchantId: 'M4', financingId: 'fin-x', lenderId: 'L2', reason: '' }), DENIED, 'ROLE_NOT_ALLOWED');
      await expectError(p.upsertLender({ lender: { ...LENDER, lenderId: 'LP', gatewayTarget: h.gw.target } }), DENIED, 'ROLE_NOT_ALLOWED');
      expect((await p.getMerchant({ merchantId: 'M4' })).lastSequence).to.equal(seq);
      await expectError(p.getLender({ lenderId: 'LP' }), status.NOT_FOUND, 'LENDER_NOT_FOUND');
    });

    it('merchant:M1: may request, verify and cancel its financings and read M1; PERMISSION_DENIED on M2 and on order calls', async () => {
      const m1 = c.m1;
      // Request, verify (wrong, then right code), cancel.
      const f0 = await m1.requestFinancing({ merchantId: 'M1', lenderId: 'L1', amount: usd(40000), requestId: 'a0' });
      expect(f0.state).to.equal('FINANCING_STATE_AWAITING_VERIFICATION');
      await expectError(m1.verifyFinancing({ merchantId: 'M1', financingId: f0.financingId, code: '12345x' }), status.INVALID_ARGUMENT, 'INVALID_CODE');
      const cancelled = await m1.cancelFinancing({ merchantId: 'M1', financingId: f0.financingId, reason: 'try again' });
      expect(cancelled.state).to.equal('FINANCING_STATE_CANCELLED');

      const fa = await m1.requestFinancing({ merchantId: 'M1', lenderId: 'L1', amount: usd(40000), requestId: 'a1' });
      FA = fa.financingId;
      const code = String((await h.gw.waitFor((x) => x.method === 'SendVerificationCode' && x.financingId === FA)).request.code);
      await expectError(m1.verifyFinancing({ merchantId: 'M1', financingId: FA, code: code === '000000' ? '111111' : '000000' }), status.INVALID_ARGUMENT, 'VERIFICATION_CODE_MISMATCH');
      expect((await m1.verifyFinancing({ merchantId: 'M1', financingId: FA, code })).state).to.equal('FINANCING_STATE_NOTIFIED');

      // Reads of M1.
      expect((await m1.getMerchant({ merchantId: 'M1' })).activeFinancing?.financingId).to.equal(FA);
      await m1.getOrder({ merchantId: 'M1', orderId: 'O1' });
      expect((await m1.getFinancing({ merchantId: 'M1', financingId: FA })).state).to.equal('FINANCING_STATE_NOTIFIED');
      expect((await m1.listPoolOrders({ merchantId: 'M1', financingId: FA, pageSize: 0, pageToken: '' })).orders).to.have.length(3);
      await m1.listMerchantEvents({ merchantId: 'M1', pageSize: 0, pageToken: '' });
      await watchFirst(m1, 'M1');

      // M2 is out of reach, whatever the call.
      const fb = await c.m2.requestFinancing({ merchantId: 'M2', lenderId: 'L2', amount: usd(20000), requestId: 'b1' });
      FB = fb.financingId;
      const m2Before = await c.platform.getMerchant({ merchantId: 'M2' });
      await expectError(m1.getMerchant({ merchantId: 'M2' }), DENIED, 'ROLE_NOT_ALLOWED');
      await expectError(m1.getOrder({ merchantId: 'M2', orderId: 'O1' }), DENIED, 'ROLE_NOT_ALLOWED');
      await expectError(m1.getFinancing({ merchantId: 'M2', financingId: FB }), DENIED, 'ROLE_NOT_ALLOWED');
      await expectError(m1.listPoolOrders({ merchantId: 'M2', financingId: FB, pageSize: 0, pageToken: '' }), DENIED, 'ROLE_NOT_ALLOWED');
      await expectError(m1.listMerchantEvents({ merchantId: 'M2', pageSize: 0, pageToken: '' }), DENIED, 'ROLE_NOT_ALLOWED');
      await expectError(watchFirst(m1, 'M2'), DENIED, 'ROLE_NOT_ALLOWED');
      await expectError(m1.requestFinancing({ merchantId: 'M2', lenderId: 'L2', amount: usd(100), requestId: 'steal' }), DENIED, 'ROLE_NOT_ALLOWED');
      await expectError(m1.verifyFinancing({ merchantId: 'M2', financingId: FB, code: '123456' }), DENIED, 'ROLE_NOT_ALLOWED');
      await expectError(m1.cancelFinancing({ merchantId: 'M2', financingId: FB, reason: '' }), DENIED, 'ROLE_NOT_ALLOWED');
      // Probing M2 (or a merchant that does not exist) reveals nothing either.
      await expectError(m1.getFinancing({ merchantId: 'M2', financingId: 'fin-does-not-exist' }), DENIED, 'ROLE_NOT_ALLOWED');
      await expectError(m1.listPoolOrders({ merchantId: 'M2', financingId: 'fin-does-not-exist', pageSize: 0, pageToken: '' }), DENIED, 'ROLE_NOT_ALLOWED');
      await expectError(m1.getFinancing({ merchantId: 'NOBODY', financingId: 'fin-x' }), DENIED, 'ROLE_NOT_ALLOWED');
      await expectError(m1.getMerchant({ merchantId: 'NOBODY' }), DENIED, 'ROLE_NOT_ALLOWED');
      expect(await c.platform.getMerchant({ merchantId: 'M2' })).to.deep.equal(m2Before);

      // Order calls belong to the platform; lender and admin calls to them.
      const m1Seq = (await m1.getMerchant({ merchantId: 'M1' })).lastSequence;
      await expectError(m1.recordOrder({ merchantId: 'M1', orderId: 'SELF', buyerId: 'B', amount: usd(1) }), DENIED, 'ROLE_NOT_ALLOWED');
      await expectError(m1.completeOrder({ merchantId: 'M1', orderId: 'O4' }), DENIED, 'ROLE_NOT_ALLOWED');
      await expectError(m1.refundOrder({ merchantId: 'M1', orderId: 'O4', reason: '' }), DENIED, 'ROLE_NOT_ALLOWED');
      const s = await streamEvents(m1, [{ complete: { merchantId: 'M1', orderId: 'O4' } }]);
      const denied = s.error ? [s.error.code, errorInfoOf(s.error)?.reason] : [s.acks[0]?.error?.code, errorInfoOfStatus(s.acks[0]!.error as never)?.reason];
      expect(denied).to.deep.equal([DENIED, 'ROLE_NOT_ALLOWED']);
      await expectError(m1.confirmDisbursement({ merchantId: 'M1', financingId: FA, lenderId: 'L1', amount: usd(40000), lenderReference: 'self' }), DENIED, 'ROLE_NOT_ALLOWED');
      await expectError(m1.declineFinancing({ merchantId: 'M1', financingId: FA, lenderId: 'L1', reason: '' }), DENIED, 'ROLE_NOT_ALLOWED');
      await expectError(m1.upsertLender({ lender: { ...LENDER, lenderId: 'LM', gatewayTarget: h.gw.target } }), DENIED, 'ROLE_NOT_ALLOWED');
      expect((await m1.getMerchant({ merchantId: 'M1' })).lastSequence).to.equal(m1Seq);
    });

    it('lender:L1: may confirm and decline and read its own financings; PERMISSION_DENIED for L2\'s and on admin calls', async () => {
      expect(FA, 'runs after the merchant test').to.not.equal('');
      const l1 = c.l1;
      // Its own financing.
      expect((await l1.getFinancing({ merchantId: 'M1', financingId: FA })).lenderId).to.equal('L1');
      expect((await l1.listPoolOrders({ merchantId: 'M1', financingId: FA, pageSize: 0, pageToken: '' })).orders).to.have.length(3);
      expect((await l1.confirmDisbursement({ merchantId: 'M1', financingId: FA, lenderId: 'L1', amount: usd(40000), lenderReference: 'wire-A' })).state)
        .to.equal('FINANCING_STATE_SETTLING');
      expect((await l1.getLender({ lenderId: 'L1' })).lenderId).to.equal('L1');

      // L2's financing, whichever lender_id L1 claims.
      const fbBefore = await c.platform.getFinancing({ merchantId: 'M2', financingId: FB });
      await expectError(l1.getFinancing({ merchantId: 'M2', financingId: FB }), DENIED, 'ROLE_NOT_ALLOWED');
      await expectError(l1.listPoolOrders({ merchantId: 'M2', financingId: FB, pageSize: 0, pageToken: '' }), DENIED, 'ROLE_NOT_ALLOWED');
      await expectError(l1.confirmDisbursement({ merchantId: 'M2', financingId: FB, lenderId: 'L2', amount: usd(20000), lenderReference: 'x' }), DENIED, 'ROLE_NOT_ALLOWED');
      await expectError(l1.confirmDisbursement({ merchantId: 'M2', financingId: FB, lenderId: 'L1', amount: usd(20000), lenderReference: 'x' }), DENIED, 'LENDER_MISMATCH');
      await expectError(l1.declineFinancing({ merchantId: 'M2', financingId: FB, lenderId: 'L2', reason: 'x' }), DENIED, 'ROLE_NOT_ALLOWED');
      await expectError(l1.declineFinancing({ merchantId: 'M2', financingId: FB, lenderId: 'L1', reason: 'x' }), DENIED, 'LENDER_MISMATCH');
      expect(await c.platform.getFinancing({ merchantId: 'M2', financingId: FB })).to.deep.equal(fbBefore);

      // Not the admin's, the platform's, or the merchant's calls, nor merchant-wide reads.
      await expectError(l1.upsertLender({ lender: { ...LENDER, gatewayTarget: h.gw.target, feeBps: 0 } }), DENIED, 'ROLE_NOT_ALLOWED');
      await expectError(l1.getLender({ lenderId: 'L2' }), DENIED, 'ROLE_NOT_ALLOWED');
      await expectError(l1.listLenders({ pageSize: 0, pageToken: '' }), DENIED, 'ROLE_NOT_ALLOWED');
      await expectError(l1.getMerchant({ merchantId: 'M1' }), DENIED, 'ROLE_NOT_ALLOWED');
      await expectError(l1.getOrder({ merchantId: 'M1', orderId: 'O1' }), DENIED, 'ROLE_NOT_ALLOWED');
      await expectError(l1.listMerchantEvents({ merchantId: 'M1', pageSize: 0, pageToken: '' }), DENIED, 'ROLE_NOT_ALLOWED');
      await expectError(watchFirst(l1, 'M1'), DENIED, 'ROLE_NOT_ALLOWED');
      await expectError(l1.recordOrder({ merchantId: 'M1', orderId: 'L', buyerId: 'B', amount: usd(1) }), DENIED, 'ROLE_NOT_ALLOWED');
      await expectError(l1.requestFinancing({ merchantId: 'M1', lenderId: 'L1', amount: usd(1), requestId: 'l' }), DENIED, 'ROLE_NOT_ALLOWED');
      expect((await c.admin.getLender({ lenderId: 'L1' })).feeBps).to.equal(LENDER.feeBps);

      // L2 may read and decline its own; then L1 may decline a new one of its own.
      expect((await c.l2.getFinancing({ merchantId: 'M2', financingId: FB })).state).to.equal('FINANCING_STATE_NOTIFIED');
      expect((await c.l2.declineFinancing({ merchantId: 'M2', financingId: FB, lenderId: 'L2', reason: 'risk' })).state).to.equal('FINANCING_STATE_DECLINED');
      const fc = await c.m2.requestFinancing({ merchantId: 'M2', lenderId: 'L1', amount: usd(10000), requestId: 'c1' });
      expect(fc.state).to.equal('FINANCING_STATE_NOTIFIED');
      await expectError(c.l2.getFinancing({ merchantId: 'M2', financingId: fc.financingId }), DENIED, 'ROLE_NOT_ALLOWED');
      expect((await l1.declineFinancing({ merchantId: 'M2', financingId: fc.financingId, lenderId: 'L1', reason: 'no' })).state).to.equal('FINANCING_STATE_DECLINED');
      // An ended financing of L2 stays L2's.
      await expectError(l1.getFinancing({ merchantId: 'M2', financingId: FB }), DENIED, 'ROLE_NOT_ALLOWED');
    });

    it('admin: may upsert, read and list lenders and read everything; may not act on orders or financings', async () => {
      const a = c.admin;
      const l = await a.upsertLender({ lender: { ...LENDER, lenderId: 'L9', gatewayTarget: h.gw.target, feeBps: 0 } });
      expect(l.feeBps).to.equal(0);
      expect((await a.getLender({ lenderId: 'L9' })).lenderId).to.equal('L9');
      expect((await a.listLenders({ pageSize: 0, pageToken: '' })).lenders.map((x) => x.lenderId)).to.include('L9');
      await a.getMerchant({ merchantId: 'M1' });
      await a.getOrder({ merchantId: 'M1', orderId: 'O1' });
      await a.getFinancing({ merchantId: 'M1', financingId: FA });
      await a.listPoolOrders({ merchantId: 'M1', financingId: FA, pageSize: 0, pageToken: '' });
      await a.listMerchantEvents({ merchantId: 'M1', pageSize: 0, pageToken: '' });
      await watchFirst(a, 'M1');
      await expectError(a.recordOrder({ merchantId: 'M1', orderId: 'A', buyerId: 'B', amount: usd(1) }), DENIED, 'ROLE_NOT_ALLOWED');
      await expectError(a.completeOrder({ merchantId: 'M1', orderId: 'O1' }), DENIED, 'ROLE_NOT_ALLOWED');
      await expectError(a.requestFinancing({ merchantId: 'M5', lenderId: 'L9', amount: usd(1), requestId: 'a' }), DENIED, 'ROLE_NOT_ALLOWED');
      await expectError(a.cancelFinancing({ merchantId: 'M1', financingId: FA, reason: '' }), DENIED, 'ROLE_NOT_ALLOWED');
      await expectError(a.confirmDisbursement({ merchantId: 'M1', financingId: FA, lenderId: 'L1', amount: usd(40000), lenderReference: 'a' }), DENIED, 'ROLE_NOT_ALLOWED');
    });

    it('a principal with several roles holds each of them', async () => {
      await c.platform.recordOrder({ merchantId: 'M3', orderId: 'O1', buyerId: 'B', amount: usd(50000) });
      await c.admin.upsertLender({ lender: { ...LENDER, lenderId: 'L3', gatewayTarget: h.gw.target } });
      const multi = c.multi;
      const f = await multi.requestFinancing({ merchantId: 'M3', lenderId: 'L3', amount: usd(10000), requestId: 'm' });
      expect((await multi.confirmDisbursement({ merchantId: 'M3', financingId: f.financingId, lenderId: 'L3', amount: usd(10000), lenderReference: 'w' })).state).to.equal('FINANCING_STATE_SETTLING');
      expect((await multi.getLender({ lenderId: 'L3' })).lenderId).to.equal('L3');
      await expectError(multi.getMerchant({ merchantId: 'M1' }), DENIED, 'ROLE_NOT_ALLOWED');
      await expectError(multi.getFinancing({ merchantId: 'M1', financingId: FA }), DENIED, 'ROLE_NOT_ALLOWED');
    });
  });
});

describe('listening without an auth file', () => {
  const dirs: string[] = [];
  const tmp = () => {
    const d = mkdtempSync(path.join(tmpdir(), 'orderpool-listen-'));
    dirs.push(d);
    return d;
  };
  const logger = pino({ level: 'silent' });
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('should refuse a non-loopback listen without --auth-file or --insecure', async () => {
    for (const listen of ['0.0.0.0:0', '192.0.2.1:0', 'example.com:0', '[::]:0']) {
      let err: unknown;
      try {
        const s = await startServer({ listen, dataDir: tmp(), logger });
        await s.stop();
      } catch (e) {
        err = e;
      }
      expect(err, listen).to.be.instanceOf(Error);
      expect((err as Error).message, listen).to.match(/refusing to listen/);
    }
  });

  it('should accept a non-loopback listen with insecure: true, and loopback without it', async () => {
    const s = await startServer({ listen: '0.0.0.0:0', dataDir: tmp(), logger, insecure: true });
    try {
      expect(s.port).to.be.greaterThan(0);
      const api = connect(`127.0.0.1:${s.port}`);
      try {
        // Without an auth file, every caller is trusted.
        await api.recordOrder({ merchantId: 'M', orderId: 'O', buyerId: 'B', amount: usd(1) });
      } finally {
        api.close();
      }
    } finally {
      await s.stop();
    }
    for (const listen of ['127.0.0.1:0', 'localhost:0']) {
      const l = await startServer({ listen, dataDir: tmp(), logger });
      await l.stop();
    }
  });

  it('should accept a non-loopback listen with an auth file', async () => {
    const d = tmp();
    const s = await startServer({ listen: '0.0.0.0:0', dataDir: d, logger, authFile: writeAuthFile(d) });
    try {
      const api = connect(`127.0.0.1:${s.port}`);
      try {
        await expectError(api.getMerchant({ merchantId: 'M' }), status.UNAUTHENTICATED, 'MISSING_CREDENTIALS');
      } finally {
        api.close();
      }
    } finally {
      await s.stop();
    }
  });
});
