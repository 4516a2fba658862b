/**
 * `npm run demo` end to end: a real server in-process (its notifier pointed at
 * the port the demo's fake gateway will take), and the demo's runDemo().
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import pino from 'pino';
import { startServer, type RunningServer } from '../src/server';
import { DemoError, runDemo } from '../scripts/demo';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

describe('npm run demo', () => {
  let dataDir: string;
  let server: RunningServer | undefined;

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'orderpool-demo-'));
  });
  afterEach(async () => {
    await server?.stop();
    server = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('should walk one financing to REPAID, and the lender should receive exactly what was repaid', async () => {
    const gatewayPort = await freePort();
    server = await startServer({
      listen: '127.0.0.1:0', dataDir, notifier: `127.0.0.1:${gatewayPort}`, logger: pino({ level: 'silent' }), retryBaseMs: 5, retryMaxMs: 50,
    });
    const lines: string[] = [];
    const r = await runDemo({ target: server.address, gatewayPort, log: (l) => lines.push(l) });
    const out = lines.join('\n');

    expect(r.state).to.equal('FINANCING_STATE_REPAID');
    expect(r.outstanding).to.equal(0n);
    expect(r.repaid).to.equal(r.approved + r.fee);
    expect(r.lenderReceived).to.equal(r.repaid);
    expect(r.repayments.reduce((s, p) => s + p.amount, 0n)).to.equal(r.repaid);
    expect(r.topUps.length).to.be.greaterThan(0);
    expect(out).to.include('AWAITING_VERIFICATION');
    expect(out).to.include('RefundOrder');
    expect(out).to.include('top-up');
    expect(out).to.match(/OK: the lender received exactly what was repaid/);

    // It can be re-run against the same server (fresh merchant id).
    const again = await runDemo({ target: server.address, gatewayPort, log: () => {}, merchantId: `${r.merchantId}-2` });
    expect(again.state).to.equal('FINANCING_STATE_REPAID');
    expect(again.lenderReceived).to.equal(again.repaid);
  });

  it('should tell the user to restart with --notifier when no code arrives', async () => {
    const gatewayPort = await freePort();
    server = await startServer({ listen: '127.0.0.1:0', dataDir, logger: pino({ level: 'silent' }) });
    let err: unknown;
    try {
      await runDemo({ target: server.address, gatewayPort, log: () => {}, codeTimeoutMs: 300 });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(DemoError);
    expect((err as Error).message).to.include(`npm start -- --notifier 127.0.0.1:${gatewayPort}`);
  });
});
