/**
 * src/gateways/unary-channel.ts and the lender side of src/gateways/clients.ts:
 * what goes on the wire, how every kind of answer (OK, an error status in the
 * trailers or alone in the headers, an HTTP error, none at all) becomes a
 * resolved call or a UnaryCallError, and that a connection that failed,
 * went away or went silent is not used again.
 */
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import pino from 'pino';
import { packageDefinition } from '../src/api/proto-definition';
import { GrpcGatewayClients } from '../src/gateways/clients';
import { frame, UnaryCallError, UnaryChannel } from '../src/gateways/unary-channel';
import { startFakeGateway, type FakeGateway } from '../src/testing/fake-lender';
import type { Effect, Lender } from '../src/domain/types';

const REPAY = '/orderpool.v1.LenderGatewayService/ReceiveRepayment';
const svc = packageDefinition['orderpool.v1.LenderGatewayService'] as unknown as Record<string, {
  requestSerialize: (v: object) => Buffer; requestDeserialize: (b: Buffer) => Record<string, unknown>;
}>;

function effect(method: Effect['method'], over: Partial<Effect> = {}): Effect {
  return {
    idempotencyKey: `M1:7:${method}`, method, lenderId: 'L1', merchantId: 'M1', financingId: 'F1', createTime: 1, seq: 7,
    currency: 'USD', amount: 500n, fee: 25n, poolTotal: 9000n, poolOrderCount: 9, outstanding: 4500n, orderIds: ['O1', 'O2'],
    underCovered: true, finalState: 'REPAID', reason: 'all repaid', deadline: Date.UTC(2026, 0, 2), code: '',
    ...over,
  } as Effect;
}

/** An HTTP/2 server that answers each stream as `answer` says, and records what it received. */
async function rawServer(answer: (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, body: Buffer) => void) {
  const received: { headers: http2.IncomingHttpHeaders; body: Buffer }[] = [];
  let sessions = 0;
  const server = http2.createServer();
  server.on('session', () => sessions++);
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const body = Buffer.concat(chunks);
      received.push({ headers, body });
      answer(stream, headers, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    target: `127.0.0.1:${port}`, received, sessions: () => sessions,
    close: () => new Promise<void>((r) => server.close(() => r())),
    server,
  };
}

async function rejection(p: Promise<unknown>): Promise<UnaryCallError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(UnaryCallError);
    return e as UnaryCallError;
  }
  throw new Error('expected the call to fail');
}

describe('UnaryChannel', () => {
  const closers: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
  });

  it('should send one length-prefixed message with the gRPC request headers', async () => {
    const s = await rawServer((stream) => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'grpc-message': 'OK' }));
      stream.end(frame(new Uint8Array(0)));
    });
    closers.push(s.close);
    const ch = new UnaryChannel(s.target);
    closers.push(() => ch.close());
    const message = svc.ReceiveRepayment!.requestSerialize({ idempotencyKey: 'K1', merchantId: 'M1', orderIds: ['O1'] });
    await ch.call(REPAY, message, 2500);
    const { headers, body } = s.received[0]!;
    expect(headers[':method']).to.equal('POST');
    expect(headers[':path']).to.equal(REPAY);
    expect(headers['content-type']).to.equal('application/grpc');
    expect(headers.te).to.equal('trailers');
    expect(headers['grpc-timeout']).to.equal('2500m');
    expect(body[0]).to.equal(0); // not compressed
    expect(body.readUInt32BE(1)).to.equal(body.length - 5);
    expect(svc.ReceiveRepayment!.requestDeserialize(body.subarray(5))).to.include({ idempotencyKey: 'K1', merchantId: 'M1' });
    // grpc-timeout has at most 8 digits: a longer deadline goes in seconds.
    await ch.call(REPAY, message, 250_000_000);
    expect(s.received[1]!.headers['grpc-timeout']).to.equal('250000S');
  });

  it('should fail with the status and decoded message of an error in the trailers, or alone in the headers', async () => {
    let n = 0;
    const s = await rawServer((stream) => {
      if (n++ === 0) {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '9', 'grpc-message': 'not%20now%3A%20later' }));
        stream.end();
      } else {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '7', 'grpc-message': 'who%20are%20you' }, { endStream: true });
      }
    });
    closers.push(s.close);
    const ch = new UnaryChannel(s.target);
    closers.push(() => ch.close());
    const a = await rejection(ch.call(REPAY, new Uint8Array(0), 2000));
    expect([a.code, a.details]).to.deep.equal([9, 'not now: later']);
    expect(a.message).to.equal('9 FAILED_PRECONDITION: not now: later');
    const b = await rejection(ch.call(REPAY, new Uint8Array(0), 2000));
    expect([b.code, b.details]).to.deep.equal([7, 'who are you']);
  });

  it('should fail an answer that is not HTTP 200 with the status gRPC maps it to, and one without a grpc-status as INTERNAL', async () => {
    const answers = [503, 404, 200];
    const s = await rawServer((stream) => {
      const status = answers.shift()!;
      stream.respond({ ':status': status }, { endStream: true });
    });
    closers.push(s.close);
    const ch = new UnaryChannel(s.target);
    closers.push(() => ch.close());
    expect((await rejection(ch.call(REPAY, new Uint8Array(0), 2000))).code).to.equal(14); // UNAVAILABLE
    expect((await rejection(ch.call(REPAY, new Uint8Array(0), 2000))).code).to.equal(12); // UNIMPLEMENTED
    expect((await rejection(ch.call(REPAY, new Uint8Array(0), 2000))).code).to.equal(13); // INTERNAL
  });

  it('should cancel a call past its deadline and make the next call on a new connection', async () => {
    let silent = true;
    const s = await rawServer((stream) => {
      if (silent) return; // never answers
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '0' }, { endStream: true });
    });
    closers.push(s.close);
    const ch = new UnaryChannel(s.target);
    closers.push(() => ch.close());
    const t0 = Date.now();
    const e = await rejection(ch.call(REPAY, new Uint8Array(0), 150));
    expect(e.code).to.equal(4); // DEADLINE_EXCEEDED
    expect(Date.now() - t0).to.be.within(140, 1500);
    expect(s.sessions()).to.equal(1);
    silent = false;
    await ch.call(REPAY, new Uint8Array(0), 2000);
    expect(s.sessions()).to.equal(2);
  });

  it('should fail as UNAVAILABLE while nothing listens, and reach the gateway once it does', async () => {
    const gw = await startFakeGateway('127.0.0.1', 0);
    const port = gw.port;
    await gw.stop();
    const ch = new UnaryChannel(`127.0.0.1:${port}`);
    closers.push(() => ch.close());
    const message = svc.ReceiveRepayment!.requestSerialize({ idempotencyKey: 'K9', merchantId: 'M1', financingId: 'F1' });
    expect((await rejection(ch.call(REPAY, message, 2000))).code).to.equal(14);
    const again = await startFakeGateway('127.0.0.1', port);
    closers.push(() => again.stop());
    await ch.call(REPAY, message, 2000);
    expect(again.calls.map((c) => c.idempotencyKey)).to.deep.equal(['K9']);
  });

  it('should not use a connection the gateway closed for the calls after it', async () => {
    let gw: FakeGateway = await startFakeGateway('127.0.0.1', 0);
    const port = gw.port;
    const ch = new UnaryChannel(`127.0.0.1:${port}`);
    closers.push(() => ch.close());
    const message = (k: string) => svc.ReceiveRepayment!.requestSerialize({ idempotencyKey: k, merchantId: 'M1', financingId: 'F1' });
    await ch.call(REPAY, message('K1'), 2000);
    await gw.stop(); // GOAWAY, then the connection closes
    gw = await startFakeGateway('127.0.0.1', port);
    closers.push(() => gw.stop());
    // At most one failure while the old connection's end reaches the channel; then the new gateway gets it.
    for (let i = 0; ; i++) {
      try {
        await ch.call(REPAY, message('K2'), 2000);
        break;
      } catch (e) {
        expect(i).to.equal(0);
        expect((e as UnaryCallError).code).to.equal(14);
      }
    }
    expect(gw.calls.map((c) => c.idempotencyKey)).to.deep.equal(['K2']);
  });
});

