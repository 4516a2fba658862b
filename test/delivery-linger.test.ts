/**
 * Delivery's repayment linger (src/gateways/delivery.ts D7), on Delivery
 * itself: an in-memory outbox, a gateway that records (and can hold or fail)
 * calls, and a ManualClock for both `now()` and the linger timers.
 */
import { expect } from 'chai';
import pino from 'pino';
import type { Effect, EffectMethod } from '../src/domain/types';
import { Delivery, type DeliveryConfig } from '../src/gateways/delivery';
import type { GatewayClients } from '../src/gateways/clients';
import { ManualClock } from '../src/runtime/clock';
import type { OutboxRow, Store } from '../src/store/store';
import { usd } from '../src/testing/client';
import { configCommand, DEFAULTS, resolveConfig } from '../src/config';
import { LENDER, startHarness, type Harness } from './harness';

const silent = pino({ level: 'silent' });
const LINGER = 400;

/** The three Store methods Delivery uses, over a Map. */
class Outbox {
  readonly rows = new Map<string, Effect>();
  /** While set, replaceOutbox (a seal's write) waits for it. */
  replaceGate: Promise<void> | undefined;
  private n = 0;

  nextKey(): string {
    return `o${String(++this.n).padStart(8, '0')}`;
  }

  asStore(): Store {
    return {
      scanOutboxAfter: async (after: string, limit: number): Promise<OutboxRow[]> =>
        [...this.rows.keys()].sort().filter((k) => k > after).slice(0, limit).map((key) => ({ key, effect: this.rows.get(key)! })),
      deleteOutbox: async (keys: string[]) => {
        for (const k of keys) this.rows.delete(k);
      },
      replaceOutbox: async (remove: string[], row: OutboxRow) => {
        await this.replaceGate;
        for (const k of remove) this.rows.delete(k);
        this.rows.set(row.key, row.effect);
      },
    } as unknown as Store;
  }
}

interface Call {
  effect: Effect;
  at: number;
}

class Gateway implements GatewayClients {
  readonly calls: Call[] = [];
  hold = false;
  down = false;
  private held: (() => void)[] = [];

  constructor(private readonly clock: ManualClock) {}

  async send(effect: Effect): Promise<void> {
    this.calls.push({ effect, at: this.clock.now() });
    if (this.down) throw new Error('UNAVAILABLE: lender down');
    if (this.hold) await new Promise<void>((r) => this.held.push(r));
  }

  release(): void {
    this.hold = false;
    for (const r of this.held.splice(0)) r();
  }

  close(): void {}

  repayments(): Call[] {
    return this.calls.filter((c) => c.effect.method === 'ReceiveRepayment');
  }
}

/** Lets the promise chains of sends, seals and deletes run. */
async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

interface Rig {
  clock: ManualClock;
  outbox: Outbox;
  gw: Gateway;
  delivery: Delivery;
  seq: Map<string, number>;
  /** Commits effects now (outbox write, then Delivery.enqueue), as Core does. */
  commit(...effects: Effect[]): void;
  /** A new Delivery over the same outbox (a restart), started. */
  restart(config?: Partial<DeliveryConfig>): Promise<void>;
}

const rigs: Rig[] = [];

async function rig(config: Partial<DeliveryConfig> = {}, clock = new ManualClock()): Promise<Rig> {
  const outbox = new Outbox();
  const gw = new Gateway(clock);
  const make = (c: Partial<DeliveryConfig>) => new Delivery(outbox.asStore(), gw, {
    retryBaseMs: 1, retryMaxMs: 1, callTimeoutMs: 1000, maxCoalesce: 1000, lingerMs: LINGER, ...c,
  }, silent, () => clock.now(), clock);
  const r: Rig = {
    clock, outbox, gw, delivery: make(config), seq: new Map(),
    commit(...effects) {
      const rows = effects.map((effect) => ({ key: outbox.nextKey(), effect }));
      for (const row of rows) outbox.rows.set(row.key, row.effect);
      r.delivery.enqueue(rows);
    },
    async restart(c = config) {
      r.delivery.stop();
      r.delivery = make(c);
      await r.delivery.start();
    },
  };
  await r.delivery.start();
  rigs.push(r);
  return r;
}

