/**
 * Backup of a RUNNING store (AdminService.CreateBackup: the server copies
 * itself through one LevelDB snapshot) and offline restore: the copy is a
 * consistent point in time while commands keep running, and a server started
 * on the restored copy serves everything acknowledged before the backup
 * started, with every invariant holding.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import * as grpc from '@grpc/grpc-js';
import pino from 'pino';
import { expectError, LENDER, startHarness, type Harness } from './harness';
import { allEvents, connect, usd } from '../src/testing/client';
import { v1 } from '../src/api/proto';
import { startServer } from '../src/server';
import { openStopped, restoreStore } from '../src/store/backup';
import { checkStore } from '../src/store/check';
import type { Backup__Output } from '../src/generated/orderpool/v1/Backup';
import type { MerchantEvent__Output } from '../src/generated/orderpool/v1/MerchantEvent';

function createBackup(target: string, directory: string, token?: string): Promise<Backup__Output> {
  const client = new v1.AdminService(target, grpc.credentials.createInsecure());
  const md = new grpc.Metadata();
  if (token) md.set('authorization', `Bearer ${token}`);
  return new Promise<Backup__Output>((resolve, reject) => {
    client.createBackup({ directory }, md, (e, r) => (e ? reject(e) : resolve(r!)));
  }).finally(() => client.close());
}


interface Acked {
  merchantId: string;
  orderId: string;
  /** performance.now() when the command was sent and when its answer came. */
  sentAt: number;
  ackedAt: number;
}

