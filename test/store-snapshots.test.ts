/**
 * Skipped snapshot writes (src/runtime/router.ts runCommand): commands that
 * leave the machine where it was (same state, same active financing: orders
 * recorded, the settling self-loop) leave the stored snapshot and the active
 * financing's record as they are while the journal after them stays under 16
 * events; loading replays that tail on top of the orders. Router + LevelStore on a temp dir, restarted in between, with
 * the stored records read back raw and checked by src/store/check.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import { ClassicLevel } from 'classic-level';
import { ManualClock } from '../src/runtime/clock';
import { Router } from '../src/runtime/router';
import { LevelStore, type LevelStoreOptions } from '../src/store/level-store';
import { checkStore, dumpMerchant } from '../src/store/check';
import { decode } from '../src/store/codec';
import type { Merchant, MerchantSnapshot } from '../src/domain/merchant';
import { checkMerchant, checkReplay, fingerprint } from '../src/domain/invariants';
import { LENDER, routerConfig } from './router-fixtures';

const config = routerConfig(4);

interface Life {
  store: LevelStore;
  router: Router;
}

describe('store: skipped snapshots of commands that leave the machine where it was', () => {
  let dir: string;
  let life: Life | undefined;
  const clock = new ManualClock();
  let fin = 0;

  const start = async (opts: LevelStoreOptions = {}): Promise<Life> => {
    const store = await LevelStore.open(dir, opts);
    const router = new Router(store, clock, config, { newFinancingId: () => `fin-${++fin}`, newCode: () => '000000' }, () => {});
    life = { store, router };
    return life;
  };
  const stop = async () => {
    life?.router.stop();
    await life?.store.close();
    life = undefined;
  };

  const record = (l: Life, m: string, orderId: string, amount: bigint, currency = 'USD') =>
    l.router.command(m, { body: (mm) => mm.recordOrder({ orderId, buyerId: 'B', currency, amount }) });
  const complete = (l: Life, m: string, orderId: string) => l.router.command(m, { body: (mm) => mm.completeOrder(orderId) });
  const refund = (l: Life, m: string, orderId: string) => l.router.command(m, { body: (mm) => mm.refundOrder(orderId, 'damaged') });
  /** M1 with `orders` open orders of 10,000, then a financing of 12,000 (two orders pooled) disbursed: settling. */
  const settling = async (l: Life, orders: number) => {
    for (let i = 1; i <= orders; i++) await record(l, 'M1', `O${i}`, 10_000n);
    const f = await l.router.command('M1', { body: (m) => m.requestFinancing({ lenderId: 'L1', currency: 'USD', amount: 12_000n, requestId: 'r1' }, LENDER) });
    await l.router.command('M1', { body: (m) => m.confirmDisbursement(f.financingId, 'L1', 'USD', f.approved, 'w1', undefined) });
    return f;
  };
  const live = (l: Life, m: string) => l.router.read(m, (mm: Merchant) => ({
    fingerprint: fingerprint(mm),
    seq: mm.seq,
    snapshotSeq: mm.snapshotSeq,
    history: { ...mm.history },
    openTotals: [...mm.openTotals.entries()],
    pool: [...mm.pool],
    violations: checkMerchant(mm),
  }));

  /** The stopped store, read raw: the stored snapshot, the journal, and check.ts's report. */
  const onDisk = async (m: string) => {
    const db = new ClassicLevel<string, string>(dir);
    await db.open();
    try {
      const snapshot = decode<MerchantSnapshot>((await db.get(`s\x00${m}`))!);
      const events = (await dumpMerchant(db, m)).events;
      const report = await checkStore(db);
      return { snapshot, events, tail: events.filter((e) => e.seq > snapshot.seq), violations: report.violations };
    } finally {
      await db.close();
    }
  };

  /** Stops, checks the stored records, restarts, and expects the reloaded merchant to equal the live one. */
  const restartAndCompare = async (m: string) => {
    const before = await live(life!, m);
    expect(before.violations).to.deep.equal([]);
    await stop();
    const disk = await onDisk(m);
    expect(disk.violations).to.deep.equal([]);
    expect(disk.events.map((e) => e.seq)).to.deep.equal(Array.from({ length: before.seq }, (_, i) => i + 1));
    const l = await start();
    const after = await live(l, m);
    expect(after).to.deep.equal({ ...before, snapshotSeq: disk.snapshot.seq });
    const events = await l.store.readEvents(m, 1, Number.MAX_SAFE_INTEGER);
    expect(await l.router.read(m, (mm) => checkReplay(mm, events))).to.deep.equal([]);
    return { before, disk };
  };

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'orderpool-snapshots-'));
  });
  afterEach(async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("should write the snapshot on a merchant's first command, then every 16 events of order-only commands", async () => {
    const l = await start();
    await record(l, 'M1', 'O1', 100n);
    expect((await live(l, 'M1')).snapshotSeq).to.equal(1);
    for (let i = 2; i <= 70; i++) await record(l, 'M1', `O${i}`, BigInt(100 + i));
    const { disk, before } = await restartAndCompare('M1');
    // #1, #17, #33, #49, #65 (16 events apart); #66..#70 are the tail.
    expect(disk.snapshot.seq).to.equal(65);
    expect(disk.tail.map((e) => e.seq)).to.deep.equal([66, 67, 68, 69, 70]);
    expect(disk.snapshot.history.ordersRecorded).to.equal(65);
    expect(before.history.ordersRecorded).to.equal(70);
    expect(before.openTotals).to.deep.equal([['USD', { total: 70n * 100n + (70n * 71n) / 2n - 1n, count: 70 }]]);
  });

  it('should reload a merchant whose last commands skipped the snapshot with identical state, orders, open totals, pool and history', async () => {
    let l = await start();
    await settling(l, 6);
    const pooled = (await live(l, 'M1')).pool;
    expect(pooled).to.have.length(2);
    const financedAt = (await live(l, 'M1')).seq; // notified -> settling: snapshot written
    expect((await live(l, 'M1')).snapshotSeq).to.equal(financedAt);
    await complete(l, 'M1', pooled[0]!); // the settling self-loop: skipped
    expect((await live(l, 'M1')).snapshotSeq).to.equal(financedAt);

    // Order-only commands: new orders (another currency too), completions and refunds of open orders.
    await record(l, 'M1', 'O7', 7_000n);
    await complete(l, 'M1', 'O3');
    await refund(l, 'M1', 'O4');
    await record(l, 'M1', 'E1', 500n, 'EUR');
    await record(l, 'M1', 'E2', 700n, 'EUR');
    await complete(l, 'M1', 'E1');
    await refund(l, 'M1', 'O7');
    const { disk, before } = await restartAndCompare('M1');
    expect(disk.snapshot.seq).to.equal(financedAt);
    expect(disk.tail).to.have.length(8);
    expect(disk.tail.map((e) => e.financing !== undefined)).to.deep.equal([true, false, false, false, false, false, false, false]);
    expect(before.history).to.deep.include({ ordersRecorded: 9, ordersCompleted: 3, ordersRefunded: 2, financingsRequested: 1 });
    expect(before.openTotals).to.deep.equal([['USD', { total: 20_000n, count: 2 }], ['EUR', { total: 700n, count: 1 }]]);
    expect(before.pool).to.deep.equal([pooled[1]]);

    // After the reload the router knows where the stored snapshot is: it goes
    // on skipping it until the journal after it reaches 16 events.
    l = life!;
    await record(l, 'M1', 'O8', 8_000n);
    expect((await live(l, 'M1')).snapshotSeq).to.equal(financedAt);
    while ((await live(l, 'M1')).seq - financedAt < 15) await record(l, 'M1', `X${(await live(l, 'M1')).seq}`, 100n);
    expect((await live(l, 'M1')).snapshotSeq).to.equal(financedAt);
    await complete(l, 'M1', pooled[1]!); // the 16th event after the snapshot (a top-up may follow it)
    const head = (await live(l, 'M1')).seq;
    expect((await live(l, 'M1')).snapshotSeq).to.equal(head);
    await record(l, 'M1', 'O9', 9_000n);
    const again = await restartAndCompare('M1');
    expect(again.disk.snapshot.seq).to.equal(head);
    expect(again.disk.tail.map((e) => e.type)).to.deep.equal(['ORDER_RECORDED']);
  });

  it('should reload from disk after a failed write that followed skipped snapshots', async () => {
    let fail = false;
    const l = await start({ failWrites: () => (fail ? new Error('EIO: simulated') : undefined) });
    await record(l, 'M1', 'O1', 100n);
    await record(l, 'M1', 'O2', 200n);
    fail = true;
    let error: unknown;
    await record(l, 'M1', 'O3', 300n).catch((e) => (error = e));
    expect(error).to.have.property('reason', 'STORE_UNAVAILABLE');
    fail = false;
    const reloaded = await live(l, 'M1');
    expect(reloaded).to.deep.include({ seq: 2, snapshotSeq: 1, openTotals: [['USD', { total: 300n, count: 2 }]] });
    await record(l, 'M1', 'O3', 300n);
    await complete(l, 'M1', 'O1');
    const { disk, before } = await restartAndCompare('M1');
    expect(disk.snapshot.seq).to.equal(1);
    expect(before).to.deep.include({ seq: 4, history: { ordersRecorded: 3, ordersCompleted: 1, ordersRefunded: 0, financingsRequested: 0, financingsRepaid: 0 } });
  });

  it('should skip the snapshot and financing record through the settling self-loop and write both when the financing ends', async () => {
    let l = await start();
    const f = await settling(l, 8);
    const settledAt = (await live(l, 'M1')).seq;
    const storedFinancing = async () => {
      const fin = await l.store.getFinancing('M1', f.financingId);
      return { state: fin?.state, repaid: fin?.repaid };
    };
    expect(await storedFinancing()).to.deep.equal({ state: 'SETTLING', repaid: 0n });
    // Completions (with top-ups as the pool shrinks) and a refund: the machine stays in settling.
    await complete(l, 'M1', (await live(l, 'M1')).pool[0]!);
    await refund(l, 'M1', (await live(l, 'M1')).pool[0]!);
    await complete(l, 'M1', (await live(l, 'M1')).pool[0]!);
    expect((await live(l, 'M1')).snapshotSeq).to.equal(settledAt);
    expect(await storedFinancing()).to.deep.equal({ state: 'SETTLING', repaid: 0n });
    const { disk, before } = await restartAndCompare('M1');
    expect(disk.snapshot.seq).to.equal(settledAt);
    expect(disk.tail.length).to.be.greaterThan(2);
    expect(disk.tail.filter((e) => e.financing).map((e) => e.financing!.financingId)).to.satisfy((ids: string[]) => ids.length > 0 && ids.every((id) => id === f.financingId));
    expect(before.pool.length).to.be.greaterThan(0);
    // The reloaded merchant has the repaid amount of the tail, not the snapshot's.
    l = life!;
    const repaidNow = await l.router.read('M1', (m) => m.active!.repaid);
    expect(repaidNow).to.equal(10_000n);
    // Repay to the end: the machine goes back to idle, and the snapshot and the record are written.
    while ((await live(l, 'M1')).pool.length > 0) await complete(l, 'M1', (await live(l, 'M1')).pool[0]!);
    const end = await live(l, 'M1');
    expect(end.snapshotSeq).to.equal(end.seq);
    expect(await storedFinancing()).to.deep.equal({ state: 'REPAID', repaid: 12_240n });
    await restartAndCompare('M1');
  });

  it('should flag an event that moves the machine after the stored snapshot (orderpool inspect)', async () => {
    const l = await start();
    await record(l, 'M1', 'O1', 10_000n);
    await record(l, 'M1', 'O2', 10_000n);
    await stop();
    let db = new ClassicLevel<string, string>(dir);
    await db.open();
    const stale = (await db.get('s\x00M1'))!;
    await db.close();
    const l2 = await start();
    await l2.router.command('M1', { body: (m) => m.requestFinancing({ lenderId: 'L1', currency: 'USD', amount: 1_000n, requestId: 'r1' }, LENDER) });
    await stop();
    db = new ClassicLevel<string, string>(dir);
    await db.open();
    expect((await checkStore(db)).violations).to.deep.equal([]);
    await db.put('s\x00M1', stale); // as if the financing command had skipped the snapshot
    const report = await checkStore(db);
    await db.close();
    const messages = report.violations.map((v) => v.message);
    expect(messages.filter((s) => s.startsWith('journal:')), messages.join('\n')).to.deep.equal([
      "journal: event #3 (FINANCING_REQUESTED) moves the machine from the snapshot's idle after the snapshot at #1",
    ]);
  });
});
