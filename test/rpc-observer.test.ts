/**
 * src/observability/rpc-interceptor.ts, the unary handler wrapper on its own
 * (the end-to-end behaviour is in logs.test.ts and metrics.test.ts): a call
 * the client cancels, and a handler that throws, each end in exactly one
 * access line with their code, and the id rules hold for both answers and
 * errors.
 */
import { EventEmitter } from 'node:events';
import { expect } from 'chai';
import * as grpc from '@grpc/grpc-js';
import { createLogger } from '../src/observability/logger';
import { rpcObserver } from '../src/observability/rpc-interceptor';

const definition = {
  Get: { path: '/orderpool.v1.Test/Get', requestStream: false, responseStream: false, originalName: 'get' },
  Watch: { path: '/orderpool.v1.Test/Watch', requestStream: false, responseStream: true, originalName: 'watch' },
} as unknown as grpc.ServiceDefinition;

/** A stand-in for grpc-js's unary call: metadata, request, 'cancelled', sendMetadata. */
class FakeCall extends EventEmitter {
  sent: grpc.Metadata[] = [];
  constructor(readonly metadata: grpc.Metadata, readonly request: unknown = { merchantId: 'M1' }) {
    super();
  }
  sendMetadata(md: grpc.Metadata): void {
    this.sent.push(md);
  }
}

function setup() {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger('trace', { write: (s: string) => void lines.push(...s.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)) });
  return { lines: () => lines.filter((l) => l.msg === 'rpc'), rpc: rpcObserver(log) };
}

type Unary = (call: FakeCall, cb: grpc.sendUnaryData<unknown>) => void;

describe('rpc observer (unary handler wrapper)', () => {
  it('should wrap only the unary methods, and let the interceptor pass their calls through', () => {
    const { rpc } = setup();
    const watch = () => {};
    const get: Unary = (_call, cb) => cb(null, {});
    const out = rpc.service(definition, { get, watch }) as unknown as { get: Unary; watch: unknown };
    expect(out.get).to.not.equal(get);
    expect(out.watch).to.equal(watch);
    const passed = {} as grpc.ServerInterceptingCall;
    expect(rpc.interceptor({ path: '/orderpool.v1.Test/Get' } as grpc.ServerMethodDefinition<unknown, unknown>, passed)).to.equal(passed);
  });

  it("should echo the caller's id on an answer, and send none when the caller sent none", () => {
    const { rpc, lines } = setup();
    const out = rpc.service(definition, { get: ((_c, cb) => cb(null, { ok: true })) as Unary }) as unknown as { get: Unary };
    const md = new grpc.Metadata();
    md.set('x-request-id', 'abc-1');
    const named = new FakeCall(md);
    let answered: unknown;
    out.get(named, (err, value) => (answered = err ?? value));
    expect(answered).to.deep.equal({ ok: true });
    expect(named.sent.map((m) => m.get('x-request-id'))).to.deep.equal([['abc-1']]);
    const unnamed = new FakeCall(new grpc.Metadata());
    out.get(unnamed, () => {});
    expect(unnamed.sent).to.deep.equal([]);
    expect(lines().map((l) => [l.grpcCode, typeof l.requestId])).to.deep.equal([['OK', 'string'], ['OK', 'string']]);
    expect(lines()[0]!.requestId).to.equal('abc-1');
    expect(String(lines()[1]!.requestId)).to.match(/^[0-9a-f-]{36}$/);
  });

  it('should put the id in the trailers of an error, and log it with the error', () => {
    const { rpc, lines } = setup();
    const out = rpc.service(definition, { get: ((_c, cb) => cb({ code: grpc.status.NOT_FOUND, details: 'no' })) as Unary }) as unknown as { get: Unary };
    let err: grpc.ServerErrorResponse | null = null;
    out.get(new FakeCall(new grpc.Metadata()), (e) => (err = e as grpc.ServerErrorResponse));
    const id = String(err!.metadata!.get('x-request-id')[0]);
    expect(id).to.match(/^[0-9a-f-]{36}$/);
    expect(lines()).to.have.length(1);
    expect(lines()[0]).to.include({ requestId: id, grpcCode: 'NOT_FOUND', method: 'Get', merchantId: 'M1' });
  });

  it('should log a call the client cancelled once, as CANCELLED, even when its answer comes later', () => {
    const { rpc, lines } = setup();
    let later: grpc.sendUnaryData<unknown> | undefined;
    const out = rpc.service(definition, { get: ((_c, cb) => (later = cb)) as Unary }) as unknown as { get: Unary };
    const call = new FakeCall(new grpc.Metadata());
    let answered = false;
    out.get(call, () => (answered = true));
    call.emit('cancelled', 'cancelled');
    later!(null, {});
    expect(answered).to.equal(true);
    expect(lines().map((l) => l.grpcCode)).to.deep.equal(['CANCELLED']);
  });

  it('should log a handler that throws as UNKNOWN and let grpc-js answer it', () => {
    const { rpc, lines } = setup();
    const out = rpc.service(definition, { get: (() => { throw new Error('bug'); }) as Unary }) as unknown as { get: Unary };
    expect(() => out.get(new FakeCall(new grpc.Metadata()), () => {})).to.throw('bug');
    expect(lines().map((l) => [l.grpcCode, l.level])).to.deep.equal([['UNKNOWN', 50]]);
  });
});
