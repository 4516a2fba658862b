/**
 * The server as `npm start` runs it: gRPC in the main thread, the actors,
 * LevelDB and delivery in the runtime thread (src/runtime/runtime-thread.ts).
 * The rest of the suite runs the runtime in-process to inject a clock and
 * faults; this file checks that everything crosses the thread boundary.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { expect } from 'chai';
import pino from 'pino';
import { startService, type RunningServer } from '../src/server';
import { configCommand, DEFAULTS, resolveConfig } from '../src/config';
import { RuntimeThread } from '../src/runtime/runtime-thread';
import { ManualClock } from '../src/runtime/clock';
import { startFakeGateway, type FakeGateway } from '../src/testing/fake-lender';
import { allEvents, connect, usd, type Clients } from '../src/testing/client';
import type { MerchantEvent__Output } from '../src/generated/orderpool/v1/MerchantEvent';
import { expectError, LENDER } from './harness';
import { v1 } from '../src/api/proto';
import type { Backup__Output } from '../src/generated/orderpool/v1/Backup';
import type { OrderEvent } from '../src/generated/orderpool/v1/OrderEvent';
import type { OrderEventAck__Output } from '../src/generated/orderpool/v1/OrderEventAck';
import { errorInfoOfStatus } from '../src/api/status';

describe('runtime thread (npm start)', () => {
  let dataDir: string;
  let gw: FakeGateway;
  let server: RunningServer;
  let api: Clients;
  let fatal: Error[];

  const start = async (extra: Record<string, unknown> = {}) => {
    server = await startService({
      listen: '127.0.0.1:0', dataDir, notifier: gw.target, retryBaseMs: 5, retryMaxMs: 50,
      logger: pino({ level: 'silent' }), logLevel: 'silent', onFatal: (e) => fatal.push(e), ...extra,
    });
    api = connect(server.address);
  };

  beforeEach(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'orderpool-thread-'));
    gw = await startFakeGateway();
    fatal = [];
    await start();
  });
  afterEach(async () => {
    api.close();
    await server.stop();
    await gw.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('should run the runtime in a worker thread by default', () => {
    expect(server.backend).to.be.instanceOf(RuntimeThread);
  });

  it('should take a merchant from orders to a repaid financing, repayments delivered from the runtime thread', async () => {
    await api.upsertLender({ lender: { ...LENDER, gatewayTarget: gw.target } });
    for (let i = 1; i <= 3; i++) await api.recordOrder({ merchantId: 'M1', orderId: `O${i}`, buyerId: 'B', amount: usd(20000) });
    const f0 = await api.requestFinancing({ merchantId: 'M1', lenderId: 'L1', amount: usd(30000), requestId: 'r1' });
    expect(f0.state).to.equal('FINANCING_STATE_NOTIFIED');
    expect(f0.poolOrderCount).to.equal('2');
    await gw.waitFor((c) => c.method === 'AuthorizeDisbursement' && c.financingId === f0.financingId);
    const f1 = await api.confirmDisbursement({ merchantId: 'M1', financingId: f0.financingId, lenderId: 'L1', amount: usd(30000), lenderReference: 'w1' });
    expect(f1.state).to.equal('FINANCING_STATE_SETTLING');
    expect(f1.outstanding?.minorUnits).to.equal('30600');

    await api.completeOrder({ merchantId: 'M1', orderId: 'O1' });
    await api.completeOrder({ merchantId: 'M1', orderId: 'O2' });
    await api.completeOrder({ merchantId: 'M1', orderId: 'O3' });
    const f = await api.getFinancing({ merchantId: 'M1', financingId: f0.financingId });
    expect(f.repaid?.minorUnits).to.equal('30000');
    await gw.waitFor(() => gw.repaidTo(f0.financingId) === 30000n);
    const m = await api.getMerchant({ merchantId: 'M1' });
    expect(m.ordersCompleted).to.equal('3');
    expect(m.lastSequence).to.equal(String((await allEvents(api, 'M1')).length));
    expect(gw.conflicts).to.deep.equal([]);
  });

  it('should carry domain errors across the thread with their code and reason', async () => {
    await expectError(api.getMerchant({ merchantId: 'nobody' }), grpc.status.NOT_FOUND, 'MERCHANT_NOT_FOUND');
    await api.recordOrder({ merchantId: 'M1', orderId: 'O1', buyerId: 'B', amount: usd(100) });
    await expectError(api.recordOrder({ merchantId: 'M1', orderId: 'O1', buyerId: 'B', amount: usd(200) }), grpc.status.ALREADY_EXISTS, 'ORDER_ALREADY_EXISTS');
    await expectError(api.completeOrder({ merchantId: 'M1', orderId: 'nope' }), grpc.status.NOT_FOUND, 'ORDER_NOT_FOUND');
    await expectError(api.getLender({ lenderId: 'nope' }), grpc.status.NOT_FOUND, 'LENDER_NOT_FOUND');
    await expectError(api.recordOrder({ merchantId: '', orderId: 'O1', buyerId: 'B', amount: usd(1) }), grpc.status.INVALID_ARGUMENT, 'MISSING_FIELD');
  });

  it('should replay then follow live events for a watcher, with no gap or duplicate', async () => {
    await api.recordOrder({ merchantId: 'W', orderId: 'O0', buyerId: 'B', amount: usd(100) });
    const call = api.raw.watchMerchant({ merchantId: 'W', fromSequence: '1' });
    const got: MerchantEvent__Output[] = [];
    const all = new Promise<void>((resolve, reject) => {
      call.on('data', (ev: MerchantEvent__Output) => {
        got.push(ev);
        if (got.length === 21) resolve();
      });
      call.on('error', reject);
    });
    await new Promise<void>((resolve) => call.once('data', () => resolve()));
    await Promise.all(Array.from({ length: 20 }, (_, i) => api.recordOrder({ merchantId: 'W', orderId: `O${i + 1}`, buyerId: 'B', amount: usd(100) })));
    await all;
    call.cancel();
    expect(got.map((e) => Number(e.sequence))).to.deep.equal(Array.from({ length: 21 }, (_, i) => i + 1));
    for (let i = 0; i < 50 && server.backend.watchers('W') > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(server.backend.watchers('W')).to.equal(0);
  });

  it('should ingest a stream across the thread: every event acked once, in order, errors in their acks among the orders', async () => {
    // Hundreds of events in flight cross in packed runs (src/runtime/thread-protocol.ts), their
    // answers and errors mixed in the batches that come back.
    const events: OrderEvent[] = [];
    const want: string[] = [];
    for (let i = 0; i < 600; i++) {
      const merchantId = `S${i % 7}`;
      if (i % 50 === 49) {
        events.push({ record: { merchantId: 'S0', orderId: 'O0', buyerId: 'B', amount: usd(1) } }); // O0 exists with another amount
        want.push('ALREADY_EXISTS:ORDER_ALREADY_EXISTS');
      } else if (i % 50 === 29) {
        events.push({ complete: { merchantId, orderId: 'missing' } });
        want.push('NOT_FOUND:ORDER_NOT_FOUND');
      } else if (i % 10 === 7) {
        events.push({ complete: { merchantId: `S${(i - 7) % 7}`, orderId: `O${i - 7}` } }); // recorded 7 events earlier
        want.push('ORDER_STATE_COMPLETED');
      } else {
        events.push({ record: { merchantId, orderId: `O${i}`, buyerId: 'B', amount: usd(100 + i) } });
        want.push('ORDER_STATE_OPEN');
      }
    }
    const call = api.raw.streamOrderEvents(api.metadata());
    const acks: OrderEventAck__Output[] = [];
    const done = new Promise<void>((resolve, reject) => {
      call.on('data', (a: OrderEventAck__Output) => acks.push(a));
      call.on('end', resolve);
      call.on('error', reject);
    });
    for (const ev of events) if (!call.write(ev)) await new Promise((r) => call.once('drain', r));
    call.end();
    await done;
    expect(acks.map((a) => Number(a.index))).to.deep.equal(events.map((_, i) => i));
    const got = acks.map((a) => (a.error ? `${grpc.status[a.error.code]}:${errorInfoOfStatus(a.error)?.reason}` : a.order!.state));
    expect(got).to.deep.equal(want);
    expect(acks.filter((a) => a.order?.orderId === 'O8').map((a) => a.order!.amount!.minorUnits)).to.deep.equal(['108']);
    expect(fatal).to.deep.equal([]);
  });

  it('should record a unary call the client cancels whole or not at all, and go on serving', async () => {
    // Cancelled at once, or after the request has left: the runtime thread may or may not have
    // run it. Either way nothing is half written and the answer table lets the call go.
    const N = 200;
    const req = (i: number) => ({ merchantId: 'C', orderId: `C${i}`, buyerId: 'B', amount: usd(100 + i) });
    const outcomes = await Promise.all(Array.from({ length: N }, (_, i) => new Promise<grpc.status>((resolve) => {
      const call = api.raw.recordOrder(req(i), api.metadata(), (err) => resolve(err ? (err as grpc.ServiceError).code : grpc.status.OK));
      if (i % 2 === 0) call.cancel();
      else setImmediate(() => call.cancel());
    })));
    for (const code of outcomes) expect([grpc.status.OK, grpc.status.CANCELLED]).to.include(code);
    expect(outcomes.filter((c) => c === grpc.status.CANCELLED).length, 'calls cancelled').to.be.greaterThan(0);
    // The same requests again: each is recorded now, or was, with the same payload (idempotent).
    const again = await Promise.all(Array.from({ length: N }, (_, i) => api.recordOrder(req(i))));
    expect(again.map((o) => o.amount?.minorUnits)).to.deep.equal(Array.from({ length: N }, (_, i) => String(100 + i)));
    const events = await allEvents(api, 'C');
    expect(events.map((e) => Number(e.sequence))).to.deep.equal(Array.from({ length: N }, (_, i) => i + 1));
    expect(new Set(events.map((e) => e.order?.orderId)).size).to.equal(N);
    expect(fatal).to.deep.equal([]);
  });

  it('should keep lenders and merchants across a restart on the same data dir', async () => {
    await api.upsertLender({ lender: { ...LENDER, gatewayTarget: gw.target } });
    await api.recordOrder({ merchantId: 'M1', orderId: 'O1', buyerId: 'B', amount: usd(700) });
    api.close();
    await server.stop();
    await start();
    expect((await api.getLender({ lenderId: 'L1' })).advanceRateBps).to.equal(LENDER.advanceRateBps);
    expect((await api.getOrder({ merchantId: 'M1', orderId: 'O1' })).amount?.minorUnits).to.equal('700');
  });

  it('should report the runtime thread\'s store batches and actors in /metrics', async () => {
    api.close();
    await server.stop();
    await start({ metrics: '127.0.0.1:0' });
    await api.recordOrder({ merchantId: 'M1', orderId: 'O1', buyerId: 'B', amount: usd(700) });
    const scrape = async () => (await fetch(`http://${server.metricsAddress}/metrics`)).text();
    let text = '';
    for (let i = 0; i < 40 && !/^orderpool_store_batch_commits_count [1-9]/m.test(text); i++) {
      await new Promise((r) => setTimeout(r, 100));
      text = await scrape();
    }
    expect(text).to.match(/^orderpool_store_batch_commits_count [1-9]/m);
    expect(text).to.match(/^orderpool_actors_active 1$/m);
    expect(text).to.match(/grpc_server_handled_total\{[^}]*grpc_method="RecordOrder"[^}]*grpc_code="OK"\} 1/);
  });

  it('should make a backup from the runtime thread that restores to the same orders', async () => {
    await api.recordOrder({ merchantId: 'M1', orderId: 'O1', buyerId: 'B', amount: usd(700) });
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'orderpool-thread-backup-')), 'copy');
    const client = new v1.AdminService(server.address, grpc.credentials.createInsecure());
    try {
      const backup = await new Promise<Backup__Output>((resolve, reject) => {
        client.createBackup({ directory: dir }, (e, r) => (e ? reject(e) : resolve(r!)));
      });
      expect(Number(backup.keyCount)).to.be.greaterThan(0);
    } finally {
      client.close();
    }
    api.close();
    await server.stop();
    const copy = await startService({ listen: '127.0.0.1:0', dataDir: dir, logger: pino({ level: 'silent' }), logLevel: 'silent' });
    const other = connect(copy.address);
    try {
      expect((await other.getOrder({ merchantId: 'M1', orderId: 'O1' })).amount?.minorUnits).to.equal('700');
    } finally {
      other.close();
      await copy.stop();
      rmSync(path.dirname(dir), { recursive: true, force: true });
    }
    await start();
  });

  it('should refuse test injections unless the runtime runs in-process', async () => {
    let err: unknown;
    try {
      await startService({ listen: '127.0.0.1:0', dataDir, clock: new ManualClock(), logger: pino({ level: 'silent' }) });
    } catch (e) {
      err = e;
    }
    expect(String(err)).to.match(/runtimeThread: false/);
  });

  it('should stop an early-started runtime thread (closing LevelDB) when the server refuses its configuration', async () => {
    api.close();
    await server.stop();
    const config = { ...DEFAULTS, dataDir, listen: '0.0.0.0:0', logLevel: 'silent' };
    const runtime = RuntimeThread.start(config, pino({ level: 'silent' }));
    let err: unknown;
    try {
      await startService({ ...config, logger: pino({ level: 'silent' }), runtime });
    } catch (e) {
      err = e;
    }
    expect(String(err)).to.match(/refusing to listen/);
    await start(); // the data dir is free again
    expect(server.backend).to.be.instanceOf(RuntimeThread);
  });

  it('should fail calls with UNAVAILABLE and tell onFatal when the runtime thread dies', async () => {
    await api.recordOrder({ merchantId: 'M1', orderId: 'O1', buyerId: 'B', amount: usd(700) });
    await (server.backend as RuntimeThread).terminate();
    expect(fatal).to.have.length(1);
    await expectError(api.recordOrder({ merchantId: 'M1', orderId: 'O2', buyerId: 'B', amount: usd(700) }), grpc.status.UNAVAILABLE, 'RUNTIME_STOPPED');
    // Reopening the data dir finds what was acknowledged before the death.
    api.close();
    await server.stop();
    await start();
    expect((await api.getOrder({ merchantId: 'M1', orderId: 'O1' })).state).to.equal('ORDER_STATE_OPEN');
  });
});

describe('--runtime-thread', () => {
  it('should default to on and take on/off from the flag or ORDERPOOL_RUNTIME_THREAD', () => {
    expect(resolveConfig([]).runtimeThread).to.equal(true);
    expect(resolveConfig(['--runtime-thread', 'off']).runtimeThread).to.equal(false);
    expect(resolveConfig(['--runtime-thread', 'on']).runtimeThread).to.equal(true);
    process.env.ORDERPOOL_RUNTIME_THREAD = 'off';
    try {
      expect(resolveConfig([]).runtimeThread).to.equal(false);
    } finally {
      delete process.env.ORDERPOOL_RUNTIME_THREAD;
    }
  });

  it('should bound memory by default: runtime heap 1 GB, 10,000 merchants and 1,000,000 orders in memory, 96 LevelDB files open; each settable', () => {
    const c = resolveConfig([]);
    expect([c.runtimeHeapMb, c.maxActiveMerchants, c.maxOrdersInMemory, c.leveldbMaxOpenFiles]).to.deep.equal([1024, 10_000, 1_000_000, 96]);
    const d = resolveConfig(['--runtime-heap-mb', '0', '--leveldb-max-open-files', '500', '--max-orders-in-memory', '7']);
    expect([d.runtimeHeapMb, d.leveldbMaxOpenFiles, d.maxOrdersInMemory]).to.deep.equal([0, 500, 7]);
  });

  it('should default to a 1 ms batch linger and 64 delivery calls in flight, take either from flags or ORDERPOOL_* variables, and refuse bad values', () => {
    expect([DEFAULTS.batchLingerMs, DEFAULTS.deliveryInFlight]).to.deep.equal([1, 64]);
    const c = resolveConfig(['--batch-linger-ms', '0', '--delivery-in-flight', '8']);
    expect([c.batchLingerMs, c.deliveryInFlight]).to.deep.equal([0, 8]);
    process.env.ORDERPOOL_BATCH_LINGER_MS = '3';
    process.env.ORDERPOOL_DELIVERY_IN_FLIGHT = '2';
    try {
      const e = resolveConfig([]);
      expect([e.batchLingerMs, e.deliveryInFlight]).to.deep.equal([3, 2]);
    } finally {
      delete process.env.ORDERPOOL_BATCH_LINGER_MS;
      delete process.env.ORDERPOOL_DELIVERY_IN_FLIGHT;
    }
    const cmd = () => configCommand().exitOverride().configureOutput({ writeErr: () => undefined });
    expect(() => cmd().parse(['--batch-linger-ms', '-1'], { from: 'user' })).to.throw();
    expect(() => cmd().parse(['--delivery-in-flight', '0'], { from: 'user' })).to.throw();
  });

  it('should refuse a value other than on or off', () => {
    const cmd = configCommand().exitOverride().configureOutput({ writeErr: () => undefined });
    expect(() => cmd.parse(['--runtime-thread', 'maybe'], { from: 'user' })).to.throw(/on or off/);
  });

  it('should serve in one thread with --runtime-thread off', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'orderpool-thread-'));
    const server = await startService({ listen: '127.0.0.1:0', dataDir, runtimeThread: false, logger: pino({ level: 'silent' }) });
    try {
      expect(server.backend).to.not.be.instanceOf(RuntimeThread);
      const api = connect(server.address);
      expect((await api.recordOrder({ merchantId: 'M', orderId: 'O', buyerId: 'B', amount: usd(5) })).state).to.equal('ORDER_STATE_OPEN');
      api.close();
    } finally {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
