/**
 * The `orderpool` CLI against a real server: every command in-process
 * through main(argv, io) with captured stdout/stderr (human and --json
 * output, exit codes, errors), plus the bin launcher and `serve` as real
 * processes.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import { ClassicLevel } from 'classic-level';
import pino from 'pino';
import { main } from '../src/cli/main';
import { startServer, type LocalServer } from '../src/server';
import { startFakeGateway, type FakeGateway } from '../src/testing/fake-lender';
import { startHarness, type Harness } from './harness';
import { decode, encodeRecord, RECORDS } from '../src/store/codec';
import type { Financing } from '../src/domain/types';

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'orderpool.js');

interface Run {
  code: number;
  out: string;
  err: string;
}

/** Runs the CLI in-process; `signal` stops watch/serve. */
async function run(argv: string[], signal?: AbortSignal): Promise<Run> {
  let out = '';
  let err = '';
  const code = await main(argv, {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    signal,
    interrupt: { claimed: false },
  });
  return { code, out, err };
}

const json = (r: Run) => JSON.parse(r.out) as Record<string, any>;

function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

function collect(child: ReturnType<typeof spawnCli>): Promise<Run> {
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, out, err })));
}

describe('orderpool CLI', function () {
  this.timeout(60_000);
  let h: Harness;
  let cli: (...args: string[]) => Promise<Run>;
  const tmp: string[] = [];
  const tmpDir = () => {
    const d = mkdtempSync(path.join(tmpdir(), 'orderpool-cli-'));
    tmp.push(d);
    return d;
  };

  before(async () => {
    h = await startHarness();
    cli = (...args) => run(['--target', h.server.address, ...args]);
  });
  after(async () => {
    await h.stop();
    for (const d of tmp) rmSync(d, { recursive: true, force: true });
  });

  describe('help and usage', () => {
    it('should teach with examples in --help, per command too', async () => {
      const top = await run(['--help']);
      expect(top.code).to.equal(0);
      for (const cmd of ['serve', 'lender', 'order', 'financing', 'merchant', 'watch', 'import', 'inspect', 'backup', 'restore']) {
        expect(top.out).to.include(`  ${cmd} `);
      }
      expect(top.out).to.include('Examples:');
      expect(top.out).to.include('--amount 12500 --currency USD is 125.00 USD');
      const sub = await run(['financing', 'request', '--help']);
      expect(sub.code).to.equal(0);
      expect(sub.out).to.include('orderpool financing request M1 --lender L1 --amount 50000 --currency USD --request-id r-1');
      const serve = await run(['serve', '--help']);
      expect(serve.out).to.include('--data-dir');
      expect(serve.out).to.include('ORDERPOOL_LISTEN');
    });

    it('should exit 2 with a usage error for a bad flag, and never print a stack trace', async () => {
      const r = await cli('order', 'record', 'M0', 'O1', '--buyer', 'B', '--amount', '12.50', '--currency', 'USD');
      expect(r.code).to.equal(2);
      expect(r.err).to.match(/^error: option '--amount <minor-units>' argument '12.50' is invalid\. expected an integer number of minor units/);
      expect(r.err).not.to.include('    at ');
      const missing = await cli('order', 'record', 'M0', 'O1', '--buyer', 'B', '--amount', '100');
      expect(missing.code).to.equal(2);
      expect(missing.err).to.include("required option '--currency <code>' not specified");
      expect((await run([])).code).to.equal(2);
      expect((await cli('nonsense')).code).to.equal(2);
    });
  });

  describe('lender', () => {
    it('should upsert, get and list lenders (human and --json)', async () => {
      const up = await cli('lender', 'upsert', 'L1', '--gateway', h.gw.target, '--advance-rate-bps', '8000', '--repayment-share-bps', '5000',
        '--fee-bps', '200', '--verification-ttl', '10m');
      expect(up.code, up.err).to.equal(0);
      expect(up.out).to.match(/^lender L1\n/);
      expect(up.out).to.include('80.00% of the pool total');
      expect(up.out).to.match(/verification\s+never/);
      expect(up.out).to.match(/code lifetime\s+600s/);

      const v = await cli('--json', 'lender', 'upsert', 'LV', '--gateway', h.gw.target, '--advance-rate-bps', '8000', '--repayment-share-bps', '5000',
        '--amount', '50000', '--currency', 'usd', '--max-refund-rate-bps', '2500');
      expect(v.code, v.err).to.equal(0);
      expect(json(v)).to.deep.include({ lenderId: 'LV', advanceRateBps: 8000, feeBps: 0, maxRefundRateBps: 2500, verificationThreshold: { currencyCode: 'USD', minorUnits: '50000' } });

      const get = await cli('lender', 'get', 'LV', '--json');
      expect(json(get).gatewayTarget).to.equal(h.gw.target);
      expect(json(get).createTime).to.match(/^\d{4}-\d\d-\d\dT/);
      const human = await cli('lender', 'get', 'LV');
      expect(human.out).to.include('one-time code when the pool is at or above 50000 USD');

      const list = await cli('lender', 'list');
      expect(list.code).to.equal(0);
      expect(list.out.split('\n')[0]).to.match(/^LENDER\s+GATEWAY\s+ADVANCE/);
      expect(list.out).to.match(/\nL1\s+127\.0\.0\.1:\d+\s+80\.00%\s+50\.00%\s+2\.00%\s+never/);
      const lj = await cli('lender', 'list', '--json');
      expect(json(lj).lenders.map((l: { lenderId: string }) => l.lenderId)).to.deep.equal(['L1', 'LV']);
    });
  });

  describe('order', () => {
    it('should record, get, complete and refund orders', async () => {
      const rec = await cli('order', 'record', 'MO', 'O1', '--buyer', 'B1', '--amount', '12500', '--currency', 'USD');
      expect(rec.code, rec.err).to.equal(0);
      expect(rec.out).to.match(/^order O1 of merchant MO\n/);
      expect(rec.out).to.match(/amount\s+12500 USD/);
      expect(rec.out).to.match(/state\s+OPEN/);

      const j = await cli('--json', 'order', 'record', 'MO', 'O2', '--buyer', 'B2', '--amount', '700', '--currency', 'EUR');
      expect(json(j)).to.deep.include({ merchantId: 'MO', orderId: 'O2', state: 'ORDER_STATE_OPEN', amount: { currencyCode: 'EUR', minorUnits: '700' } });

      const get = await cli('order', 'get', 'MO', 'O1', '--json');
      expect(json(get).buyerId).to.equal('B1');

      const done = await cli('order', 'complete', 'MO', 'O1');
      expect(done.out).to.match(/state\s+COMPLETED/);
      const refunded = await cli('order', 'refund', 'MO', 'O2', '--reason', 'damaged in transit', '--json');
      expect(json(refunded)).to.deep.include({ state: 'ORDER_STATE_REFUNDED', refundReason: 'damaged in transit' });
      const human = await cli('order', 'get', 'MO', 'O2');
      expect(human.out).to.match(/refund reason\s+damaged in transit/);
    });

    it('should print the gRPC code and reason of an error and exit 1 (--json: an error document on stdout)', async () => {
      const r = await cli('order', 'get', 'MO', 'NOPE');
      expect(r.code).to.equal(1);
      expect(r.out).to.equal('');
      expect(r.err).to.equal('error: NOT_FOUND ORDER_NOT_FOUND: order NOPE not found\n');

      const refund = await cli('order', 'refund', 'MO', 'O1');
      expect(refund.code).to.equal(1);
      expect(refund.err).to.match(/^error: FAILED_PRECONDITION ORDER_COMPLETED: /);

      const clash = await cli('--json', 'order', 'record', 'MO', 'O1', '--buyer', 'OTHER', '--amount', '12500', '--currency', 'USD');
      expect(clash.code).to.equal(1);
      expect(json(clash).error).to.deep.include({ code: 'ALREADY_EXISTS', reason: 'ORDER_ALREADY_EXISTS' });
      expect(clash.err).to.match(/^error: ALREADY_EXISTS ORDER_ALREADY_EXISTS: /);

      const bad = await cli('order', 'record', 'MO', 'O9', '--buyer', 'B', '--amount', '0', '--currency', 'USD');
      expect(bad.err).to.match(/^error: INVALID_ARGUMENT INVALID_AMOUNT: /);
      expect(bad.err).not.to.include('    at ');
    });

    it('should say where it tried to connect when no server answers', async () => {
      const r = await run(['--target', '127.0.0.1:1', 'merchant', 'get', 'M1']);
      expect(r.code).to.equal(1);
      expect(r.err).to.match(/^error: UNAVAILABLE: .*is orderpool serving at 127\.0\.0\.1:1\?/);
    });
  });

  describe('financing and merchant', () => {
    const fid = (r: Run) => String(json(r).financingId);

    it('should take a financing from request through verification and confirmation to completion, and read it back', async () => {
      for (let i = 1; i <= 3; i++) {
        expect((await cli('order', 'record', 'MF', `O${i}`, '--buyer', `B${i}`, '--amount', '20000', '--currency', 'USD')).code).to.equal(0);
      }
      // LV asks for a code at a pool of 50000 USD or more.
      const req = await cli('--json', 'financing', 'request', 'MF', '--lender', 'LV', '--amount', '40000', '--currency', 'USD', '--request-id', 'r-1');
      expect(req.code, req.err).to.equal(0);
      expect(json(req)).to.deep.include({ state: 'FINANCING_STATE_AWAITING_VERIFICATION', poolOrderCount: '3', requestId: 'r-1' });
      const id = fid(req);
      const again = await cli('--json', 'financing', 'request', 'MF', '--lender', 'LV', '--amount', '40000', '--currency', 'USD', '--request-id', 'r-1');
      expect(fid(again)).to.equal(id);

      const code = (await h.gw.waitFor((c) => c.method === 'SendVerificationCode' && c.financingId === id)).request.code as string;
      const wrong = await cli('financing', 'verify', 'MF', id, '--code', code === '000000' ? '111111' : '000000');
      expect(wrong.code).to.equal(1);
      expect(wrong.err).to.match(/^error: INVALID_ARGUMENT VERIFICATION_CODE_MISMATCH: /);
      const ver = await cli('financing', 'verify', 'MF', id, '--code', code);
      expect(ver.code, ver.err).to.equal(0);
      expect(ver.out).to.match(new RegExp(`^financing ${id} of merchant MF \\(lender LV\\)\\n`));
      expect(ver.out).to.match(/state\s+NOTIFIED/);
      expect(ver.out).to.match(/deadline\s+lender must confirm by /);

      const conf = await cli('financing', 'confirm', 'MF', id, '--lender', 'LV', '--amount', '40000', '--currency', 'USD', '--reference', 'wire-1');
      expect(conf.code, conf.err).to.equal(0);
      expect(conf.out).to.match(/state\s+SETTLING/);
      expect(conf.out).to.match(/outstanding\s+40000 USD \(repaid 0 USD\)/);

      const pool = await cli('financing', 'pool', 'MF', id);
      expect(pool.out.split('\n')[0]).to.match(/^ORDER\s+BUYER\s+AMOUNT\s+STATE/);
      expect(pool.out).to.include('3 orders, 60000 USD');
      const pj = await cli('financing', 'pool', 'MF', id, '--json');
      expect(json(pj).orders.map((o: { orderId: string }) => o.orderId)).to.deep.equal(['O1', 'O2', 'O3']);

      const done = await cli('--json', 'order', 'complete', 'MF', 'O1');
      expect(json(done).repayment).to.deep.equal({ currencyCode: 'USD', minorUnits: '10000' });
      const f = await cli('financing', 'get', 'MF', id, '--json');
      expect(json(f)).to.deep.include({ state: 'FINANCING_STATE_SETTLING', repaid: { currencyCode: 'USD', minorUnits: '10000' } });
      expect(json(f).outstanding.minorUnits).to.equal('30000');

      const m = await cli('merchant', 'get', 'MF');
      expect(m.out).to.match(/^merchant MF\n/);
      expect(m.out).to.match(/state\s+settling/);
      expect(m.out).to.include(`active       ${id} SETTLING: pool 40000 USD in 2 orders, outstanding 30000 USD`);
      const mj = await cli('merchant', 'get', 'MF', '--json');
      expect(json(mj)).to.deep.include({ merchantId: 'MF', state: 'MERCHANT_STATE_SETTLING', ordersCompleted: '1' });

      const ev = await cli('merchant', 'events', 'MF');
      const lines = ev.out.trim().split('\n');
      expect(lines[0]).to.match(/^#1\s+\S+Z\s+ORDER_RECORDED\s+order O1 20000 USD from buyer B1$/);
      expect(ev.out).to.match(/VERIFICATION_FAILED\s+\S+ wrong code; 4 attempts left/);
      expect(ev.out).to.match(/ORDER_COMPLETED\s+order O1 20000 USD completed; 10000 USD repaid to the lender/);
      const last = Number(json(mj).lastSequence);
      expect(lines).to.have.length(last);
      const evj = await cli('merchant', 'events', 'MF', '--from', '2', '--limit', '2', '--json');
      expect(json(evj).events.map((e: { sequence: string }) => e.sequence)).to.deep.equal(['2', '3']);
      expect(json(evj).events[0].eventTime).to.match(/Z$/);
    });

    it('should cancel and decline financings', async () => {
      await cli('order', 'record', 'MC', 'O1', '--buyer', 'B', '--amount', '5000', '--currency', 'USD');
      const a = await cli('--json', 'financing', 'request', 'MC', '--lender', 'L1', '--amount', '1000', '--currency', 'USD');
      expect(json(a).state).to.equal('FINANCING_STATE_NOTIFIED');
      expect(json(a).requestId).to.match(/^[0-9a-f-]{36}$/);
      const c = await cli('financing', 'cancel', 'MC', fid(a), '--reason', 'changed my mind');
      expect(c.code, c.err).to.equal(0);
      expect(c.out).to.match(/state\s+CANCELLED/);
      expect(c.out).to.match(/end reason\s+changed my mind/);

      const human = await cli('financing', 'request', 'MC', '--lender', 'L1', '--amount', '1000', '--currency', 'USD');
      expect(human.err).to.match(/^request id \S+ \(re-run with --request-id \S+ to retry safely\)/);
      const id = /^financing (\S+) of/.exec(human.out)![1]!;
      const wrongLender = await cli('financing', 'decline', 'MC', id, '--lender', 'LV');
      expect(wrongLender.err).to.match(/^error: PERMISSION_DENIED LENDER_MISMATCH: /);
      const d = await cli('financing', 'decline', 'MC', id, '--lender', 'L1', '--reason', 'risk', '--json');
      expect(json(d)).to.deep.include({ state: 'FINANCING_STATE_DECLINED', endReason: 'risk' });
      const unknown = await cli('financing', 'get', 'MC', 'fin-nope');
      expect(unknown.err).to.equal('error: NOT_FOUND FINANCING_NOT_FOUND: financing fin-nope not found\n');
    });
  });

  describe('watch', () => {
    /** Resolves once a WatchMerchant stream of the merchant is subscribed to live events. */
    async function watcherOn(merchantId: string): Promise<void> {
      for (let i = 0; h.server.core.hub.watchers(merchantId) === 0; i++) {
        if (i > 1000) throw new Error('the watcher never subscribed');
        await new Promise((r) => setTimeout(r, 5));
      }
    }

    it('should replay from --from, then follow live events, one line per event', async () => {
      await cli('order', 'record', 'MW', 'O1', '--buyer', 'B', '--amount', '100', '--currency', 'USD');
      await cli('order', 'record', 'MW', 'O2', '--buyer', 'B', '--amount', '200', '--currency', 'USD');
      const watching = cli('watch', 'MW', '--from', '2', '--count', '3');
      await watcherOn('MW');
      await cli('order', 'record', 'MW', 'O3', '--buyer', 'B', '--amount', '300', '--currency', 'USD');
      await cli('order', 'complete', 'MW', 'O3');
      const w = await watching;
      expect(w.code, w.err).to.equal(0);
      const lines = w.out.trim().split('\n');
      expect(lines).to.have.length(3);
      expect(lines[0]).to.match(/^#2\s+\S+\s+ORDER_RECORDED\s+order O2 200 USD/);
      expect(lines[1]).to.match(/^#3\s+\S+\s+ORDER_RECORDED\s+order O3 300 USD/);
      expect(lines[2]).to.match(/^#4\s+\S+\s+ORDER_COMPLETED\s+order O3 300 USD completed$/);
    });

    it('should start at the next event without --from, print JSON lines, and stop on a signal', async () => {
      const stop = new AbortController();
      let out = '';
      const watching = main(['--target', h.server.address, '--json', 'watch', 'MW'], {
        stdout: { write: (s: string) => (out += s) },
        stderr: { write: () => true },
        signal: stop.signal,
        interrupt: { claimed: false },
      });
      await watcherOn('MW');
      await cli('order', 'record', 'MW', 'O4', '--buyer', 'B', '--amount', '400', '--currency', 'USD');
      for (let i = 0; !out.includes('\n'); i++) {
        if (i > 1000) throw new Error('no event arrived');
        await new Promise((r) => setTimeout(r, 5));
      }
      stop.abort();
      expect(await watching).to.equal(0);
      const events = out.trim().split('\n').map((l) => JSON.parse(l) as { sequence: string; type: string; order: { orderId: string } });
      expect(events.map((e) => [e.sequence, e.type, e.order.orderId])).to.deep.equal([['5', 'MERCHANT_EVENT_TYPE_ORDER_RECORDED', 'O4']]);
    });

    it('should fail with the reason for an unknown merchant', async () => {
      const w = await cli('watch', 'NOBODY', '--from', '1');
      expect(w.code).to.equal(1);
      expect(w.err).to.match(/^error: NOT_FOUND MERCHANT_NOT_FOUND: .*\nresume with: orderpool watch NOBODY --from 1\n$/);
    });
  });

  describe('import', () => {
    it('should import a CSV, report a summary and write the failed lines (with the header) to FILE.failed', async () => {
      const dir = tmpDir();
      const file = path.join(dir, 'orders.csv');
      writeFileSync(file, [
        'type,merchant_id,order_id,buyer_id,amount,currency,reason',
        'record,MI,A1,B1,1000,USD,',
        'record,MI,A2,B1,12.50,USD,',
        'record,MI,"A,3",B2,2500,usd,',
        '',
        'record,MI,A4,B1,0,USD,',
        'complete,MI,A1,,,,',
        'refund,MI,A3-missing,,,,"never, recorded"',
        'refund,MI,"A,3",,,,"damaged, returned"',
      ].join('\n'));
      const r = await cli('import', file);
      expect(r.code).to.equal(1);
      expect(r.out).to.match(/^imported 4 of 7 events from .*orders\.csv in [\d.]+s.*: 2 recorded, 1 completed, 1 refunded\n/);
      expect(r.out).to.include('3 failed:\n');
      expect(r.out).to.include('  line 3: PARSE_ERROR: amount "12.50" is not an integer number of minor units');
      expect(r.out).to.include('  line 6: INVALID_ARGUMENT INVALID_AMOUNT: ');
      expect(r.out).to.include('  line 8: NOT_FOUND ORDER_NOT_FOUND: order A3-missing not found');
      expect(r.out).to.include(`the lines to retry are in ${file}.failed`);
      expect(readFileSync(`${file}.failed`, 'utf8')).to.equal([
        'type,merchant_id,order_id,buyer_id,amount,currency,reason',
        'record,MI,A2,B1,12.50,USD,',
        'record,MI,A4,B1,0,USD,',
        'refund,MI,A3-missing,,,,"never, recorded"',
        '',
      ].join('\n'));
      expect((await cli('order', 'get', 'MI', 'A,3', '--json')).out).to.include('"refundReason":"damaged, returned"');

      // --json and --failed-out; importing again is harmless (every event is idempotent).
      const out = path.join(dir, 'retry.csv');
      const j = await cli('--json', 'import', file, '--failed-out', out);
      expect(j.code).to.equal(1);
      expect(json(j)).to.deep.include({ lines: 7, succeeded: 4, failed: 3, notSent: 0, recorded: 2, completed: 1, refunded: 1, failedOut: out });
      expect(json(j).failures.map((f: { line: number; reason: string }) => [f.line, f.reason])).to.deep.equal([
        [3, 'PARSE_ERROR'], [6, 'INVALID_AMOUNT'], [8, 'ORDER_NOT_FOUND'],
      ]);
      expect(readFileSync(out, 'utf8')).to.equal(readFileSync(`${file}.failed`, 'utf8'));
    });

    it('should import NDJSON (flat and OrderEvent lines) and exit 0 when every line went through', async () => {
      const dir = tmpDir();
      const file = path.join(dir, 'events.ndjson');
      writeFileSync(file, [
        JSON.stringify({ merchant_id: 'MN', order_id: 'N1', buyer_id: 'B', amount: 1500, currency: 'USD' }),
        JSON.stringify({ record: { merchantId: 'MN', orderId: 'N2', buyerId: 'B', amount: { currencyCode: 'USD', minorUnits: '2500' } } }),
        JSON.stringify({ type: 'complete', merchantId: 'MN', orderId: 'N1' }),
        ...Array.from({ length: 200 }, (_, i) => JSON.stringify({ merchant_id: `MN${i % 7}`, order_id: `X${i}`, buyer_id: 'B', amount: String(100 + i), currency: 'USD' })),
      ].join('\n'));
      const r = await cli('import', file);
      expect(r.code, r.out + r.err).to.equal(0);
      expect(r.out).to.match(/^imported 203 of 203 events .*: 202 recorded, 1 completed, 0 refunded\n$/);
      expect(existsSync(`${file}.failed`)).to.equal(false);
      expect(json(await cli('merchant', 'get', 'MN', '--json')).ordersRecorded).to.equal('2');
      expect(json(await cli('order', 'get', 'MN3', 'X199', '--json')).amount.minorUnits).to.equal('299');
    });

    it('should refuse a CSV whose header names an unknown column (exit 2), and a missing file', async () => {
      const dir = tmpDir();
      const file = path.join(dir, 'bad.csv');
      writeFileSync(file, 'merchant,order\nM,O\n');
      const r = await cli('import', file);
      expect(r.code).to.equal(2);
      expect(r.err).to.match(/^error: CSV header: unknown column "merchant"/);
      const missing = await cli('import', path.join(dir, 'nope.csv'));
      expect(missing.code).to.equal(1);
      expect(missing.err).to.match(/^error: cannot read .*nope\.csv: ENOENT/);
    });
  });

  describe('backup and restore', () => {
    it('should back up the running store and restore it offline into a new data dir', async () => {
      const dir = tmpDir();
      const out = path.join(dir, 'backup');
      const b = await cli('backup', '--out', out);
      expect(b.code, b.err).to.equal(0);
      expect(b.out).to.match(new RegExp(`^backup written to ${out} on the server: \\d+ keys, \\d+ bytes, as of \\S+Z`));
      const again = await cli('backup', '--out', out, '--json');
      expect(again.code).to.equal(1);
      expect(json(again).error).to.deep.include({ code: 'FAILED_PRECONDITION', reason: 'BACKUP_DIR_NOT_EMPTY' });
      const relative = await cli('backup', '--out', 'relative/dir');
      expect(relative.err).to.match(/^error: INVALID_ARGUMENT INVALID_PATH: /);

      const restored = path.join(dir, 'restored');
      const r = await cli('restore', '--from', out, '--data-dir', restored);
      expect(r.code, r.err).to.equal(0);
      expect(r.out).to.match(/^restored \d+ keys \(\d+ bytes\) from .* into /);
      expect(r.out).to.include('consistency: every invariant holds for every merchant (0 violations)');
      const refused = await cli('restore', '--from', out, '--data-dir', restored);
      expect(refused.code).to.equal(1);
      expect(refused.err).to.match(/^error: .*restored exists and is not empty/);
      const rj = await cli('restore', '--from', out, '--data-dir', path.join(dir, 'restored-2'), '--json', '--no-check');
      expect(json(rj)).to.deep.include({ check: null });
      expect(json(rj).keyCount).to.equal(json(await cli('restore', '--from', out, '--data-dir', path.join(dir, 'r3'), '--json')).keyCount);
    });
  });

  describe('inspect (a stopped data dir)', () => {
    let dataDir: string;
    let gw: FakeGateway;
    let server: LocalServer;

    before(async () => {
      dataDir = path.join(tmpDir(), 'data');
      gw = await startFakeGateway();
      server = await startServer({ listen: '127.0.0.1:0', dataDir, notifier: gw.target, logger: pino({ level: 'silent' }), retryBaseMs: 5, retryMaxMs: 50 });
      const c = (...args: string[]) => run(['--target', server.address, ...args]);
      await c('lender', 'upsert', 'L1', '--gateway', gw.target, '--advance-rate-bps', '8000', '--repayment-share-bps', '5000', '--fee-bps', '200');
      for (let i = 1; i <= 4; i++) await c('order', 'record', 'M1', `O${i}`, '--buyer', 'B', '--amount', '10000', '--currency', 'USD');
      await c('order', 'record', 'M2', 'O1', '--buyer', 'B', '--amount', '10000', '--currency', 'USD');
      const f = json(await c('--json', 'financing', 'request', 'M1', '--lender', 'L1', '--amount', '15000', '--currency', 'USD', '--request-id', 'r1'));
      await c('financing', 'confirm', 'M1', f.financingId, '--lender', 'L1', '--amount', '15000', '--currency', 'USD', '--reference', 'w1');
      await c('order', 'complete', 'M1', 'O1');
      const locked = await run(['inspect', '--data-dir', dataDir]);
      expect(locked.code).to.equal(1);
      expect(locked.err).to.match(/^error: .* is locked by another process \(a running server\?\): LevelDB allows one process at a time/);
      await server.stop();
      await gw.stop();
    });

    it('should check the whole store and print a summary', async () => {
      const r = await run(['inspect', '--data-dir', dataDir]);
      expect(r.code, r.out + r.err).to.equal(0);
      expect(r.out).to.match(/^store .*data: 2 merchants, 5 orders, 1[0-9] events, 1 financings, 1 lenders, \d+ outbox rows, 0 pending deadlines\n/);
      expect(r.out).to.include('consistency: every invariant holds for every merchant (0 violations)');
      const j = json(await run(['inspect', '--data-dir', dataDir, '--json']));
      expect(j).to.deep.include({ merchants: 2, orders: 5, financings: 1, lenders: 1, violations: [] });
    });

    it("should show one merchant's snapshot, journal, orders, financings and outbox", async () => {
      const r = await run(['inspect', '--data-dir', dataDir, '--merchant', 'M1']);
      expect(r.code, r.err).to.equal(0);
      // The completion skipped the snapshot (the settling self-loop): the journal after it brings it up to date.
      expect(r.out).to.match(/^merchant M1 in .*\nsnapshot at #\d+: machine settling; 4 orders recorded, 0 completed.*\n  2 journal events after the snapshot/);
      expect(r.out).to.match(/\n  active financing fin-\S+ SETTLING: pool 20000 USD in 2 orders, outstanding 10300 USD\n/);
      expect(r.out).to.match(/\njournal: \d+ events\n  #1\s+\S+\s+ORDER_RECORDED\s+order O1 10000 USD/);
      expect(r.out).to.match(/\norders: 4\n  ORDER\s+BUYER\s+AMOUNT\s+STATE\s+FINANCING\s+REPAID\n  O1\s+B\s+10000 USD\s+COMPLETED\s+fin-\S+\s+5000 USD\n/);
      expect(r.out).to.match(/\nfinancings: 1\n/);
      expect(r.out).to.match(/\noutbox: \d+ rows waiting for delivery/);
      expect(r.out).to.match(/consistency: every invariant holds\n$/);
      const j = json(await run(['inspect', '--data-dir', dataDir, '--merchant', 'M1', '--json']));
      expect(j.snapshot.machine.value).to.equal('settling');
      expect(j.orders).to.have.length(4);
      expect(j.events[0]).to.deep.include({ seq: 1, type: 'ORDER_RECORDED' });
      expect(j.financings[0].repaid).to.equal('0'); // as stored with the snapshot
      expect(j.financingsNow[0].repaid).to.equal('5000');
      expect(j.violations).to.deep.equal([]);
      const none = await run(['inspect', '--data-dir', dataDir, '--merchant', 'NOBODY']);
      expect(none.code).to.equal(1);
      expect(none.err).to.match(/^error: merchant NOBODY is not in /);
    });

    it('should report violations and exit 1 when the store is damaged', async () => {
      const copy = path.join(tmpDir(), 'damaged');
      expect((await run(['restore', '--from', dataDir, '--data-dir', copy, '--no-check'])).code).to.equal(0);
      const db = new ClassicLevel<string, string>(copy);
      await db.open();
      await db.del(`e\x00M1\x00${'3'.padStart(12, '0')}`); // a hole in the journal
      const key = (await db.keys({ gte: 'f\x00M1\x00', lt: 'f\x00M1\x01' }).all())[0]!;
      const f = decode<Financing>((await db.get(key))!);
      f.repaid = 1n; // repaid no longer what the completed orders routed
      await db.put(key, encodeRecord(RECORDS.financing, f));
      await db.close();
      const r = await run(['inspect', '--data-dir', copy]);
      expect(r.code).to.equal(1);
      expect(r.out).to.match(/consistency: \d+ violations\n/);
      expect(r.out).to.include('merchant M1: journal: events #3..#3 are missing');
      expect(r.out).to.match(/merchant M1: stored I2 financing \S+ \(SETTLING\): outstanding \d+ != approved 15000 \+ fee 300 - repaid 1/);
      expect(r.out).to.match(/merchant M1: financing \S+: the stored record differs from the snapshot's active financing/);
      const j = json(await run(['inspect', '--data-dir', copy, '--json']));
      expect(j.violations.length).to.be.greaterThan(2);
      expect(j.violations.every((v: { merchantId: string }) => v.merchantId === 'M1')).to.equal(true);
    });
  });

  describe('TLS', () => {
    it('should connect with --tls-ca, and --tls-cert/--tls-key for mutual TLS, backups included', async function () {
      try {
        execFileSync('openssl', ['version'], { stdio: 'ignore' });
      } catch {
        this.skip();
      }
      const dir = tmpDir();
      const f = (name: string) => path.join(dir, name);
      const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
      const key = (name: string) => ssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', f(`${name}.key`));
      key('ca');
      ssl('req', '-x509', '-new', '-key', f('ca.key'), '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=cli test CA',
        '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
      for (const [name, ext] of [
        ['server', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n'],
        ['client', 'extendedKeyUsage=clientAuth\n'],
      ] as const) {
        key(name);
        ssl('req', '-new', '-key', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${name}`);
        writeFileSync(f(`${name}.ext`), ext);
        ssl('x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f(`${name}.pem`), '-days', '2', '-extfile', f(`${name}.ext`));
      }
      const server = await startServer({
        listen: '127.0.0.1:0', dataDir: path.join(dir, 'data'), logger: pino({ level: 'silent' }),
        tlsCert: f('server.pem'), tlsKey: f('server.key'), tlsClientCa: f('ca.pem'),
      });
      try {
        const tls = ['--target', server.address, '--tls-ca', f('ca.pem'), '--tls-cert', f('client.pem'), '--tls-key', f('client.key')];
        const ok = await run([...tls, 'order', 'record', 'MT', 'O1', '--buyer', 'B', '--amount', '100', '--currency', 'USD', '--json']);
        expect(ok.code, ok.err).to.equal(0);
        expect(json(ok).orderId).to.equal('O1');
        const b = await run([...tls, 'backup', '--out', path.join(dir, 'backup')]);
        expect(b.code, b.err).to.equal(0);
        const plain = await run(['--target', server.address, 'order', 'get', 'MT', 'O1']);
        expect(plain.code).to.equal(1);
        expect(plain.err).to.match(/^error: UNAVAILABLE: /);
        const half = await run([...tls.slice(0, 4), '--tls-cert', f('client.pem'), 'order', 'get', 'MT', 'O1']);
        expect(half.code).to.equal(2);
        expect(half.err).to.equal('error: --tls-cert and --tls-key go together\n');
      } finally {
        await server.stop();
      }
    });
  });

  describe('the bin (real processes)', () => {
    it('should serve until SIGTERM and answer `node bin/orderpool.js` commands with their exit codes', async () => {
      const dataDir = path.join(tmpDir(), 'data');
      const serve = spawnCli(['serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir]);
      const served = collect(serve);
      let logs = '';
      const address = await new Promise<string>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`serve did not start: ${logs}`)), 20_000);
        serve.stdout!.on('data', (d) => {
          logs += d;
          const m = /"address":"([^"]+)".*"msg":"orderpool serving"/.exec(logs);
          if (m) {
            clearTimeout(t);
            resolve(m[1]!);
          }
        });
      });
      const ok = await collect(spawnCli(['order', 'record', 'MB', 'O1', '--buyer', 'B', '--amount', '100', '--currency', 'USD', '--json'], { ORDERPOOL_TARGET: address }));
      expect(ok.code, ok.err).to.equal(0);
      expect(JSON.parse(ok.out)).to.deep.include({ orderId: 'O1', state: 'ORDER_STATE_OPEN' });
      const bad = await collect(spawnCli(['--target', address, 'order', 'get', 'MB', 'O2']));
      expect(bad.code).to.equal(1);
      expect(bad.err).to.equal('error: NOT_FOUND ORDER_NOT_FOUND: order O2 not found\n');
      serve.kill('SIGTERM');
      const s = await served;
      expect(s.code).to.equal(0);
      expect(s.out).to.include('"msg":"orderpool stopped"');
      const inspected = await collect(spawnCli(['inspect', '--data-dir', dataDir]));
      expect(inspected.code, inspected.err).to.equal(0);
      expect(inspected.out).to.match(/^store .*: 1 merchants, 1 orders, 1 events/);
    });
  });
});