describe('GrpcGatewayClients (lenders)', () => {
  let gw: FakeGateway;
  let clients: GrpcGatewayClients;
  afterEach(async () => {
    clients?.close();
    await gw?.stop();
  });

  it('should deliver each lender method with its fields, and fail with the gateway\'s status when it is down', async () => {
    gw = await startFakeGateway();
    const lender = { lenderId: 'L1', gatewayTarget: gw.target } as Lender;
    clients = new GrpcGatewayClients((id) => (id === 'L1' ? lender : undefined), '', pino({ level: 'silent' }));
    for (const m of ['AuthorizeDisbursement', 'ReceiveRepayment', 'ReceiveCoverageAlert', 'ReceiveFinancingClosed'] as const) {
      await clients.send(effect(m), 2000);
    }
    const byMethod = new Map(gw.calls.map((c) => [c.method, c.request]));
    expect(byMethod.get('AuthorizeDisbursement')).to.deep.include({
      idempotencyKey: 'M1:7:AuthorizeDisbursement', merchantId: 'M1', financingId: 'F1', poolOrderCount: '9',
      amount: { currencyCode: 'USD', minorUnits: '500' }, fee: { currencyCode: 'USD', minorUnits: '25' }, poolTotal: { currencyCode: 'USD', minorUnits: '9000' },
    });
    expect(byMethod.get('ReceiveRepayment')).to.deep.include({
      idempotencyKey: 'M1:7:ReceiveRepayment', orderIds: ['O1', 'O2'],
      amount: { currencyCode: 'USD', minorUnits: '500' }, outstanding: { currencyCode: 'USD', minorUnits: '4500' },
    });
    expect(byMethod.get('ReceiveCoverageAlert')).to.deep.include({ underCovered: true, outstanding: { currencyCode: 'USD', minorUnits: '4500' } });
    expect(byMethod.get('ReceiveFinancingClosed')).to.deep.include({
      state: 'FINANCING_STATE_REPAID', reason: 'all repaid', repaid: { currencyCode: 'USD', minorUnits: '500' },
    });
    gw.down = true;
    const e = await rejection(clients.send(effect('ReceiveRepayment', { idempotencyKey: 'M1:8:ReceiveRepayment' }), 2000));
    expect([e.code, e.details]).to.deep.equal([14, 'fake gateway is down']);
    const unknown = await clients.send(effect('ReceiveRepayment', { lenderId: 'L2' }), 2000).then(() => undefined, (x: Error) => x);
    expect(unknown?.message).to.equal('lender L2 is not registered');
  });
});
