import { expect } from 'chai';
import * as http2 from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { expectError, startHarness, type Harness } from './harness';
import { usd } from '../src/testing/client';
import { v1 } from '../src/api/proto';
import { errorInfoOf, errorInfoOfStatus } from '../src/api/status';
import type { OrderEvent } from '../src/generated/orderpool/v1/OrderEvent';
import type { OrderEventAck__Output } from '../src/generated/orderpool/v1/OrderEventAck';
import type { MerchantEvent__Output } from '../src/generated/orderpool/v1/MerchantEvent';

/** Sends every event on one StreamOrderEvents call (honouring backpressure) and collects the acks. */
async function ingest(h: Harness, events: OrderEvent[]): Promise<OrderEventAck__Output[]> {
  const call = h.api.raw.streamOrderEvents();
  const acks: OrderEventAck__Output[] = [];
  const done = new Promise<void>((resolve, reject) => {
    call.on('data', (a: OrderEventAck__Output) => acks.push(a));
    call.on('end', () => resolve());
    call.on('error', reject);
  });
  for (const ev of events) {
    if (!call.write(ev)) await new Promise((r) => call.once('drain', r));
  }
  call.end();
  await done;
  return acks;
}

const recordEv = (merchantId: string, orderId: string, amount = 1000): OrderEvent =>
  ({ record: { merchantId, orderId, buyerId: `B-${orderId}`, amount: usd(amount) } });

/** Records n orders for a merchant through the ingestion stream; returns the merchant's last sequence. */
async function produce(h: Harness, merchantId: string, n: number, prefix = 'O'): Promise<number> {
  const acks = await ingest(h, Array.from({ length: n }, (_, i) => recordEv(merchantId, `${prefix}${i}`)));
  for (const a of acks) expect(a.error, JSON.stringify(a.error)).to.equal(null);
  return Number((await h.api.getMerchant({ merchantId })).lastSequence);
}

interface Watch {
  call: grpc.ClientReadableStream<MerchantEvent__Output>;
  events: MerchantEvent__Output[];
  error: Promise<grpc.ServiceError>;
  /** Resolves once the watcher has received every event up to `seq`. */
  until(seq: number, timeoutMs?: number): Promise<void>;
}

function watch(h: Harness, merchantId: string, fromSequence: number, opts: { paused?: boolean } = {}): Watch {
  const call = h.api.raw.watchMerchant({ merchantId, fromSequence: String(fromSequence) });
  const events: MerchantEvent__Output[] = [];
  const waiters: (() => void)[] = [];
  const error = new Promise<grpc.ServiceError>((resolve) => call.on('error', (e: grpc.ServiceError) => resolve(e)));
  call.on('data', (ev: MerchantEvent__Output) => {
    events.push(ev);
    for (const w of [...waiters]) w();
  });
  if (opts.paused) call.pause();
  return {
    call,
    events,
    error,
    until(seq, timeoutMs = 8000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const last = events[events.length - 1];
          if (last && Number(last.sequence) >= seq) {
            waiters.splice(waiters.indexOf(check), 1);
            clearTimeout(t);
            resolve();
          }
        };
        const t = setTimeout(() => {
          waiters.splice(waiters.indexOf(check), 1);
          reject(new Error(`watcher got ${events.length} events (last ${events[events.length - 1]?.sequence}), wanted up to ${seq}`));
        }, timeoutMs);
        waiters.push(check);
        check();
      });
    },
  };
}

