/**
 * `npm start` as a supervisor runs it: npm's own pid is what gets the
 * SIGTERM. The script execs node (package.json), so the server is npm's
 * child and the signal reaches it: it drains, closes LevelDB and exits, and
 * nothing is left holding the port or the data dir.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import { freePort, ROOT, startServerProcess, stopChild, tcpAccepts } from '../src/testing/server-process';
import { connect, usd } from '../src/testing/client';
import { RUNTIME_THREAD_NAME } from '../src/runtime/thread-protocol';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('npm start', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'orderpool-npm-start-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("should drain and exit when npm's own pid gets SIGTERM, leaving no server behind", async () => {
    const port = await freePort();
    const target = `127.0.0.1:${port}`;
    const npm = spawn('npm', ['start', '--silent', '--', '--listen', target, '--data-dir', path.join(dir, 'db'), '--log-level', 'info'], {
      cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    npm.stdout!.on('data', (b: Buffer) => (output += b.toString()));
    npm.stderr!.on('data', (b: Buffer) => (output += b.toString()));
    const exited = new Promise<number | null>((r) => npm.once('exit', (code) => r(code)));
    try {
      for (let i = 0; !(await tcpAccepts(port)); i++) {
        if (i > 1000 || npm.exitCode !== null) throw new Error(`npm start did not serve:\n${output}`);
        await sleep(20);
      }
      const api = connect(target);
      try {
        await api.recordOrder({ merchantId: 'M1', orderId: 'O1', buyerId: 'B1', amount: usd(1234) });
      } finally {
        api.close();
      }
      npm.kill('SIGTERM');
      await exited;
      // The server went with it: the port closes and LevelDB's lock is free.
      for (let i = 0; await tcpAccepts(port); i++) {
        if (i > 250) throw new Error(`the server still listens after npm exited:\n${output}`);
        await sleep(20);
      }
      expect(output).to.include('orderpool stopped');
    } finally {
      if (npm.exitCode === null) npm.kill('SIGKILL');
    }
    const again = await startServerProcess({ dataDir: path.join(dir, 'db') });
    try {
      const o = await again.api.getOrder({ merchantId: 'M1', orderId: 'O1' });
      expect(o.amount?.minorUnits).to.equal('1234');
    } finally {
      again.api.close();
      await stopChild(again.child);
    }
  });

  it('should name the runtime thread, and only it, for per-thread CPU figures (Linux)', async function () {
    if (!existsSync('/proc/thread-self/comm')) this.skip();
    const server = await startServerProcess({ dataDir: path.join(dir, 'db') });
    try {
      // Writes and syncs run on libuv's pool, and LevelDB starts its compaction thread: both exist now.
      for (let i = 0; i < 20; i++) await server.api.recordOrder({ merchantId: `M${i}`, orderId: 'O1', buyerId: 'B1', amount: usd(100) });
      const pid = server.child.pid!;
      const names = readdirSync(`/proc/${pid}/task`).map((tid) => readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim());
      expect(names.length).to.be.greaterThan(4);
      expect(names.filter((n) => n === RUNTIME_THREAD_NAME), names.join(',')).to.have.length(1);
    } finally {
      server.api.close();
      await stopChild(server.child);
    }
  });
});
