/**
 * A real server on 127.0.0.1:0 with a ManualClock, a fake lender gateway and
 * a fake notifier; restartable on the same data dir.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import pino from 'pino';
import type * as grpc from '@grpc/grpc-js';
import { startServer, type LocalServer, type ServerOptions } from '../src/server';
import { ManualClock } from '../src/runtime/clock';
import { startFakeGateway, type FakeGateway } from '../src/testing/fake-lender';
import { connect, type Clients } from '../src/testing/client';
import { errorInfoOf } from '../src/api/status';

export interface Harness {
  server: LocalServer;
  clock: ManualClock;
  gw: FakeGateway;
  api: Clients;
  dataDir: string;
  /** Stops (drains) the server and starts a new one on the same data dir. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startHarness(options: ServerOptions = {}): Promise<Harness> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'orderpool-test-'));
  const clock = new ManualClock();
  const gw = await startFakeGateway();
  const start = () => startServer({
    listen: '127.0.0.1:0', dataDir, clock, notifier: gw.target, retryBaseMs: 5, retryMaxMs: 50,
    logger: pino({ level: process.env.ORDERPOOL_TEST_LOG ?? 'silent' }), passivateAfterMs: 0,
    // Time stands still on a ManualClock: a lingering repayment would wait for a test to move it.
    repaymentLingerMs: 0, ...options,
  });
  const h: Harness = {
    server: await start(),
    clock,
    gw,
    api: undefined as unknown as Clients,
    dataDir,
    async restart() {
      h.api.close();
      await h.server.stop();
      h.server = await start();
      h.api = connect(h.server.address);
    },
    async stop() {
      h.api.close();
      await h.server.stop();
      await gw.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  h.api = connect(h.server.address);
  return h;
}

export const LENDER = {
  lenderId: 'L1',
  advanceRateBps: 8000,
  repaymentShareBps: 5000,
  feeBps: 200,
  minCompletedOrders: '0',
};

/** Asserts a call fails with this gRPC code and ErrorInfo reason. */
export async function expectError(p: Promise<unknown>, code: grpc.status, reason: string): Promise<grpc.ServiceError> {
  try {
    await p;
  } catch (e) {
    const err = e as grpc.ServiceError;
    const info = errorInfoOf(err);
    expect({ code: err.code, reason: info?.reason }).to.deep.equal({ code, reason });
    expect(info?.domain).to.equal('orderpool.v1');
    return err;
  }
  throw new Error(`expected ${reason}, but the call succeeded`);
}