/** An effect of financing F<n> of merchant M<n>, committed at the rig's now unless `createTime` says otherwise. */
function effect(r: Rig, method: EffectMethod, fin: number, extra: Partial<Effect> = {}): Effect {
  const merchantId = `M${fin}`;
  const seq = (r.seq.get(merchantId) ?? 0) + 1;
  r.seq.set(merchantId, seq);
  return {
    idempotencyKey: `${merchantId}:${seq}:${method}`, method, lenderId: method === 'SendVerificationCode' ? '' : 'L1',
    merchantId, financingId: `F${fin}`, createTime: r.clock.now(), seq, currency: 'USD', amount: 0n, fee: 0n,
    poolTotal: 0n, poolOrderCount: 0, outstanding: 0n, orderIds: [], underCovered: false, finalState: '', reason: '',
    deadline: 0, code: '', ...extra,
  };
}

function repayment(r: Rig, fin: number, orderId: string, extra: Partial<Effect> = {}): Effect {
  return effect(r, 'ReceiveRepayment', fin, { amount: 500n, orderIds: [orderId], ...extra });
}

describe('delivery: repayment linger (D7)', () => {
  afterEach(() => {
    for (const r of rigs.splice(0)) r.delivery.stop();
  });

  it('should send the repayments of a financing committed within the linger in one call, lingerMs after the first', async () => {
    const r = await rig();
    const t0 = r.clock.now();
    for (let i = 1; i <= 5; i++) {
      if (i > 1) r.clock.advance(90); // O5 is committed at t0 + 360
      r.commit(repayment(r, 1, `O${i}`));
      await flush();
    }
    r.clock.advance(39); // t0 + 399
    await flush();
    expect(r.gw.calls, 'nothing may go before the oldest repayment waited lingerMs').to.deep.equal([]);
    r.clock.advance(1);
    await flush();
    const calls = r.gw.repayments();
    expect(calls).to.have.length(1);
    expect(calls[0]!.at).to.equal(t0 + LINGER);
    expect(calls[0]!.effect.orderIds).to.deep.equal(['O1', 'O2', 'O3', 'O4', 'O5']);
    expect(calls[0]!.effect.amount).to.equal(2500n);
    expect(calls[0]!.effect.idempotencyKey).to.equal('M1:1-5:ReceiveRepayment');
    await r.delivery.idle(2000);
    expect(r.outbox.rows.size).to.equal(0);
  });

  it('should start a new linger for a repayment committed after the previous call, and keep financings apart', async () => {
    const r = await rig();
    r.commit(repayment(r, 1, 'O1'));
    r.clock.advance(100);
    r.commit(repayment(r, 2, 'P1'));
    await flush();
    r.clock.advance(300); // F1's linger ends; F2's has 100 ms left
    await flush();
    expect(r.gw.repayments().map((c) => c.effect.orderIds)).to.deep.equal([['O1']]);
    r.commit(repayment(r, 1, 'O2')); // F1's queue is empty again: a fresh linger
    await flush();
    r.clock.advance(100);
    await flush();
    expect(r.gw.repayments().map((c) => c.effect.orderIds)).to.deep.equal([['O1'], ['P1']]);
    r.clock.advance(299);
    await flush();
    expect(r.gw.repayments()).to.have.length(2);
    r.clock.advance(1);
    await flush();
    expect(r.gw.repayments().map((c) => c.effect.orderIds)).to.deep.equal([['O1'], ['P1'], ['O2']]);
  });

  it('should send at once a repayment whose older companion already waited lingerMs behind an in-flight call (no added delay at saturation)', async () => {
    const r = await rig();
    r.gw.hold = true;
    r.commit(effect(r, 'AuthorizeDisbursement', 1));
    await flush();
    r.commit(repayment(r, 1, 'O1')); // waits behind the held authorization
    r.clock.advance(LINGER + 100);
    r.commit(repayment(r, 1, 'O2')); // committed after O1's linger ended
    await flush();
    expect(r.gw.calls.map((c) => c.effect.method)).to.deep.equal(['AuthorizeDisbursement']);
    r.gw.release();
    await flush(); // no clock movement: O1 already waited, O2 rides along
    const reps = r.gw.repayments();
    expect(reps).to.have.length(1);
    expect(reps[0]!.effect.orderIds).to.deep.equal(['O1', 'O2']);

    // Likewise behind an in-flight repayment call.
    r.gw.hold = true;
    r.commit(repayment(r, 1, 'O3'));
    r.clock.advance(LINGER);
    await flush();
    expect(r.gw.repayments()).to.have.length(2);
    r.commit(repayment(r, 1, 'O4'));
    r.clock.advance(LINGER);
    r.commit(repayment(r, 1, 'O5'));
    r.gw.release();
    await flush();
    expect(r.gw.repayments().map((c) => c.effect.orderIds)).to.deep.equal([['O1', 'O2'], ['O3'], ['O4', 'O5']]);
  });

  it('should end the linger when a FinancingClosed (or CoverageAlert) is queued behind the repayments, and keep the order', async () => {
    const r = await rig();
    const t0 = r.clock.now();
    r.commit(repayment(r, 1, 'O1'));
    r.clock.advance(50);
    r.commit(repayment(r, 1, 'O2'));
    await flush();
    r.clock.advance(50);
    await flush();
    expect(r.gw.calls).to.deep.equal([]);
    r.commit(repayment(r, 1, 'O3'), effect(r, 'ReceiveFinancingClosed', 1, { finalState: 'REPAID' }));
    await flush();
    expect(r.gw.calls.map((c) => [c.effect.method, c.effect.orderIds, c.at - t0])).to.deep.equal([
      ['ReceiveRepayment', ['O1', 'O2', 'O3'], 100],
      ['ReceiveFinancingClosed', [], 100],
    ]);

    // A coverage alert committed alone, behind one lingering repayment.
    r.commit(repayment(r, 2, 'P1'));
    await flush();
    r.clock.advance(10);
    r.commit(effect(r, 'ReceiveCoverageAlert', 2, { underCovered: true }));
    await flush();
    expect(r.gw.calls.slice(2).map((c) => c.effect.method)).to.deep.equal(['ReceiveRepayment', 'ReceiveCoverageAlert']);
    await r.delivery.idle(2000);
  });

  it('should never make other effects wait, nor repayments once maxCoalesce of them wait', async () => {
    const r = await rig({ maxCoalesce: 3 });
    r.commit(
      effect(r, 'AuthorizeDisbursement', 1),
      effect(r, 'ReceiveCoverageAlert', 2),
      effect(r, 'ReceiveFinancingClosed', 3),
      effect(r, 'SendVerificationCode', 4, { code: '123456', deadline: r.clock.now() + 60_000 }),
    );
    await flush();
    expect(r.gw.calls.map((c) => c.effect.method).sort()).to.deep.equal(
      ['AuthorizeDisbursement', 'ReceiveCoverageAlert', 'ReceiveFinancingClosed', 'SendVerificationCode']);
    r.commit(repayment(r, 5, 'Q1'), repayment(r, 5, 'Q2'));
    await flush();
    expect(r.gw.repayments()).to.have.length(0);
    r.commit(repayment(r, 5, 'Q3'), repayment(r, 5, 'Q4'));
    await flush();
    expect(r.gw.repayments().map((c) => c.effect.orderIds)).to.deep.equal([['Q1', 'Q2', 'Q3']]);
    r.clock.advance(LINGER);
    await flush();
    expect(r.gw.repayments().map((c) => c.effect.orderIds)).to.deep.equal([['Q1', 'Q2', 'Q3'], ['Q4']]);
  });

  it('should merge a run as D4 merged its rows one by one, and keep a repayment committed during the merge\'s write for the next call (D8)', async () => {
    const r = await rig();
    const t0 = r.clock.now();
    r.commit(repayment(r, 1, 'O1', { outstanding: 900n, poolTotal: 9000n, poolOrderCount: 9 }));
    r.clock.advance(10);
    r.commit(
      repayment(r, 1, 'O2', { amount: 300n, outstanding: 600n, poolTotal: 8000n, poolOrderCount: 8, underCovered: true }),
      repayment(r, 1, 'O3', { amount: 200n, outstanding: 400n, poolTotal: 7000n, poolOrderCount: 7, underCovered: true }),
    );
    const [k1, k2, k3] = [...r.outbox.rows.keys()];
    let open!: () => void;
    r.outbox.replaceGate = new Promise<void>((resolve) => (open = resolve));
    r.clock.advance(LINGER - 10);
    await flush(); // the seal's write is held
    expect(r.gw.calls).to.deep.equal([]);
    r.commit(repayment(r, 1, 'O4', { outstanding: 0n, poolTotal: 6000n, poolOrderCount: 6 }));
    r.outbox.replaceGate = undefined;
    r.gw.hold = true;
    open();
    await flush();
    const merged = {
      ...repayment({ ...r, seq: new Map() }, 1, 'O1', { createTime: t0, outstanding: 900n, poolTotal: 9000n, poolOrderCount: 9 }),
      idempotencyKey: 'M1:1-3:ReceiveRepayment', seq: 3, amount: 1000n, orderIds: ['O1', 'O2', 'O3'],
      outstanding: 400n, poolTotal: 7000n, poolOrderCount: 7, sealed: true,
    };
    expect(r.gw.repayments().map((c) => c.effect)).to.deep.equal([merged]);
    expect(r.outbox.rows.has(k2!) || r.outbox.rows.has(k3!)).to.equal(false);
    expect(r.outbox.rows.get(k1!)).to.deep.equal(merged);
    expect(r.outbox.rows.size).to.equal(2); // the merged row and O4's
    r.gw.release();
    await flush();
    // O4 came in while the merge was written: not in it, and it lingers from its own commit.
    r.clock.advance(LINGER - 1);
    await flush();
    expect(r.gw.repayments()).to.have.length(1);
    r.clock.advance(1);
    await flush();
    expect(r.gw.repayments().map((c) => [c.effect.idempotencyKey, c.effect.orderIds])).to.deep.equal([
      ['M1:1-3:ReceiveRepayment', ['O1', 'O2', 'O3']], ['M1:4:ReceiveRepayment', ['O4']],
    ]);
    await r.delivery.idle(2000);
    expect(r.outbox.rows.size).to.equal(0);
  });

  it('should not hold an in-flight slot while lingering', async () => {
    const r = await rig({ maxInFlight: 1 });
    r.commit(repayment(r, 1, 'O1'));
    await flush();
    r.commit(effect(r, 'AuthorizeDisbursement', 2));
    await flush();
    expect(r.gw.calls.map((c) => c.effect.method)).to.deep.equal(['AuthorizeDisbursement']);
  });

  it('should behave as before with lingerMs 0 or absent: a repayment goes at once, those that wait behind a call coalesce', async () => {
    for (const lingerMs of [0, undefined]) {
      const r = await rig({ lingerMs });
      r.gw.hold = true;
      r.commit(repayment(r, 1, 'O1'));
      await flush();
      expect(r.gw.repayments().map((c) => c.effect.orderIds)).to.deep.equal([['O1']]);
      r.commit(repayment(r, 1, 'O2'));
      r.commit(repayment(r, 1, 'O3'));
      r.gw.release();
      await flush();
      expect(r.gw.repayments().map((c) => c.effect.orderIds)).to.deep.equal([['O1'], ['O2', 'O3']]);
      expect(r.gw.repayments()[1]!.effect.idempotencyKey).to.equal('M1:2-3:ReceiveRepayment');
      await r.delivery.idle(2000);
    }
  });

  it('should after a restart send rows older than the linger at once and let younger ones finish their linger from their commit time', async () => {
    const r = await rig();
    const t0 = r.clock.now();
    r.commit(repayment(r, 1, 'O1'), repayment(r, 1, 'O2'));
    r.clock.advance(300);
    r.commit(repayment(r, 2, 'P1'));
    await flush();
    r.delivery.stop(); // a crash before any linger ended: everything is still in the outbox
    expect(r.gw.calls).to.deep.equal([]);
    expect(r.outbox.rows.size).to.equal(3);

    r.clock.advance(200); // restart at t0 + 500: F1's rows are older than the linger, F2's row is 200 ms old
    await r.restart();
    await flush();
    expect(r.gw.repayments().map((c) => [c.effect.orderIds, c.at - t0])).to.deep.equal([[['O1', 'O2'], 500]]);
    r.clock.advance(199);
    await flush();
    expect(r.gw.repayments()).to.have.length(1);
    r.clock.advance(1);
    await flush();
    expect(r.gw.repayments().map((c) => [c.effect.orderIds, c.at - t0])).to.deep.equal([[['O1', 'O2'], 500], [['P1'], 700]]);
  });

  it('should keep a coalesced call sealed across a failure and a restart: same key, same payload, no second linger', async () => {
    const r = await rig({ retryBaseMs: 60_000, retryMaxMs: 60_000 }); // the retry comes from the restart, not the backoff
    r.commit(repayment(r, 1, 'O1'), repayment(r, 1, 'O2'));
    r.gw.down = true;
    r.clock.advance(LINGER);
    await flush();
    const failed = r.gw.repayments().length;
    expect(failed).to.be.at.least(1);
    // A repayment committed while the sealed call waits out its backoff does not join it.
    r.commit(repayment(r, 1, 'O3'));
    r.delivery.stop();
    r.gw.down = false;
    await r.restart();
    await flush(); // O1+O2 sealed: at once, with no new linger; O3 was committed just now: it lingers
    const reps = r.gw.repayments();
    expect(reps).to.have.length(failed + 1);
    for (const c of reps) expect([c.effect.idempotencyKey, c.effect.orderIds]).to.deep.equal(['M1:1-2:ReceiveRepayment', ['O1', 'O2']]);
    r.clock.advance(LINGER - 1);
    await flush();
    expect(r.gw.repayments()).to.have.length(failed + 1);
    r.clock.advance(1);
    await flush();
    expect(r.gw.repayments().map((c) => c.effect.idempotencyKey).slice(failed + 1)).to.deep.equal(['M1:3:ReceiveRepayment']);
    await r.delivery.idle(2000);
  });

  it('should not wait more than lingerMs after it first saw a row whose createTime is ahead of its clock', async () => {
    const r = await rig();
    r.commit(repayment(r, 1, 'O1', { createTime: r.clock.now() + 3_600_000 })); // written under a clock an hour ahead
    await flush();
    r.clock.advance(LINGER);
    await flush();
    expect(r.gw.repayments()).to.have.length(1);
  });

  it('should send nothing after stop, and deliver a lingering row after the restart', async () => {
    const r = await rig();
    r.commit(repayment(r, 1, 'O1'));
    await flush();
    r.delivery.stop();
    r.clock.advance(LINGER);
    await flush();
    expect(r.gw.calls).to.deep.equal([]);
    await r.restart();
    await flush();
    expect(r.gw.repayments()).to.have.length(1);
  });
});

