/**
 * Overload and limits: RESOURCE_EXHAUSTED answers for overload carry a
 * google.rpc.RetryInfo; --max-watchers-per-merchant bounds the watchers of one
 * merchant (TOO_MANY_WATCHERS); --max-message-size bounds a request.
 */
import * as http2 from 'node:http2';
import { expect } from 'chai';
import * as grpc from '@grpc/grpc-js';
import { expectError, startHarness, type Harness } from './harness';
import { usd } from '../src/testing/client';
import { errorInfoOf } from '../src/api/status';
import { packageDefinition, pb } from '../src/api/proto';
import { DEFAULTS, resolveConfig } from '../src/config';
import type { MerchantEvent__Output } from '../src/generated/orderpool/v1/MerchantEvent';

/** The RetryInfo delay of an error, in ms, or undefined without one. */
function retryDelayMs(err: grpc.ServiceError): number | undefined {
  const raw = err.metadata?.get('grpc-status-details-bin')[0];
  if (!raw || typeof raw === 'string') return undefined;
  const st = pb.Status.toObject(pb.Status.decode(raw), { defaults: true }) as { details: { type_url: string; value: Uint8Array }[] };
  for (const d of st.details) {
    if (d.type_url === 'type.googleapis.com/google.rpc.RetryInfo') {
      const r = pb.RetryInfo.toObject(pb.RetryInfo.decode(d.value), { defaults: true, longs: Number }) as { retry_delay: { seconds: number; nanos: number } };
      return r.retry_delay.seconds * 1000 + r.retry_delay.nanos / 1e6;
    }
  }
  return undefined;
}

type Opened = { call: grpc.ClientReadableStream<MerchantEvent__Output>; outcome: Promise<'live' | grpc.ServiceError> };

/** Opens a watcher from sequence 1: 'live' once the first event arrives, or the error it was refused with. */
function openWatch(h: Harness, merchantId: string): Opened {
  const call = h.api.raw.watchMerchant({ merchantId, fromSequence: '1' });
  const outcome = new Promise<'live' | grpc.ServiceError>((resolve) => {
    call.once('data', () => resolve('live'));
    call.on('error', (e: grpc.ServiceError) => resolve(e));
  });
  return { call, outcome };
}

