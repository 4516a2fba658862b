/**
 * kill -9 (DESIGN.md invariant 5: every acknowledged command is in the journal
 * after any crash). The server runs as a child process on a temp data dir with
 * its notifier and lender gateway in this process (the fake keeps what it
 * received across the server's deaths). Each life: start, check everything
 * acknowledged so far, then run concurrent commands and SIGKILL the server
 * while they are in flight. After the last kill: restart, check, and let the
 * outbox settle: the lender's deduplicated repayments must equal `repaid`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import * as grpc from '@grpc/grpc-js';
import { allEvents, usd, type Clients } from '../src/testing/client';
import { startFakeGateway, type FakeGateway } from '../src/testing/fake-lender';
import { startServerProcess, type ServerProcess } from '../src/testing/server-process';
import type { Order__Output } from '../src/generated/orderpool/v1/Order';
import type { Financing__Output } from '../src/generated/orderpool/v1/Financing';

const LENDER_ID = 'crash-lender';
const RECORDERS = ['M-a', 'M-b', 'M-c'];
const FIN = 'M-fin';
const MERCHANTS = [...RECORDERS, FIN];
const KILLS = 3;
const WORKERS = 24;

const usedPorts = new Set<number>();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const big = (m: { minorUnits: string } | null | undefined) => BigInt(m?.minorUnits ?? '0');

type Life = ServerProcess;

type OrderState = 'OPEN' | 'POOLED' | 'COMPLETED' | 'REFUNDED';

/** Every order the test ever tried to record, and what the server acknowledged about it. */
interface Tracked {
  merchantId: string;
  orderId: string;
  amount: bigint;
  recordAcked: boolean;
  completeAcked: boolean;
  refundAcked: boolean;
  /** Last known state; undefined when unknown (a command was in flight at a kill) or absent. */
  state: OrderState | undefined;
  busy: boolean;
}