describe('delivery: repayment linger through the server (--repayment-linger-ms)', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it('should coalesce the completions of a financing within the linger into one ReceiveRepayment, and let FinancingClosed end it', async () => {
    h = await startHarness({ repaymentLingerMs: LINGER });
    const api = h.api;
    await api.upsertLender({ lender: { ...LENDER, feeBps: 0, gatewayTarget: h.gw.target } });
    for (let i = 1; i <= 5; i++) await api.recordOrder({ merchantId: 'M1', orderId: `O${i}`, buyerId: 'B', amount: usd(1000) });
    const f = await api.requestFinancing({ merchantId: 'M1', lenderId: 'L1', amount: usd(2500), requestId: 'r' });
    await api.confirmDisbursement({ merchantId: 'M1', financingId: f.financingId, lenderId: 'L1', amount: f.approved!, lenderReference: 'ref' });
    await h.server.delivery.idle(5000); // the authorization does not linger
    const repayments = () => h!.gw.calls.filter((c) => c.method === 'ReceiveRepayment').map((c) => c.request.orderIds);

    for (let i = 1; i <= 3; i++) await api.completeOrder({ merchantId: 'M1', orderId: `O${i}` });
    await new Promise((r) => setTimeout(r, 100));
    expect(repayments(), 'the clock has not moved: every repayment still lingers').to.deep.equal([]);
    h.clock.advance(LINGER);
    await h.server.delivery.idle(5000);
    expect(repayments()).to.deep.equal([['O1', 'O2', 'O3']]);

    // O5 repays the financing: its FinancingClosed ends O4's and O5's linger, with no clock movement.
    await api.completeOrder({ merchantId: 'M1', orderId: 'O4' });
    await api.completeOrder({ merchantId: 'M1', orderId: 'O5' });
    await h.server.delivery.idle(5000);
    expect(h.gw.calls.map((c) => c.method)).to.deep.equal(['AuthorizeDisbursement', 'ReceiveRepayment', 'ReceiveRepayment', 'ReceiveFinancingClosed']);
    expect(repayments()).to.deep.equal([['O1', 'O2', 'O3'], ['O4', 'O5']]);
    const done = await api.getFinancing({ merchantId: 'M1', financingId: f.financingId });
    expect(done.state).to.equal('FINANCING_STATE_REPAID');
    expect(h.gw.repaidTo(f.financingId)).to.equal(BigInt(done.repaid!.minorUnits));
    expect(h.gw.conflicts).to.deep.equal([]);
  });
});