async function eventually(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('overload and limits', function () {
  this.timeout(30_000);
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it('should answer a full merchant mailbox with RESOURCE_EXHAUSTED (MAILBOX_FULL) and a RetryInfo', async () => {
    h = await startHarness({ maxMailbox: 3 });
    const api = h.api;
    const results = await Promise.allSettled(Array.from({ length: 40 }, (_, i) =>
      api.recordOrder({ merchantId: 'HOT', orderId: `O${i}`, buyerId: 'B', amount: usd(1) })));
    const rejected = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as grpc.ServiceError] : []));
    expect(rejected.length).to.be.greaterThan(0);
    for (const e of rejected) {
      expect([e.code, errorInfoOf(e)?.reason]).to.deep.equal([grpc.status.RESOURCE_EXHAUSTED, 'MAILBOX_FULL']);
      expect(retryDelayMs(e)).to.be.greaterThan(0);
    }
  });

  it('should answer a full shard queue with RESOURCE_EXHAUSTED (SHARD_BUSY) and a RetryInfo', async () => {
    h = await startHarness({ shards: 1, maxShardQueue: 4 });
    const api = h.api;
    const results = await Promise.allSettled(Array.from({ length: 40 }, (_, i) =>
      api.recordOrder({ merchantId: `M${i}`, orderId: 'O1', buyerId: 'B', amount: usd(1) })));
    const rejected = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as grpc.ServiceError] : []));
    expect(rejected.length).to.be.greaterThan(0);
    for (const e of rejected) {
      expect([e.code, errorInfoOf(e)?.reason]).to.deep.equal([grpc.status.RESOURCE_EXHAUSTED, 'SHARD_BUSY']);
      expect(retryDelayMs(e)).to.be.greaterThan(0);
    }
    // Refused work changed nothing; accepted work is all there.
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    let recorded = 0;
    for (let i = 0; i < 40; i++) recorded += await api.getMerchant({ merchantId: `M${i}` }).then(() => 1, () => 0);
    expect(recorded).to.equal(ok);
  });

  it('should refuse a watcher beyond --max-watchers-per-merchant with RESOURCE_EXHAUSTED (TOO_MANY_WATCHERS) and a RetryInfo', async () => {
    h = await startHarness({ maxWatchersPerMerchant: 3 });
    const hh = h;
    for (const m of ['M1', 'M2']) await hh.api.recordOrder({ merchantId: m, orderId: 'O1', buyerId: 'B', amount: usd(100) });
    const first = [openWatch(hh, 'M1'), openWatch(hh, 'M1'), openWatch(hh, 'M1')];
    for (const w of first) expect(await w.outcome).to.equal('live');
    expect(hh.server.core.hub.watchers('M1')).to.equal(3);

    const fourth = await openWatch(hh, 'M1').outcome;
    expect(fourth).to.not.equal('live');
    const err = fourth as grpc.ServiceError;
    const info = errorInfoOf(err);
    expect([err.code, info?.reason, info?.domain, info?.metadata.limit]).to.deep.equal([grpc.status.RESOURCE_EXHAUSTED, 'TOO_MANY_WATCHERS', 'orderpool.v1', '3']);
    expect(retryDelayMs(err)).to.be.greaterThan(0);

    // Per merchant: another merchant is not affected.
    const other = openWatch(hh, 'M2');
    expect(await other.outcome).to.equal('live');

    // A watcher that leaves frees its place.
    first[0]!.call.cancel();
    await eventually(() => hh.server.core.hub.watchers('M1') === 2, 'the cancelled watcher to leave');
    const again = openWatch(hh, 'M1');
    expect(await again.outcome).to.equal('live');

    // The existing watchers still get live events.
    const live = new Promise<string>((resolve) => first[1]!.call.on('data', (ev: MerchantEvent__Output) => ev.sequence === '2' && resolve(ev.sequence)));
    await hh.api.recordOrder({ merchantId: 'M1', orderId: 'O2', buyerId: 'B', amount: usd(100) });
    expect(await live).to.equal('2');
    for (const w of [...first, other, again]) w.call.cancel();
    await eventually(() => hh.server.core.hub.watchers() === 0, 'every watcher to leave');
  });

  it('should admit exactly the limit when many watchers arrive at once', async () => {
    h = await startHarness({ maxWatchersPerMerchant: 4 });
    const hh = h;
    await hh.api.recordOrder({ merchantId: 'M1', orderId: 'O1', buyerId: 'B', amount: usd(100) });
    const burst = Array.from({ length: 12 }, () => openWatch(hh, 'M1'));
    const outcomes = await Promise.all(burst.map((w) => w.outcome));
    expect(outcomes.filter((o) => o === 'live')).to.have.length(4);
    for (const o of outcomes) if (o !== 'live') expect(errorInfoOf(o)?.reason).to.equal('TOO_MANY_WATCHERS');
    expect(hh.server.core.hub.watchers('M1')).to.equal(4);
    for (const w of burst) w.call.cancel();
    await eventually(() => hh.server.core.hub.watchers() === 0, 'every watcher to leave');
  });

  it('should leave no subscription behind when a watcher is cancelled at any moment (even while the merchant loads)', async () => {
    h = await startHarness({ maxWatchersPerMerchant: 5, maxActiveMerchants: 1 });
    const hh = h;
    for (const m of ['M1', 'M2']) await hh.api.recordOrder({ merchantId: m, orderId: 'O1', buyerId: 'B', amount: usd(100) });
    // Raw HTTP/2, so the RST_STREAM really goes out at once (grpc-js's client
    // may not send one for a call cancelled before it started).
    const session = http2.connect(`http://${hh.server.address}`);
    session.on('error', () => undefined);
    const method = (packageDefinition['orderpool.v1.OrderPoolService'] as Record<string, grpc.MethodDefinition<object, object>>).WatchMerchant!;
    try {
      for (let round = 0; round < 40; round++) {
        // Alternate merchants so each watch finds its merchant passivated and has to load it.
        const body = Buffer.from(method.requestSerialize({ merchantId: round % 2 ? 'M1' : 'M2', fromSequence: '1' }));
        const head = Buffer.alloc(5);
        head.writeUInt32BE(body.length, 1);
        const req = session.request({ ':method': 'POST', ':path': method.path, 'content-type': 'application/grpc', te: 'trailers' });
        req.on('error', () => undefined);
        req.end(Buffer.concat([head, body]));
        if (round % 4) await new Promise((r) => setTimeout(r, round % 4));
        req.close(http2.constants.NGHTTP2_CANCEL);
      }
      await eventually(() => hh.server.core.hub.watchers() === 0, 'no subscription left');
    } finally {
      session.close();
    }
    // And the limit is not used up by the cancelled ones.
    const ws = Array.from({ length: 5 }, () => openWatch(hh, 'M1'));
    for (const w of ws) expect(await w.outcome).to.equal('live');
    for (const w of ws) w.call.cancel();
  });

  it('should refuse a request above --max-message-size with RESOURCE_EXHAUSTED, and serve the next one', async () => {
    h = await startHarness({ maxMessageBytes: 2048 });
    const err = await h.api.recordOrder({ merchantId: 'M1', orderId: 'O1', buyerId: 'B'.repeat(4096), amount: usd(1) }).then(() => null, (e: grpc.ServiceError) => e);
    expect(err?.code).to.equal(grpc.status.RESOURCE_EXHAUSTED);
    await expectError(h.api.getMerchant({ merchantId: 'M1' }), grpc.status.NOT_FOUND, 'MERCHANT_NOT_FOUND');
  });

  it('should take the limits from flags or ORDERPOOL_* variables', () => {
    expect(DEFAULTS.maxWatchersPerMerchant).to.equal(100);
    expect(DEFAULTS.maxMessageBytes).to.equal(4 * 1024 * 1024);
    const c = resolveConfig(['--max-watchers-per-merchant', '7', '--max-message-size', '1048576']);
    expect([c.maxWatchersPerMerchant, c.maxMessageBytes]).to.deep.equal([7, 1_048_576]);
    expect(() => configFails(['--max-watchers-per-merchant', '0'])).to.throw();
    const saved = { w: process.env.ORDERPOOL_MAX_WATCHERS_PER_MERCHANT, m: process.env.ORDERPOOL_MAX_MESSAGE_SIZE };
    try {
      process.env.ORDERPOOL_MAX_WATCHERS_PER_MERCHANT = '9';
      process.env.ORDERPOOL_MAX_MESSAGE_SIZE = '65536';
      const e = resolveConfig([]);
      expect([e.maxWatchersPerMerchant, e.maxMessageBytes]).to.deep.equal([9, 65_536]);
    } finally {
      if (saved.w === undefined) delete process.env.ORDERPOOL_MAX_WATCHERS_PER_MERCHANT;
      else process.env.ORDERPOOL_MAX_WATCHERS_PER_MERCHANT = saved.w;
      if (saved.m === undefined) delete process.env.ORDERPOOL_MAX_MESSAGE_SIZE;
      else process.env.ORDERPOOL_MAX_MESSAGE_SIZE = saved.m;
    }
  });
});

/** resolveConfig without commander exiting the process on a bad value. */
function configFails(argv: string[]): void {
  const exit = process.exit;
  const write = process.stderr.write;
  process.exit = ((code?: number) => {
    throw new Error(`exit ${code}`);
  }) as typeof process.exit;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    resolveConfig(argv);
  } finally {
    process.exit = exit;
    process.stderr.write = write;
  }
}
