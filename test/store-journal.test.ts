/**
 * Journal rows that refer to other rows (src/store/journal.ts): a settling
 * completion's row names its order's row and an earlier event holding the
 * financing in full, and every reader rebuilds the same events the router
 * published.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import { ClassicLevel } from 'classic-level';
import { ManualClock } from '../src/runtime/clock';
import { Router, type Committed } from '../src/runtime/router';
import { LevelStore } from '../src/store/level-store';
import { checkStore, dumpMerchant } from '../src/store/check';
import { decode, encodeRecord, RECORDS } from '../src/store/codec';
import { decodeEvent, encodeEvent, EventRow, JournalWriter, REFERRING_ROW_PREFIX, resolveEvents } from '../src/store/journal';
import type { MerchantEvent, Order } from '../src/domain/types';
import { LENDER, routerConfig } from './router-fixtures';

const config = routerConfig(2);

describe('store: journal rows that refer to other rows', () => {
  let dir: string;
  let store: LevelStore | undefined;
  let router: Router | undefined;
  const clock = new ManualClock();
  let fin = 0;
  /** Every event the router published, by merchant and sequence. */
  const published = new Map<string, MerchantEvent>();

  const start = async () => {
    store = await LevelStore.open(dir);
    router = new Router(store, clock, config, { newFinancingId: () => `fin-${++fin}`, newCode: () => '000000' }, (c: Committed) => {
      for (const e of c.events) published.set(`${c.merchantId}#${e.seq}`, structuredClone(e));
    });
  };
  const stop = async () => {
    router?.stop();
    await store?.close();
    router = undefined;
    store = undefined;
  };
  const r = () => router!;
  const record = (orderId: string, amount: bigint) => r().command('M1', { body: (m) => m.recordOrder({ orderId, buyerId: 'B', currency: 'USD', amount }) });
  const complete = (orderId: string) => r().command('M1', { body: (m) => m.completeOrder(orderId) });
  const refund = (orderId: string) => r().command('M1', { body: (m) => m.refundOrder(orderId, 'damaged') });
  const pool = () => r().read('M1', (m) => [...m.pool]);
  const seq = () => r().read('M1', (m) => m.seq);
  /** M1 with 12 open orders of 10,000, then a financing of 30,000 disbursed: settling, with four orders pooled. */
  const settle = async () => {
    for (let i = 1; i <= 12; i++) await record(`O${i}`, 10_000n);
    const f = await r().command('M1', { body: (m) => m.requestFinancing({ lenderId: 'L1', currency: 'USD', amount: 30_000n, requestId: 'r1' }, LENDER) });
    await r().command('M1', { body: (m) => m.confirmDisbursement(f.financingId, 'L1', 'USD', f.approved, 'w1', undefined) });
    return f;
  };
  /** The stored journal rows of M1, raw, by sequence. */
  const rawRows = async (): Promise<Map<number, string>> => {
    await stop();
    const db = new ClassicLevel<string, string>(dir);
    await db.open();
    const out = new Map<number, string>();
    for await (const [key, v] of db.iterator({ gte: 'e\x00M1\x00', lt: 'e\x00M1\x01' })) out.set(Number(key.split('\x00')[2]), v);
    await db.close();
    await start();
    return out;
  };
  const publishedOf = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => published.get(`M1#${from + i}`)!);

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'orderpool-journal-'));
    published.clear();
  });
  afterEach(async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should write settling completions as short rows that refer, and read back exactly the published events', async () => {
    await start();
    await settle();
    const settledAt = await seq();
    for (let i = 0; i < 3; i++) await complete((await pool())[0]!);
    await refund((await pool())[0]!);
    for (let i = 0; i < 3; i++) await complete((await pool())[0]!);
    const last = await seq();

    const rows = await rawRows();
    const referring = [...rows].filter(([, v]) => v.startsWith(REFERRING_ROW_PREFIX));
    // Every completion and refund after the financing settled refers (top-up pledges refer to the financing only).
    const finals = publishedOf(settledAt + 1, last).filter((e) => e.type === 'ORDER_COMPLETED' || e.type === 'ORDER_REFUNDED');
    expect(finals).to.have.length(7);
    for (const e of finals) expect(rows.get(e.seq)!.startsWith(REFERRING_ROW_PREFIX), `#${e.seq} ${e.type}`).to.equal(true);
    // Rows before the financing settled are written in full.
    for (const [s] of referring) expect(s).to.be.greaterThan(settledAt);
    // A completion's row is under half of its full form.
    for (const e of finals) expect(rows.get(e.seq)!.length).to.be.below(encodeRecord(RECORDS.event, e).length / 2);

    // Whole, and in windows that start after the base they refer to.
    expect(await store!.readEvents('M1', 1, 10_000)).to.deep.equal(publishedOf(1, last));
    for (let from = settledAt; from <= last; from += 2) {
      expect(await store!.readEvents('M1', from, 3), `from #${from}`).to.deep.equal(publishedOf(from, Math.min(last, from + 2)));
    }
    await stop();
    const db = new ClassicLevel<string, string>(dir);
    await db.open();
    expect((await dumpMerchant(db, 'M1')).events).to.deep.equal(publishedOf(1, last));
    expect((await checkStore(db)).violations).to.deep.equal([]);
    await db.close();
  });

  it('should write the first settling row after a reload in full, as the base of the rows after it', async () => {
    await start();
    await settle();
    await complete((await pool())[0]!);
    await stop();
    await start(); // a new actor: its writer has no base
    const reloadedAt = await seq();
    await complete((await pool())[0]!);
    await complete((await pool())[0]!);
    const last = await seq();
    const rows = await rawRows();
    const first = decodeEvent(rows.get(reloadedAt + 1)!);
    // Its order refers to the order's row, its financing is in full.
    expect(first).to.be.instanceOf(EventRow);
    expect((first as EventRow).baseSeq).to.equal(undefined);
    expect((first as EventRow).fullFinancing()).to.deep.equal(published.get(`M1#${reloadedAt + 1}`)!.financing);
    for (let s = reloadedAt + 2; s <= last; s++) expect((decodeEvent(rows.get(s)!) as EventRow).baseSeq, `#${s}`).to.equal(reloadedAt + 1);
    expect(await store!.readEvents('M1', reloadedAt + 2, 100)).to.deep.equal(publishedOf(reloadedAt + 2, last));
    // The merchant reloads from its snapshot and the tail, which refers.
    await stop();
    await start();
    await complete((await pool())[0]!);
    expect(await store!.readEvents('M1', 1, 10_000)).to.deep.equal(publishedOf(1, await seq()));
  });

  it('should write the financing in full when a fixed field differs from the base, or it is not settling', async () => {
    await start();
    await settle();
    const done = await complete((await pool())[0]!);
    const e = [...published.values()].find((x) => x.type === 'ORDER_COMPLETED' && x.order?.orderId === done.orderId)!;
    expect(e.financing?.state).to.equal('SETTLING');
    const order = e.order!;
    const writer = new JournalWriter();
    const rowOf = (id: string) => (id === order.orderId ? order : undefined);
    // No base yet: in full, and it becomes the base.
    const a = decodeEvent(encodeEvent(e, writer, rowOf));
    expect((a as EventRow).fullFinancing()).to.deep.equal(e.financing);
    expect(writer.base?.seq).to.equal(e.seq);
    // The next one refers to it.
    const next = { ...e, seq: e.seq + 1, financing: { ...e.financing!, repaid: e.financing!.repaid + 1n, updateTime: e.time + 5 } };
    const b = decodeEvent(encodeEvent(next, writer, rowOf)) as EventRow;
    expect(b.baseSeq).to.equal(e.seq);
    expect(resolveEvents([b], () => order, () => a)).to.deep.equal([next]);
    // A fixed field that differs: in full, and the new base.
    const changed = { ...next, seq: next.seq + 1, financing: { ...next.financing, lenderReference: 'w2' } };
    expect((decodeEvent(encodeEvent(changed, writer, rowOf)) as EventRow).baseSeq).to.equal(undefined);
    expect(writer.base?.seq).to.equal(changed.seq);
    // Not settling: in full, and the base stays.
    const repaid = { ...changed, seq: changed.seq + 1, financing: { ...changed.financing, state: 'REPAID' as const } };
    const c = decodeEvent(encodeEvent(repaid, writer, rowOf)) as EventRow;
    expect(c.baseSeq).to.equal(undefined);
    expect(writer.base?.seq).to.equal(changed.seq);
    // An order the batch does not write as that very object: in full.
    const copy: Order = { ...order };
    const d = decodeEvent(encodeEvent({ ...next, seq: 99 }, writer, () => copy));
    expect((d as EventRow).orderId).to.equal(undefined);
    // No writer: the full form, which decode reads.
    expect(decode<MerchantEvent>(encodeEvent(e, undefined, rowOf))).to.deep.equal(e);
    // A property the shapes do not name is refused, as by encodeRecord.
    expect(() => encodeEvent({ ...next, note: 'x' } as MerchantEvent, writer, rowOf)).to.throw(/\$e1 record has a property/);
    expect(() => encodeEvent({ ...next, financing: { ...next.financing, note: 'x' } } as MerchantEvent, new JournalWriter(), rowOf)).to.throw(/\$f1 record has a property/);
  });

  it('should refuse a row whose references cannot be met, and decode() should refuse a referring row', async () => {
    await start();
    await settle();
    await complete((await pool())[0]!);
    const completedOrder = (await pool())[0]!;
    await complete(completedOrder);
    const last = await seq();
    const rows = await rawRows();
    const row = rows.get(last)!;
    expect(() => decode(row)).to.throw(/journal row with references/);
    const base = (row.startsWith(REFERRING_ROW_PREFIX) ? (decodeEvent(row) as EventRow).baseSeq : undefined)!;
    expect(base).to.be.a('number');
    await stop();

    const db = new ClassicLevel<string, string>(dir);
    await db.open();
    const orderRow = (await db.get(`o\x00M1\x00${completedOrder}`))!;
    await db.del(`o\x00M1\x00${completedOrder}`);
    let report = await checkStore(db);
    expect(report.violations.map((v) => v.message).join('\n')).to.match(new RegExp(`event #${last} of merchant M1 refers to order ${completedOrder}, which has no row`));
    await db.put(`o\x00M1\x00${completedOrder}`, orderRow);
    const baseRow = (await db.get(`e\x00M1\x00${String(base).padStart(12, '0')}`))!;
    await db.del(`e\x00M1\x00${String(base).padStart(12, '0')}`);
    report = await checkStore(db);
    expect(report.violations.map((v) => v.message).join('\n')).to.match(new RegExp(`refers to event #${base} for its financing, which has no such row`));
    await db.put(`e\x00M1\x00${String(base).padStart(12, '0')}`, baseRow);
    expect((await checkStore(db)).violations).to.deep.equal([]);
    await db.close();

    await start();
    expect(await store!.readEvents('M1', last, 1)).to.deep.equal(publishedOf(last, last));
  });
});
