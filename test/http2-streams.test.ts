/**
 * The stream table given to each HTTP/2 session (src/api/http2-streams.ts):
 * node:http2 must work on it exactly as on its own Map, and the server must
 * give it to the sessions it accepts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import pino from 'pino';
import { untangleSession } from '../src/api/http2-streams';
import { IntTable } from '../src/runtime/int-table';
import { startService } from '../src/server';
import { connect } from '../src/testing/client';
import { LENDER } from './harness';

function streamsOf(session: http2.Http2Session): unknown {
  const kState = Object.getOwnPropertySymbols(session).find((s) => s.description === 'state')!;
  return (session as unknown as Record<symbol, { streams: unknown }>)[kState]!.streams;
}

function request(client: http2.ClientHttp2Session, p: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = client.request({ ':path': p });
    let body = '';
    let status = 0;
    req.on('response', (h) => (status = Number(h[':status'])));
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => resolve({ status, body }));
    req.on('error', reject);
  });
}

describe('HTTP/2 stream tables (src/api/http2-streams.ts)', () => {
  it('node:http2 serves, counts and closes streams on the table as on its Map', async () => {
    const sessions: http2.ServerHttp2Session[] = [];
    const held: http2.ServerHttp2Stream[] = [];
    const server = http2.createServer();
    server.on('session', (s) => {
      expect(untangleSession(s)).to.equal(true);
      sessions.push(s);
    });
    server.on('stream', (stream, headers) => {
      if (headers[':path'] === '/hold') {
        held.push(stream);
        return;
      }
      stream.respond({ ':status': 200 });
      stream.end(`hello ${headers[':path']}`);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const client = http2.connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    client.on('error', () => {});
    try {
      const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => request(client, `/${i}`)));
      expect(answers.map((a) => a.body)).to.deep.equal(Array.from({ length: 50 }, (_, i) => `hello /${i}`));
      const table = streamsOf(sessions[0]!) as IntTable<unknown>;
      expect(table).to.be.instanceOf(IntTable);
      // Two streams left open: the table holds them, and a session's destroy closes them through forEach.
      const a = request(client, '/hold');
      const b = request(client, '/hold');
      while (held.length < 2) await new Promise((r) => setTimeout(r, 5));
      expect(table.size).to.equal(2);
      const closed = held.map((s) => new Promise((r) => s.on('close', r)));
      sessions[0]!.destroy();
      await Promise.all(closed);
      expect(table.size).to.equal(0);
      await Promise.allSettled([a, b]);
    } finally {
      client.destroy();
      await new Promise((r) => server.close(r));
    }
  });

  it('leaves a session that is not as expected alone', () => {
    const kState = Symbol('state');
    const odd = { [kState]: { streams: new Set([1]) } } as unknown as http2.Http2Session;
    expect(untangleSession(odd)).to.equal(false);
    expect((odd as unknown as Record<symbol, { streams: unknown }>)[kState]!.streams).to.be.instanceOf(Set);
    expect(untangleSession({} as http2.Http2Session)).to.equal(false);
  });

  it('the server gives every session it accepts the table', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'orderpool-test-'));
    const server = await startService({ listen: '127.0.0.1:0', dataDir, logger: pino({ level: 'silent' }), logLevel: 'silent' });
    const api = connect(server.address);
    let raw: http2.ClientHttp2Session | undefined;
    try {
      await api.upsertLender({ lender: { ...LENDER, gatewayTarget: '127.0.0.1:1' } });
      expect((await api.getLender({ lenderId: 'L1' })).lenderId).to.equal('L1');
      expect(server.http2Sessions.servers).to.equal(1);
      expect(server.http2Sessions.untangled()).to.equal(1);
      // A second connection is a second session (grpc-js clients of one target share theirs).
      raw = http2.connect(`http://${server.address}`);
      raw.on('error', () => {});
      const { status } = await request(raw, '/orderpool.v1.LenderAdminService/GetLender');
      expect(status).to.equal(415); // answered (grpc-js refuses a call without content-type application/grpc)
      expect(server.http2Sessions.untangled()).to.equal(2);
      expect(server.http2Sessions.missed()).to.equal(0);
    } finally {
      api.close();
      raw?.destroy();
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
