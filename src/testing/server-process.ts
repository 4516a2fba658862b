/**
 * The real server as a child process (`node --require tsx/cjs src/main.ts`), for
 * kill -9 tests and scripts/crash-test.ts: start it on a fresh loopback port
 * over a data dir, wait until it answers, and keep its last output for error
 * messages.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { connect, type Clients } from './client';

export const ROOT = path.resolve(__dirname, '..', '..');

export interface ServerProcess {
  child: ChildProcess;
  api: Clients;
  target: string;
  port: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last chunks of stdout and stderr. */
  output: string[];
  isDead(): boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A free loopback port not in `used` (a fresh port per life gives a fresh gRPC subchannel). */
export async function freePort(used: Set<number> = new Set()): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = net.createServer();
      srv.unref();
      srv.on('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    if (!used.has(port)) {
      used.add(port);
      return port;
    }
  }
}

export function tcpAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Stops a server child with SIGTERM (it drains), SIGKILL after 20 s; resolves once it exited. */
export async function stopChild(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const gone = new Promise<void>((r) => proc.once('exit', () => r()));
  proc.kill('SIGTERM');
  const t = setTimeout(() => proc.kill('SIGKILL'), 20_000);
  await gone;
  clearTimeout(t);
}

/**
 * Node's arguments that run the server as `npm start` does (package.json),
 * before the server's own flags: the bench, scale and crash tests start it so.
 */
export const SERVER_ARGS: readonly string[] = ['--require', 'tsx/cjs', 'src/main.ts'];

/**
 * The environment `npm start` gives the server (package.json, which runs
 * `node --require tsx/cjs src/main.ts` as these scripts do): glibc keeps two malloc
 * arenas instead of eight per core, which LevelDB's reads on libuv's threads
 * would otherwise fill.
 */
export function serverEnv(): NodeJS.ProcessEnv {
  return { ...process.env, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2' };
}

export interface StartOptions {
  dataDir: string;
  /** Extra flags after --listen and --data-dir. */
  args?: string[];
  usedPorts?: Set<number>;
  timeoutMs?: number;
}

/** Starts the server and resolves once it answers ListLenders. */
export async function startServerProcess(opts: StartOptions): Promise<ServerProcess> {
  const port = await freePort(opts.usedPorts);
  const target = `127.0.0.1:${port}`;
  const child = spawn(process.execPath, [...SERVER_ARGS, '--listen', target, '--data-dir', opts.dataDir, ...(opts.args ?? [])], {
    cwd: ROOT,
    env: serverEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const keep = (b: Buffer) => {
    output.push(b.toString());
    if (output.length > 200) output.shift();
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let dead = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      dead = true;
      resolve({ code, signal });
    }));
  const until = Date.now() + (opts.timeoutMs ?? 20_000);
  while (!(await tcpAccepts(port))) {
    if (dead) throw new Error(`server exited before serving:\n${output.join('')}`);
    if (Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`server did not serve within ${opts.timeoutMs ?? 20_000} ms:\n${output.join('')}`);
    }
    await sleep(20);
  }
  const api = connect(target);
  for (;;) {
    try {
      await api.listLenders({});
      break;
    } catch (e) {
      if (dead || Date.now() > until) {
        api.close();
        if (!dead) child.kill('SIGKILL');
        throw new Error(`server not answering: ${(e as Error).message}\n${output.join('')}`);
      }
      await sleep(20);
    }
  }
  return { child, api, target, port, exited, output, isDead: () => dead };
}