describe('config: --repayment-linger-ms', () => {
  it('should default to 450, take 0 (off) or a value from the flag or ORDERPOOL_REPAYMENT_LINGER_MS, and refuse a negative one', () => {
    expect(DEFAULTS.repaymentLingerMs).to.equal(450);
    expect(resolveConfig([]).repaymentLingerMs).to.equal(450);
    expect(resolveConfig(['--repayment-linger-ms', '0']).repaymentLingerMs).to.equal(0);
    expect(resolveConfig(['--repayment-linger-ms', '750']).repaymentLingerMs).to.equal(750);
    const refused = (v: string) => () => configCommand().exitOverride().configureOutput({ writeErr: () => {} })
      .parse(['--repayment-linger-ms', v], { from: 'user' });
    expect(refused('-1')).to.throw(/non-negative integer/);
    expect(refused('1.5')).to.throw(/non-negative integer/);
    const saved = process.env.ORDERPOOL_REPAYMENT_LINGER_MS;
    try {
      process.env.ORDERPOOL_REPAYMENT_LINGER_MS = '0';
      expect(resolveConfig([]).repaymentLingerMs).to.equal(0);
    } finally {
      if (saved === undefined) delete process.env.ORDERPOOL_REPAYMENT_LINGER_MS;
      else process.env.ORDERPOOL_REPAYMENT_LINGER_MS = saved;
    }
  });
});
