/**
 * Structured logs: JSON lines; an access line per call with a request id and
 * the ids the request names; the caller's x-request-id honoured and echoed;
 * no bearer token and no verification code in any line, except the code in
 * the documented development-only line when no --notifier is configured.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import * as grpc from '@grpc/grpc-js';
import { expectError, LENDER, startHarness, type Harness } from './harness';
import { connect, usd } from '../src/testing/client';
import { createLogger } from '../src/observability/logger';

const TOKENS = { platform: 'tok-platform-secret-1', admin: 'tok-admin-secret-2', m1: 'tok-m1-secret-3', l1: 'tok-l1-secret-4' };
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** A logger like the server's (createLogger) at trace level, into memory. */
function capture(): { lines: string[]; logger: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  return { lines, logger: createLogger('trace', { write: (s: string) => void lines.push(...s.split('\n').filter(Boolean)) }) };
}

/** Every string and number anywhere in a parsed line. */
function leaves(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string' || typeof v === 'number') out.push(String(v));
  else if (v && typeof v === 'object') for (const x of Object.values(v)) leaves(x, out);
  return out;
}

describe('structured logs', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'orderpool-logs-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe('with an auth file and a notifier', () => {
    let h: Harness;
    const log = capture();
    let code = '';
    let wrong = '';

    before(async () => {
      const authFile = path.join(dir, 'auth.json');
      writeFileSync(authFile, JSON.stringify({ principals: [
        { name: 'platform', token_sha256: sha256(TOKENS.platform), roles: ['platform'] },
        { name: 'ops', token_sha256: sha256(TOKENS.admin), roles: ['admin'] },
        { name: 'shop-1', token_sha256: sha256(TOKENS.m1), roles: ['merchant:M1'] },
        { name: 'bank-1', token_sha256: sha256(TOKENS.l1), roles: ['lender:L1'] },
      ] }));
      h = await startHarness({ authFile, logger: log.logger });
      const [platform, admin, m1, l1] = [TOKENS.platform, TOKENS.admin, TOKENS.m1, TOKENS.l1].map((t) => connect(h.server.address, t));
      try {
        await admin!.upsertLender({ lender: { ...LENDER, gatewayTarget: h.gw.target, verificationThreshold: usd(1000) } });
        for (let i = 1; i <= 3; i++) await platform!.recordOrder({ merchantId: 'M1', orderId: `O${i}`, buyerId: 'B', amount: usd(1000) });
        const f = await m1!.requestFinancing({ merchantId: 'M1', lenderId: 'L1', amount: usd(1500), requestId: 'req-1' });
        code = String((await h.gw.waitFor((c) => c.method === 'SendVerificationCode')).request.code);
        wrong = code === '000000' ? '111111' : '000000';
        await expectError(m1!.verifyFinancing({ merchantId: 'M1', financingId: f.financingId, code: wrong }), grpc.status.INVALID_ARGUMENT, 'VERIFICATION_CODE_MISMATCH');
        await m1!.verifyFinancing({ merchantId: 'M1', financingId: f.financingId, code });
        await l1!.confirmDisbursement({ merchantId: 'M1', financingId: f.financingId, lenderId: 'L1', amount: usd(1500), lenderReference: 'w1' });
        await expectError(connect(h.server.address, 'tok-not-known-5').getMerchant({ merchantId: 'M1' }), grpc.status.UNAUTHENTICATED, 'INVALID_CREDENTIALS');
        await expectError(m1!.getMerchant({ merchantId: 'M2' }), grpc.status.PERMISSION_DENIED, 'ROLE_NOT_ALLOWED');
        await h.server.delivery.idle();
      } finally {
        for (const c of [platform, admin, m1, l1]) c!.close();
      }
    });
    after(async () => h?.stop());

    it('should write one JSON object per line, with level, time, msg and service', () => {
      expect(log.lines.length).to.be.greaterThan(10);
      for (const line of log.lines) {
        const o = JSON.parse(line) as Record<string, unknown>;
        expect(o).to.include.keys('level', 'time', 'msg');
        expect(o.service).to.equal('orderpool');
      }
    });

    it('should log each call with a request id, the method, the ids it names, its code and reason', () => {
      const rpc = log.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((o) => o.msg === 'rpc');
      const req = rpc.find((o) => o.method === 'RequestFinancing')!;
      expect(req).to.include({ merchantId: 'M1', lenderId: 'L1', financingRequestId: 'req-1', grpcCode: 'OK', level: 30 });
      expect(req.requestId).to.match(/^[0-9a-f-]{36}$/);
      const bad = rpc.find((o) => o.method === 'VerifyFinancing' && o.grpcCode === 'INVALID_ARGUMENT')!;
      expect(bad).to.include({ merchantId: 'M1', reason: 'VERIFICATION_CODE_MISMATCH' });
      expect(bad.financingId).to.be.a('string');
      expect(rpc.find((o) => o.method === 'GetMerchant' && o.grpcCode === 'UNAUTHENTICATED')).to.include({ reason: 'INVALID_CREDENTIALS' });
      expect(rpc.filter((o) => o.method === 'RecordOrder')).to.have.length(3);
      expect(new Set(rpc.map((o) => o.requestId)).size).to.equal(rpc.length);
    });

    it('should never log a bearer token or a verification code', () => {
      expect(code).to.match(/^\d{6}$/);
      const tokens = [...Object.values(TOKENS), 'tok-not-known-5'];
      for (const line of log.lines) {
        for (const t of tokens) expect(line, line).to.not.include(t);
        // Compared by value: a 6-digit substring may turn up in a timestamp.
        for (const leaf of leaves(JSON.parse(line))) {
          for (const c of [code, wrong]) expect([c, ...(c.startsWith('0') ? [] : [String(Number(c))])], line).to.not.include(leaf);
        }
        expect(JSON.parse(line), line).to.not.have.property('code');
      }
    });
  });

  describe('request ids', () => {
    let h: Harness;
    const log = capture();
    before(async () => {
      h = await startHarness({ logger: log.logger });
    });
    after(async () => h?.stop());

    const call = (md: grpc.Metadata, merchantId: string) => new Promise<{ header?: grpc.Metadata; err?: grpc.ServiceError }>((resolve) => {
      let header: grpc.Metadata | undefined;
      const c = h.api.raw.recordOrder({ merchantId, orderId: 'O1', buyerId: 'B', amount: usd(5) }, md, (err) => resolve({ header, err: err ?? undefined }));
      c.on('metadata', (m) => (header = m));
    });

    const rpcLines = () => log.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((o) => o.msg === 'rpc');

    it("should use the caller's x-request-id and send it back, on an answer and on an error", async () => {
      const md = new grpc.Metadata();
      md.set('x-request-id', 'trace-abc-123');
      const ok = await call(md, 'M1');
      expect(ok.err).to.equal(undefined);
      expect(ok.header?.get('x-request-id')).to.deep.equal(['trace-abc-123']);
      expect(rpcLines().find((o) => o.requestId === 'trace-abc-123')).to.include({ method: 'RecordOrder', merchantId: 'M1', orderId: 'O1', grpcCode: 'OK', level: 20 });

      const md2 = new grpc.Metadata();
      md2.set('x-request-id', 'trace-def-456');
      const failed = await call(md2, '');
      expect(failed.err?.code).to.equal(grpc.status.INVALID_ARGUMENT);
      expect(failed.err?.metadata.get('x-request-id')).to.deep.equal(['trace-def-456']);
      expect(rpcLines().find((o) => o.requestId === 'trace-def-456')).to.include({ method: 'RecordOrder', grpcCode: 'INVALID_ARGUMENT', reason: 'MISSING_FIELD' });
    });

    it('should make an id when the caller sent none (or an insane one): in the log line, and in the trailers of an error only', async () => {
      const before = rpcLines().length;
      const made = await call(new grpc.Metadata(), 'M2');
      expect(made.err).to.equal(undefined);
      expect(made.header?.get('x-request-id')).to.deep.equal([]);
      const line = rpcLines().slice(before).find((o) => o.merchantId === 'M2');
      expect(String(line?.requestId)).to.match(/^[0-9a-f-]{36}$/);

      const insane = new grpc.Metadata();
      insane.set('x-request-id', 'has spaces');
      const failed = await call(insane, '');
      expect(failed.err?.code).to.equal(grpc.status.INVALID_ARGUMENT);
      const id = String(failed.err?.metadata.get('x-request-id')[0]);
      expect(id).to.match(/^[0-9a-f-]{36}$/);
      expect(rpcLines().find((o) => o.requestId === id)).to.include({ method: 'RecordOrder', grpcCode: 'INVALID_ARGUMENT' });
    });

    it('should give the calls it does not wrap (streams, health) the same ids through the interceptor', async () => {
      const md = new grpc.Metadata();
      md.set('x-request-id', 'trace-watch-1');
      const watch = h.api.raw.watchMerchant({ merchantId: 'nobody' }, md);
      const status = await new Promise<grpc.StatusObject>((resolve) => {
        watch.on('error', () => {});
        watch.on('status', resolve);
      });
      expect(status.code).to.equal(grpc.status.NOT_FOUND);
      expect(status.metadata.get('x-request-id')).to.deep.equal(['trace-watch-1']);
      expect(rpcLines().find((o) => o.requestId === 'trace-watch-1')).to.include({ method: 'WatchMerchant', grpcCode: 'NOT_FOUND', merchantId: 'nobody' });

      const unnamed = h.api.raw.watchMerchant({ merchantId: 'nobody' }, new grpc.Metadata());
      const made = await new Promise<grpc.StatusObject>((resolve) => {
        unnamed.on('error', () => {});
        unnamed.on('status', resolve);
      });
      expect(String(made.metadata.get('x-request-id')[0])).to.match(/^[0-9a-f-]{36}$/);
    });
  });

  describe('without a notifier (development only)', () => {
    let h: Harness;
    const log = capture();
    before(async () => {
      h = await startHarness({ notifier: '', logger: log.logger });
    });
    after(async () => h?.stop());

    it('should log the verification code in the one documented warning, and nowhere else', async () => {
      await h.api.upsertLender({ lender: { ...LENDER, gatewayTarget: h.gw.target, verificationThreshold: usd(1000) } });
      for (let i = 1; i <= 2; i++) await h.api.recordOrder({ merchantId: 'M1', orderId: `O${i}`, buyerId: 'B', amount: usd(1000) });
      const f = await h.api.requestFinancing({ merchantId: 'M1', lenderId: 'L1', amount: usd(1000), requestId: 'r' });
      expect(f.state).to.equal('FINANCING_STATE_AWAITING_VERIFICATION');
      await h.server.delivery.idle();
      const warn = log.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((o) => typeof o.code === 'string');
      expect(warn).to.have.length(1);
      expect(warn[0]).to.include({ level: 40, merchantId: 'M1', financingId: f.financingId });
      expect(warn[0]!.msg).to.match(/no --notifier configured.*development only/);
      const code = String(warn[0]!.code);
      expect(log.lines.filter((l) => leaves(JSON.parse(l)).includes(code))).to.have.length(1);
      expect((await h.api.verifyFinancing({ merchantId: 'M1', financingId: f.financingId, code })).state).to.equal('FINANCING_STATE_NOTIFIED');
      expect(log.lines.filter((l) => leaves(JSON.parse(l)).includes(code))).to.have.length(1);
    });
  });
});