const seqs = (events: MerchantEvent__Output[]) => events.map((e) => Number(e.sequence));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function waitUntil(pred: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('streams', () => {
  describe('StreamOrderEvents', () => {
    let h: Harness;
    beforeEach(async () => (h = await startHarness()));
    afterEach(async () => h.stop());

    it('should ack every event once, in input order, and durably', async () => {
      const merchants = Array.from({ length: 10 }, (_, i) => `S${i}`);
      const n = 2000;
      const events: OrderEvent[] = [];
      for (let i = 0; i < n; i++) events.push(recordEv(merchants[i % merchants.length]!, `O${i}`, 100 + i));
      const acks = await ingest(h, events);

      expect(acks.map((a) => Number(a.index))).to.deep.equal(range(0, n - 1));
      for (let i = 0; i < n; i++) {
        const a = acks[i]!;
        expect(a.error, `ack ${i}: ${JSON.stringify(a.error)}`).to.equal(null);
        expect(a.order?.orderId).to.equal(`O${i}`);
        expect(a.order?.merchantId).to.equal(merchants[i % merchants.length]);
        expect(a.order?.state).to.equal('ORDER_STATE_OPEN');
      }

      await h.restart();
      for (const m of merchants) {
        const merchant = await h.api.getMerchant({ merchantId: m });
        expect(merchant.ordersRecorded).to.equal(String(n / merchants.length));
        expect(merchant.lastSequence).to.equal(String(n / merchants.length));
      }
      const found = await Promise.all(events.map((e) => h.api.getOrder({ merchantId: e.record!.merchantId!, orderId: e.record!.orderId! })));
      expect(found.map((o) => o.orderId)).to.deep.equal(range(0, n - 1).map((i) => `O${i}`));
      expect(found.every((o, i) => o.amount?.minorUnits === String(100 + i))).to.equal(true);
    });

    it('should ack a burst of one merchant\'s events without overload errors', async () => {
      // Everything for a single merchant: the stream's in-flight window must
      // not overrun the merchant's mailbox.
      const n = 1500;
      const acks = await ingest(h, Array.from({ length: n }, (_, i) => recordEv('SOLO', `O${i}`)));
      expect(acks.map((a) => Number(a.index))).to.deep.equal(range(0, n - 1));
      const errors = acks.filter((a) => a.error).map((a) => `${a.index}: ${a.error!.message}`);
      expect(errors.slice(0, 3), `${errors.length} events failed`).to.deep.equal([]);
      expect((await h.api.getMerchant({ merchantId: 'SOLO' })).ordersRecorded).to.equal(String(n));
    });

    it('should stop reading events while the client does not read its acks, and go on when it does', async function () {
      // node:http2, not grpc-js: grpc-js's client reads every message the
      // server sends into a queue of its own, even while its stream is paused.
      this.timeout(30_000);
      await h.stop();
      h = await startHarness({ ingestWindow: 64 });
      const merchants = Array.from({ length: 10 }, (_, i) => `P${i}`);
      const n = 20_000;
      const method = (v1.OrderPoolService.service as grpc.ServiceDefinition).StreamOrderEvents!;
      const session = http2.connect(`http://${h.server.address}`);
      try {
        const stream = session.request({
          ':method': 'POST', ':path': '/orderpool.v1.OrderPoolService/StreamOrderEvents', 'content-type': 'application/grpc', te: 'trailers',
        });
        stream.pause(); // acks unread: HTTP/2 flow control holds them on the server
        for (let i = 0; i < n; i++) {
          const body = method.requestSerialize(recordEv(merchants[i % merchants.length]!, `O${i}`));
          const frame = Buffer.alloc(5 + body.length);
          frame.writeUInt32BE(body.length, 1);
          body.copy(frame, 5);
          stream.write(frame);
        }
        const recorded = async () => {
          const ms = await Promise.all(merchants.map((merchantId) => h.api.getMerchant({ merchantId }).catch(() => undefined)));
          return ms.reduce((sum, m) => sum + Number(m?.ordersRecorded ?? 0), 0);
        };
        let stalled = -1;
        for (let last = -2; stalled !== last;) {
          last = stalled;
          await new Promise((r) => setTimeout(r, 300));
          stalled = await recorded();
        }
        expect(stalled, 'no event was taken at all').to.be.above(0);
        expect(stalled, 'events went on being read while their acks went unread').to.be.below(n / 4);

        const acks: OrderEventAck__Output[] = [];
        let buffered = Buffer.alloc(0);
        const trailers = new Promise<http2.IncomingHttpHeaders>((resolve) => stream.on('trailers', resolve));
        stream.on('data', (chunk: Buffer) => {
          buffered = Buffer.concat([buffered, chunk]);
          while (buffered.length >= 5 && buffered.length >= 5 + buffered.readUInt32BE(1)) {
            const len = buffered.readUInt32BE(1);
            acks.push(method.responseDeserialize(buffered.subarray(5, 5 + len)) as OrderEventAck__Output);
            buffered = buffered.subarray(5 + len);
          }
        });
        stream.resume();
        stream.end();
        expect((await trailers)['grpc-status']).to.equal('0');
        expect(acks.length).to.equal(n);
        expect(acks.every((a, i) => Number(a.index) === i && !a.error)).to.equal(true);
        expect(await recorded()).to.equal(n);
      } finally {
        session.destroy();
      }
    });

    it('should put a bad event\'s error in its ack and go on', async () => {
      const events: OrderEvent[] = [
        recordEv('SX', 'A'),
        { complete: { merchantId: 'SX', orderId: 'missing' } },
        recordEv('SX', 'A', 999), // same id, different amount
        { record: { merchantId: 'SX', orderId: 'B', buyerId: 'b', amount: usd(0) } },
        {},
        { refund: { merchantId: 'SX', orderId: 'A', reason: 'r' } },
        { complete: { merchantId: 'nobody', orderId: 'A' } },
      ];
      const acks = await ingest(h, events);
      expect(acks.map((a) => Number(a.index))).to.deep.equal(range(0, events.length - 1));
      const summary = acks.map((a) => (a.error ? `${a.error.code}:${reasonOf(a.error)}` : a.order!.state));
      expect(summary).to.deep.equal([
        'ORDER_STATE_OPEN',
        `${grpc.status.NOT_FOUND}:ORDER_NOT_FOUND`,
        `${grpc.status.ALREADY_EXISTS}:ORDER_ALREADY_EXISTS`,
        `${grpc.status.INVALID_ARGUMENT}:INVALID_AMOUNT`,
        `${grpc.status.INVALID_ARGUMENT}:MISSING_FIELD`,
        'ORDER_STATE_REFUNDED',
        `${grpc.status.NOT_FOUND}:MERCHANT_NOT_FOUND`,
      ]);
    });
  });

  describe('WatchMerchant and ListMerchantEvents', () => {
    let h: Harness;
    beforeEach(async () => (h = await startHarness()));
    afterEach(async () => h.stop());

    it('should replay from sequence 1 and switch to live events without a gap or a duplicate', async () => {
      const last = await produce(h, 'W1', 600); // more than two replay batches
      const w = watch(h, 'W1', 1);
      await w.until(last);
      // Live events after the replay.
      for (let i = 0; i < 20; i++) await h.api.recordOrder({ merchantId: 'W1', orderId: `L${i}`, buyerId: 'b', amount: usd(5) });
      await w.until(last + 20);
      expect(seqs(w.events)).to.deep.equal(range(1, last + 20));
      expect(w.events.every((e) => e.merchantId === 'W1')).to.equal(true);
      expect(w.events[last]!.type).to.equal('MERCHANT_EVENT_TYPE_ORDER_RECORDED');
      expect(w.events[last]!.order?.orderId).to.equal('L0');
      w.call.cancel();
    });

    it('should have no gap or duplicate at the switch-over while commands run during the replay', async () => {
      const last = await produce(h, 'W2', 600);
      for (let round = 0; round < 2; round++) {
        const w = watch(h, 'W2', 1);
        // Commands issued concurrently with the replay, on two merchants.
        const extra = 150;
        const cmds: Promise<unknown>[] = [];
        for (let i = 0; i < extra; i++) {
          cmds.push(h.api.recordOrder({ merchantId: 'W2', orderId: `R${round}-${i}`, buyerId: 'b', amount: usd(7) }));
          if (i % 3 === 0) cmds.push(h.api.recordOrder({ merchantId: 'W2-other', orderId: `R${round}-${i}`, buyerId: 'b', amount: usd(7) }));
        }
        await Promise.all(cmds);
        const now = Number((await h.api.getMerchant({ merchantId: 'W2' })).lastSequence);
        expect(now).to.equal(last + extra * (round + 1));
        await w.until(now);
        expect(seqs(w.events)).to.deep.equal(range(1, now));
        w.call.cancel();
      }
    });

    it('should start at from_sequence', async () => {
      const last = await produce(h, 'W3', 40);
      const w = watch(h, 'W3', 17);
      await w.until(last);
      await h.api.recordOrder({ merchantId: 'W3', orderId: 'late', buyerId: 'b', amount: usd(5) });
      await w.until(last + 1);
      expect(seqs(w.events)).to.deep.equal(range(17, last + 1));
      w.call.cancel();

      // from_sequence past the end: nothing replayed, live events only.
      const ahead = watch(h, 'W3', last + 2);
      await waitUntil(() => h.server.core.hub.watchers('W3') === 1, 'the watcher to subscribe');
      await h.api.recordOrder({ merchantId: 'W3', orderId: 'later', buyerId: 'b', amount: usd(5) });
      await ahead.until(last + 2);
      expect(seqs(ahead.events)).to.deep.equal([last + 2]);
      ahead.call.cancel();

      // 0 means from the first event.
      const zero = watch(h, 'W3', 0);
      await zero.until(last + 2);
      expect(seqs(zero.events)).to.deep.equal(range(1, last + 2));
      zero.call.cancel();
    });

    it('should give several watchers of one merchant the same events', async () => {
      await produce(h, 'W4', 30);
      const watchers = [watch(h, 'W4', 1), watch(h, 'W4', 1), watch(h, 'W4', 1)];
      const live = Array.from({ length: 100 }, (_, i) => h.api.recordOrder({ merchantId: 'W4', orderId: `L${i}`, buyerId: 'b', amount: usd(3) }));
      await Promise.all(live);
      const last = Number((await h.api.getMerchant({ merchantId: 'W4' })).lastSequence);
      expect(last).to.equal(130);
      await Promise.all(watchers.map((w) => w.until(last)));
      const expected = range(1, last);
      for (const w of watchers) {
        expect(seqs(w.events)).to.deep.equal(expected);
        expect(w.events.map((e) => e.order?.orderId)).to.deep.equal(watchers[0]!.events.map((e) => e.order?.orderId));
        w.call.cancel();
      }
      await waitUntil(() => h.server.core.hub.watchers('W4') === 0, 'watchers to unsubscribe');
    });

    it('should return NOT_FOUND for an unknown merchant', async () => {
      const w = watch(h, 'nobody', 1);
      const err = await w.error;
      expect(err.code).to.equal(grpc.status.NOT_FOUND);
      expect(errorInfoOf(err)?.reason).to.equal('MERCHANT_NOT_FOUND');
      await expectError(h.api.listMerchantEvents({ merchantId: 'nobody', pageSize: 10, pageToken: '' }), grpc.status.NOT_FOUND, 'MERCHANT_NOT_FOUND');
    });

    it('should page through every event with ListMerchantEvents', async () => {
      const last = await produce(h, 'W5', 250);
      await h.api.completeOrder({ merchantId: 'W5', orderId: 'O0' });
      await h.api.refundOrder({ merchantId: 'W5', orderId: 'O1', reason: 'x' });
      const all: number[] = [];
      const types: string[] = [];
      let token = '';
      let pages = 0;
      do {
        const page = await h.api.listMerchantEvents({ merchantId: 'W5', pageSize: 37, pageToken: token });
        expect(page.events.length).to.be.at.most(37);
        all.push(...seqs(page.events));
        types.push(...page.events.map((e) => e.type));
        token = page.nextPageToken;
        pages++;
      } while (token);
      expect(all).to.deep.equal(range(1, last + 2));
      expect(pages).to.equal(Math.ceil((last + 2) / 37));
      expect(types.slice(-2)).to.deep.equal(['MERCHANT_EVENT_TYPE_ORDER_COMPLETED', 'MERCHANT_EVENT_TYPE_ORDER_REFUNDED']);
      await expectError(h.api.listMerchantEvents({ merchantId: 'W5', pageSize: 10, pageToken: 'garbage' }), grpc.status.INVALID_ARGUMENT, 'INVALID_PAGE_TOKEN');
    });
  });

  describe('a slow watcher', () => {
    let h: Harness;
    beforeEach(async () => (h = await startHarness({ watchBuffer: 50 })));
    afterEach(async () => h.stop());

    it('should be cut off with WATCHER_TOO_SLOW and resume from last_sequence + 1 without a gap', async () => {
      await produce(h, 'SLOW', 5);
      const fast = watch(h, 'SLOW', 1);
      const slow = watch(h, 'SLOW', 1, { paused: true });
      await fast.until(5);
      await waitUntil(() => h.server.core.hub.watchers('SLOW') === 2, 'both watchers to subscribe');

      // In streams of 25 events: a merchant's queued commands commit as one
      // group (router R6), and a group bigger than the 50-event buffer would
      // put even a watcher that keeps up past it.
      let last = 0;
      for (let i = 0; i < 60; i++) last = await produce(h, 'SLOW', 25, `P${i}-`);
      // The server drops the slow watcher's subscription; the fast one keeps up.
      await waitUntil(() => h.server.core.hub.watchers('SLOW') === 1, 'the slow watcher to be cut off');
      await fast.until(last);
      expect(seqs(fast.events)).to.deep.equal(range(1, last));

      slow.call.resume();
      const err = await slow.error;
      expect(err.code).to.equal(grpc.status.RESOURCE_EXHAUSTED);
      const info = errorInfoOf(err);
      expect(info?.reason).to.equal('WATCHER_TOO_SLOW');
      const lastSeq = Number(info?.metadata.last_sequence);
      expect(lastSeq).to.be.at.least(1);
      expect(lastSeq).to.be.below(last);
      // What the slow watcher received is a prefix without a gap, up to last_sequence.
      expect(seqs(slow.events)).to.deep.equal(range(1, lastSeq));

      const resumed = watch(h, 'SLOW', lastSeq + 1);
      await resumed.until(last);
      await h.api.recordOrder({ merchantId: 'SLOW', orderId: 'after', buyerId: 'b', amount: usd(5) });
      await resumed.until(last + 1);
      expect([...seqs(slow.events), ...seqs(resumed.events)]).to.deep.equal(range(1, last + 1));
      resumed.call.cancel();
      fast.call.cancel();
    });
  });
});

/** The ErrorInfo reason of an OrderEventAck's google.rpc.Status. */
function reasonOf(status: Parameters<typeof errorInfoOfStatus>[0]): string | undefined {
  return errorInfoOfStatus(status)?.reason;
}