describe('backup of a running store and restore', function () {
  this.timeout(60_000);
  let h: Harness;
  let dir: string;
  beforeEach(async () => {
    h = await startHarness();
    dir = mkdtempSync(path.join(tmpdir(), 'orderpool-backup-'));
  });
  afterEach(async () => {
    await h.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should copy a consistent point in time while commands run; a server on the restored copy has everything acked before the backup', async () => {
    await h.api.upsertLender({ lender: { ...LENDER, gatewayTarget: h.gw.target } });
    for (let i = 1; i <= 8; i++) await h.api.recordOrder({ merchantId: 'M1', orderId: `O${i}`, buyerId: `B${i}`, amount: usd(10000) });
    const f0 = await h.api.requestFinancing({ merchantId: 'M1', lenderId: 'L1', amount: usd(30000), requestId: 'r1' });
    const fid = f0.financingId;
    const f1 = await h.api.confirmDisbursement({ merchantId: 'M1', financingId: fid, lenderId: 'L1', amount: usd(f0.approved!.minorUnits), lenderReference: 'w1' });
    expect(f1.state).to.equal('FINANCING_STATE_SETTLING');
    await h.api.completeOrder({ merchantId: 'M1', orderId: 'O1' });

    // Commands keep running on several merchants while the backup is made.
    const acked: Acked[] = [];
    let stop = false;
    const writer = async (merchantId: string, completeEvery: number) => {
      for (let n = 0; !stop; n++) {
        const orderId = `W${n}`;
        const sentAt = performance.now();
        await h.api.recordOrder({ merchantId, orderId, buyerId: 'B', amount: usd(1000 + n) });
        acked.push({ merchantId, orderId, sentAt, ackedAt: performance.now() });
        if (completeEvery > 0 && n % completeEvery === 0) await h.api.completeOrder({ merchantId, orderId: `W${n}` });
      }
    };
    const writers = [writer('M1', 3), writer('M2', 0), writer('M3', 2), writer('M4', 0)];
    while (acked.length < 40) await new Promise((r) => setTimeout(r, 5));

    const backupDir = path.join(dir, 'backup');
    const startedAt = performance.now();
    const ackedBefore = acked.filter((a) => a.ackedAt < startedAt);
    const backup = await createBackup(h.server.address, backupDir);
    const countAtEnd = acked.length;
    while (acked.length < countAtEnd + 40) await new Promise((r) => setTimeout(r, 5));
    stop = true;
    await Promise.all(writers);

    expect(backup.directory).to.equal(backupDir);
    expect(Number(backup.keyCount)).to.be.greaterThan(ackedBefore.length);
    expect(Number(backup.byteCount)).to.be.greaterThan(0);
    expect(backup.snapshotTime).to.not.equal(null);

    // The live journals after the load, to compare the copy with.
    const merchants = ['M1', 'M2', 'M3', 'M4'];
    const live = new Map<string, MerchantEvent__Output[]>();
    for (const m of merchants) live.set(m, await allEvents(h.api, m));

    // Restore offline; the restored store is consistent.
    const restoredDir = path.join(dir, 'restored');
    const restored = await restoreStore(backupDir, restoredDir);
    expect(restored.keyCount).to.equal(Number(backup.keyCount));
    const db = await openStopped(restoredDir);
    const report = await checkStore(db);
    await db.close();
    expect(report.violations).to.deep.equal([]);
    expect(report.merchants).to.equal(4);
    expect(report.lenders).to.equal(1);

    const server = await startServer({ listen: '127.0.0.1:0', dataDir: restoredDir, notifier: h.gw.target, logger: pino({ level: 'silent' }) });
    const api = connect(server.address);
    try {
      // Everything acknowledged before the backup call started is there.
      for (const a of ackedBefore) {
        const o = await api.getOrder({ merchantId: a.merchantId, orderId: a.orderId });
        expect(o.orderId).to.equal(a.orderId);
      }
      // One point in time: nothing present whose command was sent after a
      // command that is missing had already been answered.
      const present: Acked[] = [];
      const missing: Acked[] = [];
      for (const a of acked) {
        const found = await api.getOrder({ merchantId: a.merchantId, orderId: a.orderId }).then(() => true, () => false);
        (found ? present : missing).push(a);
      }
      expect(missing.length, 'commands acked after the backup are not all in it').to.be.greaterThan(0);
      const firstMissingAck = Math.min(...missing.map((a) => a.ackedAt));
      const lastPresentSend = Math.max(...present.map((a) => a.sentAt));
      expect(lastPresentSend).to.be.at.most(firstMissingAck);

      // Each merchant's journal is a prefix of the live one, and its state is that of its last event.
      for (const m of merchants) {
        const events = await allEvents(api, m);
        const merchant = await api.getMerchant({ merchantId: m });
        expect(Number(merchant.lastSequence)).to.equal(events.length);
        expect(events).to.deep.equal(live.get(m)!.slice(0, events.length));
      }
      const m1Events = await allEvents(api, 'M1');
      const lastFinancing = [...m1Events].reverse().find((e) => e.financing?.financingId === fid)!.financing!;
      const f = await api.getFinancing({ merchantId: 'M1', financingId: fid });
      expect(f).to.deep.equal(lastFinancing);
      expect(f.state).to.be.oneOf(['FINANCING_STATE_SETTLING', 'FINANCING_STATE_REPAID']);
      const pool = await api.listPoolOrders({ merchantId: 'M1', financingId: fid, pageSize: 1000, pageToken: '' });
      expect(pool.orders.reduce((s, o) => s + BigInt(o.amount!.minorUnits), 0n)).to.equal(BigInt(f.poolTotal!.minorUnits));
      expect(BigInt(f.outstanding!.minorUnits)).to.equal(BigInt(f.approved!.minorUnits) + BigInt(f.fee!.minorUnits) - BigInt(f.repaid!.minorUnits));

      // The restored server takes commands.
      const next = await api.recordOrder({ merchantId: 'M2', orderId: 'after-restore', buyerId: 'B', amount: usd(5) });
      expect(next.state).to.equal('ORDER_STATE_OPEN');
    } finally {
      api.close();
      await server.stop();
    }
  });

  it('should refuse a relative path, a non-empty directory and a path inside the data dir', async () => {
    await h.api.recordOrder({ merchantId: 'M1', orderId: 'O1', buyerId: 'B', amount: usd(100) });
    await expectError(createBackup(h.server.address, 'backups/today'), grpc.status.INVALID_ARGUMENT, 'INVALID_PATH');
    await expectError(createBackup(h.server.address, ''), grpc.status.INVALID_ARGUMENT, 'MISSING_FIELD');
    await expectError(createBackup(h.server.address, path.join(h.dataDir, 'inside')), grpc.status.INVALID_ARGUMENT, 'INVALID_PATH');
    const full = path.join(dir, 'full');
    mkdirSync(full);
    writeFileSync(path.join(full, 'something'), 'x');
    await expectError(createBackup(h.server.address, full), grpc.status.FAILED_PRECONDITION, 'BACKUP_DIR_NOT_EMPTY');
    const file = path.join(dir, 'a-file');
    writeFileSync(file, 'x');
    await expectError(createBackup(h.server.address, file), grpc.status.FAILED_PRECONDITION, 'BACKUP_DIR_NOT_EMPTY');
    await expectError(createBackup(h.server.address, path.join(file, 'below')), grpc.status.FAILED_PRECONDITION, 'BACKUP_DIR_UNUSABLE');

    // An existing empty directory is fine; parents are created.
    const empty = path.join(dir, 'empty');
    mkdirSync(empty);
    expect(Number((await createBackup(h.server.address, empty)).keyCount)).to.be.greaterThan(0);
    expect(Number((await createBackup(h.server.address, path.join(dir, 'a', 'b', 'c'))).keyCount)).to.be.greaterThan(0);
  });

  it('should refuse a restore into a non-empty directory, and from a missing or locked store', async () => {
    const backupDir = path.join(dir, 'backup');
    await createBackup(h.server.address, backupDir);
    const target = path.join(dir, 'target');
    mkdirSync(target);
    writeFileSync(path.join(target, 'keep-me'), 'x');
    await restoreStore(backupDir, target).then(() => expect.fail('restored into a non-empty dir'), (e: Error) => expect(e.message).to.match(/exists and is not empty/));
    await restoreStore(path.join(dir, 'nope'), path.join(dir, 't2')).then(() => expect.fail('restored from nothing'), (e: Error) => expect(e.message).to.match(/does not exist/));
    await restoreStore(h.dataDir, path.join(dir, 't3')).then(() => expect.fail('restored from a running store'), (e: Error) => expect(e.message).to.match(/is locked by another process/));
  });
});

describe('backup access control', () => {
  it('should let only the admin role back up', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'orderpool-backup-auth-'));
    const sha = (s: string) => createHash('sha256').update(s).digest('hex');
    const authFile = path.join(dir, 'auth.json');
    writeFileSync(authFile, JSON.stringify({
      principals: [
        { name: 'ops', token_sha256: sha('tok-admin'), roles: ['admin'] },
        { name: 'platform', token_sha256: sha('tok-platform'), roles: ['platform'] },
      ],
    }));
    const h = await startHarness({ authFile });
    try {
      await expectError(createBackup(h.server.address, path.join(dir, 'b1')), grpc.status.UNAUTHENTICATED, 'MISSING_CREDENTIALS');
      await expectError(createBackup(h.server.address, path.join(dir, 'b1'), 'tok-platform'), grpc.status.PERMISSION_DENIED, 'ROLE_NOT_ALLOWED');
      const b = await createBackup(h.server.address, path.join(dir, 'b1'), 'tok-admin');
      expect(b.directory).to.equal(path.join(dir, 'b1'));
    } finally {
      await h.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