describe('crash: SIGKILL with commands in flight, restart on the same data dir', function () {
  this.timeout(90_000);

  let fake: FakeGateway;
  let dataDir: string;
  let life: Life | undefined;

  before(async () => {
    fake = await startFakeGateway();
    dataDir = mkdtempSync(path.join(tmpdir(), 'orderpool-crash-'));
  });

  after(async () => {
    if (life) {
      life.api.close();
      if (life.child.exitCode === null && life.child.signalCode === null) {
        life.child.kill('SIGTERM');
        const t = setTimeout(() => life?.child.kill('SIGKILL'), 5000);
        await life.exited;
        clearTimeout(t);
      }
    }
    await fake?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  function startLife(): Promise<Life> {
    return startServerProcess({
      dataDir, usedPorts, timeoutMs: 15_000,
      args: ['--notifier', fake.target, '--log-level', 'warn', '--retry-max', '500ms'],
    });
  }

  it(`should keep every acknowledged command through ${KILLS} kill -9s, with gapless journals and exact repayments`, async () => {
    const t0 = Date.now();
    const orders = new Map<string, Tracked>();
    const financings: string[] = [];
    const confirmed = new Set<string>();
    const key = (m: string, o: string) => `${m}/${o}`;
    let nextId = 1;
    const stats = { acked: 0, inFlightAtKill: [] as number[], lives: [] as number[], killedAtRepayment: false };

    const recordNew = async (api: Clients, merchantId: string, amount: bigint): Promise<Tracked> => {
      const t: Tracked = {
        merchantId, orderId: `O${nextId++}`, amount, recordAcked: false, completeAcked: false, refundAcked: false, state: undefined, busy: true,
      };
      orders.set(key(merchantId, t.orderId), t);
      try {
        const o = await api.recordOrder({ merchantId, orderId: t.orderId, buyerId: `B-${t.orderId}`, amount: usd(amount) });
        t.recordAcked = true;
        t.state = o.state.replace('ORDER_STATE_', '') as OrderState;
        stats.acked++;
      } finally {
        t.busy = false;
      }
      return t;
    };

    // ------------------------------------------------------------ checks

    async function getOrder(api: Clients, t: Tracked): Promise<Order__Output | undefined> {
      try {
        return await api.getOrder({ merchantId: t.merchantId, orderId: t.orderId });
      } catch (e) {
        const err = e as grpc.ServiceError;
        if (err.code === grpc.status.NOT_FOUND) return undefined;
        throw e;
      }
    }

    /** Everything acknowledged is there; journals are gapless; each financing's books add up. Refreshes the model. */
    async function verify(api: Clients): Promise<Map<string, Order__Output>> {
      const found = new Map<string, Order__Output>();
      const all = [...orders.values()];
      for (let i = 0; i < all.length; i += 200) {
        await Promise.all(all.slice(i, i + 200).map(async (t) => {
          const o = await getOrder(api, t);
          const where = `${t.merchantId}/${t.orderId}`;
          if (t.recordAcked) expect(o, `acknowledged RecordOrder ${where} lost`).to.not.equal(undefined);
          if (t.completeAcked) expect(o?.state, `acknowledged CompleteOrder ${where}`).to.equal('ORDER_STATE_COMPLETED');
          if (t.refundAcked) expect(o?.state, `acknowledged RefundOrder ${where}`).to.equal('ORDER_STATE_REFUNDED');
          if (o) {
            expect(big(o.amount), `amount of ${where}`).to.equal(t.amount);
            found.set(key(t.merchantId, t.orderId), o);
            t.state = o.state.replace('ORDER_STATE_', '') as OrderState;
          } else {
            t.state = undefined;
          }
        }));
      }

      for (const merchantId of MERCHANTS) {
        const mine = [...found.values()].filter((o) => o.merchantId === merchantId);
        if (mine.length === 0) continue;
        const [m, events] = await Promise.all([api.getMerchant({ merchantId }), allEvents(api, merchantId)]);
        const seqs = events.map((e) => Number(e.sequence));
        expect(seqs, `${merchantId}: journal must be 1..last_sequence without gaps`).to.deep.equal(seqs.map((_, i) => i + 1));
        expect(String(seqs.length), `${merchantId}: last_sequence`).to.equal(m.lastSequence);
        expect(events.filter((e) => e.type === 'MERCHANT_EVENT_TYPE_ORDER_RECORDED').length, `${merchantId}: recorded events`).to.equal(mine.length);
        expect(Number(m.ordersRecorded)).to.equal(mine.length);
        expect(Number(m.ordersCompleted)).to.equal(mine.filter((o) => o.state === 'ORDER_STATE_COMPLETED').length);
        expect(Number(m.ordersRefunded)).to.equal(mine.filter((o) => o.state === 'ORDER_STATE_REFUNDED').length);
      }

      for (const fid of financings) {
        const f = await api.getFinancing({ merchantId: FIN, financingId: fid });
        const mine = [...found.values()].filter((o) => o.merchantId === FIN && o.financingId === fid);
        const repaid = mine.filter((o) => o.state === 'ORDER_STATE_COMPLETED').reduce((s, o) => s + big(o.repayment), 0n);
        const pooled = mine.filter((o) => o.state === 'ORDER_STATE_POOLED');
        expect(big(f.repaid), `${fid}: repaid = sum of repayments of its completed orders`).to.equal(repaid);
        expect(big(f.outstanding), `${fid}: outstanding = approved + fee - repaid`).to.equal(big(f.approved) + big(f.fee) - big(f.repaid));
        expect(big(f.outstanding) >= 0n).to.equal(true);
        expect(big(f.poolTotal), `${fid}: pool total = sum of pooled orders`).to.equal(pooled.reduce((s, o) => s + big(o.amount), 0n));
        expect(Number(f.poolOrderCount)).to.equal(pooled.length);
        if (confirmed.has(fid)) expect(['FINANCING_STATE_SETTLING', 'FINANCING_STATE_REPAID']).to.include(f.state);
        if (f.state === 'FINANCING_STATE_REPAID') expect(big(f.repaid)).to.equal(big(f.approved) + big(f.fee));
      }
      return found;
    }

    // ------------------------------------------------------------ financing

    async function ensureFinancing(api: Clients): Promise<void> {
      const m = await api.getMerchant({ merchantId: FIN }).catch(() => undefined);
      const active = m?.activeFinancing;
      if (active && active.state === 'FINANCING_STATE_SETTLING') return;
      let f: Financing__Output;
      if (active && active.state === 'FINANCING_STATE_NOTIFIED') {
        f = active;
      } else {
        expect(active ?? null, `unexpected active financing state ${active?.state}`).to.equal(null);
        // Enough open orders to carry the request: 60 x ~$30.
        await Promise.all(Array.from({ length: 60 }, (_, i) => recordNew(api, FIN, BigInt(2000 + ((i * 37) % 2000)))));
        f = await api.requestFinancing({ merchantId: FIN, lenderId: LENDER_ID, amount: usd(60_000), requestId: `req-${financings.length + 1}` });
        expect(f.state).to.equal('FINANCING_STATE_NOTIFIED');
        financings.push(f.financingId);
      }
      await fake.waitFor((c) => c.method === 'AuthorizeDisbursement' && c.financingId === f.financingId, 10_000);
      const done = await api.confirmDisbursement({
        merchantId: FIN, financingId: f.financingId, lenderId: LENDER_ID, amount: usd(big(f.approved)), lenderReference: `wire-${f.financingId}`,
      });
      expect(done.state).to.equal('FINANCING_STATE_SETTLING');
      confirmed.add(f.financingId);
    }

    // ------------------------------------------------------------ load

    /** Concurrent commands until `stop()`; resolves with the errors seen before the kill. */
    function load(api: Clients, killed: () => boolean) {
      const unexpected: string[] = [];
      let inFlight = 0;
      let ackedThisLife = 0;
      const pick = (pred: (t: Tracked) => boolean): Tracked | undefined => {
        const c = [...orders.values()].filter((t) => !t.busy && (t.state === 'OPEN' || t.state === 'POOLED') && pred(t));
        return c[Math.floor(Math.random() * c.length)];
      };
      const worker = async (w: number) => {
        while (!killed()) {
          const r = Math.random();
          inFlight++;
          try {
            if (r < 0.4) {
              const merchantId = Math.random() < 0.3 ? FIN : RECORDERS[w % RECORDERS.length]!;
              await recordNew(api, merchantId, BigInt(1000 + Math.floor(Math.random() * 4000)));
            } else {
              const t = Math.random() < 0.5 ? pick((x) => x.merchantId === FIN && x.state === 'POOLED') ?? pick(() => true) : pick(() => true);
              if (!t) continue;
              t.busy = true;
              try {
                if (r < 0.88) {
                  const o = await api.completeOrder({ merchantId: t.merchantId, orderId: t.orderId });
                  t.completeAcked = true;
                  t.state = o.state.replace('ORDER_STATE_', '') as OrderState;
                } else {
                  const o = await api.refundOrder({ merchantId: t.merchantId, orderId: t.orderId, reason: 'crash-test' });
                  t.refundAcked = true;
                  t.state = o.state.replace('ORDER_STATE_', '') as OrderState;
                }
                stats.acked++;
              } catch (e) {
                t.state = undefined; // unknown until the next verify()
                throw e;
              } finally {
                t.busy = false;
              }
            }
            ackedThisLife++;
          } catch (e) {
            if (!killed()) unexpected.push(`${(e as grpc.ServiceError).code}: ${(e as Error).message}`);
          } finally {
            inFlight--;
          }
        }
      };
      const done = Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
      return { done, unexpected, inFlight: () => inFlight, acked: () => ackedThisLife };
    }

    // ------------------------------------------------------------ lives

    life = await startLife();
    await life.api.upsertLender({
      lender: { lenderId: LENDER_ID, gatewayTarget: fake.target, advanceRateBps: 8000, repaymentShareBps: 5000, feeBps: 200, minCompletedOrders: '0' },
    });
    // A few orders for every merchant before the first kill.
    await Promise.all(RECORDERS.flatMap((m) => Array.from({ length: 10 }, () => recordNew(life!.api, m, 1500n))));

    for (let k = 1; k <= KILLS; k++) {
      const lifeStart = Date.now();
      await verify(life.api);
      await ensureFinancing(life.api);

      let killSent = false;
      const l = load(life.api, () => killSent);
      // Let commands pile up, then kill with some in flight. Cycle 2 kills at
      // the instant a repayment reaches the lender, before the server hears
      // back, so that row must be re-sent under the same key after restart.
      const atRepayment = k === 2;
      const minAcks = k === KILLS ? 20 + Math.floor(Math.random() * 40) : 80 + Math.floor(Math.random() * 120);
      const until = Date.now() + 3000;
      while ((l.acked() < minAcks || l.inFlight() === 0) && Date.now() < until) await sleep(2);
      const child = life.child;
      const kill = () => {
        if (killSent) return;
        stats.inFlightAtKill.push(l.inFlight());
        killSent = true;
        child.kill('SIGKILL');
      };
      if (atRepayment) {
        const prior = fake.onCall;
        const repaymentsBefore = fake.calls.filter((c) => c.method === 'ReceiveRepayment').length;
        fake.onCall = (c) => {
          prior?.(c);
          if (c.method === 'ReceiveRepayment') kill();
        };
        const deadline = Date.now() + 3000;
        while (!killSent && Date.now() < deadline) await sleep(2);
        fake.onCall = prior;
        stats.killedAtRepayment = fake.calls.filter((c) => c.method === 'ReceiveRepayment').length > repaymentsBefore && killSent;
      }
      kill();
      expect(stats.inFlightAtKill[k - 1], 'commands in flight at the kill').to.be.greaterThan(0);
      const exit = await life.exited;
      expect(exit.signal).to.equal('SIGKILL');
      await l.done;
      expect(l.unexpected, 'errors before the kill').to.deep.equal([]);
      life.api.close();
      stats.lives.push(Date.now() - lifeStart);

      life = await startLife();
    }

    // After the last restart: everything acknowledged is there, books add up.
    const found = await verify(life.api);
    const killPhaseMs = Date.now() - t0;

    // Delivery settles: the lender's deduplicated repayments equal repaid, per financing.
    const expected = new Map<string, bigint>();
    for (const fid of financings) expected.set(fid, big((await life.api.getFinancing({ merchantId: FIN, financingId: fid })).repaid));
    const settleBy = Date.now() + 15_000;
    while ([...expected].some(([fid, repaid]) => fake.repaidTo(fid) !== repaid) && Date.now() < settleBy) await sleep(20);
    await sleep(300); // anything late would be a double payment
    for (const [fid, repaid] of expected) {
      expect(fake.repaidTo(fid), `${fid}: deduplicated repayments at the lender = repaid`).to.equal(repaid);
      // Each repaid order is paid in exactly one deduplicated call, for exactly its repayment.
      const calls = [...fake.byKey.values()].filter((c) => c.method === 'ReceiveRepayment' && c.financingId === fid);
      const paid = calls.flatMap((c) => c.request.orderIds as string[]);
      expect(new Set(paid).size, `${fid}: an order repaid under two idempotency keys`).to.equal(paid.length);
      const owed = [...found.values()].filter((o) => o.financingId === fid && o.state === 'ORDER_STATE_COMPLETED' && big(o.repayment) > 0n);
      expect([...paid].sort()).to.deep.equal(owed.map((o) => o.orderId).sort());
      for (const c of calls) {
        const sum = (c.request.orderIds as string[]).reduce((s, id) => s + big(found.get(key(FIN, id))!.repayment), 0n);
        expect(big(c.request.amount as { minorUnits: string }), `amount of ${c.idempotencyKey}`).to.equal(sum);
      }
    }
    expect(fake.conflicts, 'idempotency keys with two different payloads').to.deep.equal([]);
    expect(stats.acked).to.be.greaterThan(200);

    if (process.env.ORDERPOOL_TEST_VERBOSE) {
      const repayCalls = fake.calls.filter((c) => c.method === 'ReceiveRepayment');
      // eslint-disable-next-line no-console
      console.log(`      ${stats.acked} acked commands, ${orders.size} orders, ${financings.length} financing(s), in flight at kills: ${stats.inFlightAtKill.join('/')}, killed at a repayment: ${stats.killedAtRepayment}, ` +
        `lives ${stats.lives.join('/')} ms, kill phase ${killPhaseMs} ms, total ${Date.now() - t0} ms; ` +
        `repayment calls ${repayCalls.length} (${fake.byKey.size} distinct keys over all methods); repaid ${[...expected.values()].join('/')}`);
    }
  });
});
