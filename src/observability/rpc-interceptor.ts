/**
 * What every RPC gets (orderpool's services, health, reflection), without
 * touching the handlers:
 *
 *  - a request id per call: the caller's `x-request-id` if it sent a sane
 *    one, else a new UUID. The caller's id is echoed in the answer's initial
 *    metadata; an error carries the id (the caller's or the new one) in its
 *    trailers. A success without a caller's id gets none back, and its UUID
 *    is only made if its log line is written: a unique header value on every
 *    answer is a new HPACK literal for both ends, and cost ~20 % of a
 *    GetLender call's server CPU and a third more of the load generator's;
 *  - an access log line when the call ends: request id, method, the ids the
 *    request names (merchant, order, financing, lender, request_id), the gRPC
 *    code, the ErrorInfo reason of an error, and the duration. Commands that
 *    move a financing or a lender, and the streams, log at info; order
 *    commands and reads at debug (they are the bulk of the traffic); INTERNAL
 *    at error. Request bodies are never logged: no verification codes, no
 *    tokens, no amounts;
 *  - the RPC metrics, when --metrics is on.
 *
 * Two ways in, one behaviour. The unary methods of orderpool's services
 * (the bulk of the traffic) get it from a wrapper around their handler
 * (RpcObserver.service). Everything else, the streams, health and
 * reflection, gets it from a grpc-js server interceptor
 * (RpcObserver.interceptor), which passes the wrapped methods through as
 * they are. An interceptor wraps a call in a ServerInterceptingCall: a layer
 * of listener and responder objects and a closure per event on every call
 * (docs/benchmarks.md, "Eighth session").
 */
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { Level, Logger } from 'pino';
import { errorInfoOfStatus } from '../api/status';
import { pb } from '../api/proto';
import { rawRequestDecoder } from '../api/order-commands';
import type { Metrics, RpcLabels } from './metrics';

const INFO_METHODS = new Set([
  'RequestFinancing', 'VerifyFinancing', 'CancelFinancing', 'ConfirmDisbursement', 'DeclineFinancing',
  'UpsertLender', 'StreamOrderEvents', 'WatchMerchant',
]);

/** The request fields copied into the log line; never `code` (a verification code). */
const ID_FIELDS = [
  ['merchantId', 'merchantId'], ['orderId', 'orderId'], ['financingId', 'financingId'], ['lenderId', 'lenderId'],
  ['requestId', 'financingRequestId'], ['fromSequence', 'fromSequence'],
] as const;

const CODE_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(grpc.status).filter(([, v]) => typeof v === 'number').map(([k, v]) => [v as number, k]),
);

interface MethodInfo {
  labels: RpcLabels;
  level: Level;
  unaryRequest: boolean;
  /** For methods served as raw bytes (src/api/order-commands.ts): decodes the request for the log line. */
  decode: ((bytes: Buffer) => unknown) | undefined;
}

/** grpc-js does not export PartialStatusObject. */
type PartialStatus = Parameters<grpc.FullResponder['sendStatus']>[0];

const SANE_ID = /^[\x21-\x7e]{1,128}$/;

/** The metadata (a new one when there is none) with `x-request-id` set to the call's id. */
function withRequestId(metadata: grpc.Metadata | null | undefined, id: string): grpc.Metadata {
  const md = metadata ?? new grpc.Metadata();
  md.set('x-request-id', id);
  return md;
}

/** The caller's x-request-id, if it sent a sane one; else ''. */
function givenId(metadata: grpc.Metadata): string {
  const given = metadata.get('x-request-id')[0];
  return typeof given === 'string' && SANE_ID.test(given) ? given : '';
}

export interface RpcObserver {
  /** The server interceptor (grpc.Server's `interceptors`): every method that `service` did not wrap. */
  interceptor: grpc.ServerInterceptor;
  /** The handlers with their unary methods wrapped (for server.addService). */
  service<H extends object>(definition: grpc.ServiceDefinition, handlers: H): H;
}

export function rpcObserver(log: Logger, metrics?: Metrics): RpcObserver {
  const methods = new Map<string, MethodInfo>();
  /** Paths whose handler is wrapped: the interceptor lets their calls through untouched. */
  const wrapped = new Set<string>();
  const infoOf = (d: { path: string; requestStream: boolean; responseStream: boolean }): MethodInfo => {
    let info = methods.get(d.path);
    if (!info) {
      const [, service = '', method = d.path] = /^\/([^/]+)\/([^/]+)$/.exec(d.path) ?? [];
      const type = d.requestStream ? (d.responseStream ? 'bidi_stream' : 'client_stream') : (d.responseStream ? 'server_stream' : 'unary');
      const ours = service.startsWith('orderpool.');
      info = {
        labels: { grpc_type: type, grpc_service: service, grpc_method: method },
        level: ours && INFO_METHODS.has(method) ? 'info' : 'debug',
        unaryRequest: !d.requestStream,
        decode: rawRequestDecoder(d.path),
      };
      methods.set(d.path, info);
    }
    return info;
  };

  /** The end of a call: metrics, and the access line if its level is on. */
  const end = (info: MethodInfo, t0: number, requestId: string, request: unknown, messages: number, code: grpc.status, status?: PartialStatus) => {
    const seconds = (performance.now() - t0) / 1000;
    const codeName = CODE_NAMES[code] ?? String(code);
    metrics?.rpcEnd(info.labels, codeName, seconds);
    const level: Level = code === grpc.status.INTERNAL || code === grpc.status.UNKNOWN ? 'error' : info.level;
    if (!log.isLevelEnabled(level)) return;
    const line: Record<string, unknown> = { requestId: requestId || randomUUID(), method: info.labels.grpc_method, grpcCode: codeName, ms: Math.round(seconds * 1e4) / 10 };
    if (request && info.decode && Buffer.isBuffer(request)) {
      try {
        request = info.decode(request);
      } catch {
        request = undefined;
      }
    }
    if (request && typeof request === 'object') {
      const fields = request as Record<string, unknown>;
      for (const [from, to] of ID_FIELDS) {
        const v = fields[from];
        if (typeof v === 'string' && v !== '') line[to] = v.slice(0, 128);
      }
      const lender = fields.lender as { lenderId?: unknown } | null | undefined;
      if (lender && typeof lender.lenderId === 'string') line.lenderId = lender.lenderId.slice(0, 128);
    }
    if (!info.unaryRequest) line.messages = messages;
    if (code !== grpc.status.OK) {
      const reason = reasonOf(status);
      if (reason) line.reason = reason;
    }
    log[level](line, 'rpc');
  };

  /**
   * A unary handler with metrics, access line and request id. The answer
   * echoes the caller's x-request-id in its initial metadata; an error
   * carries the id, the caller's or a new one, in its trailers.
   */
  function wrapUnary(info: MethodInfo, handler: grpc.handleUnaryCall<unknown, unknown>): grpc.handleUnaryCall<unknown, unknown> {
    return (call, callback) => {
      const t0 = performance.now();
      metrics?.rpcStart(info.labels);
      const given = givenId(call.metadata);
      let done = false;
      call.on('cancelled', () => {
        if (done) return;
        done = true;
        end(info, t0, given, call.request, 1, grpc.status.CANCELLED);
      });
      // The callback is passed as it is written, not held in a const: tsx
      // (esbuild's keepNames) would name each one with a call per request.
      try {
        handler(call, (err, value, trailer, flags) => {
          let requestId = given;
          if (err) {
            requestId ||= randomUUID();
            err.metadata = withRequestId(err.metadata, requestId);
          } else if (given) {
            call.sendMetadata(withRequestId(undefined, given));
          }
          if (!done) {
            done = true;
            const code = err ? err.code ?? grpc.status.UNKNOWN : grpc.status.OK;
            end(info, t0, requestId, call.request, 1, code, err ? { code, details: err.details ?? '', metadata: err.metadata ?? null } : undefined);
          }
          callback(err, value, trailer, flags);
        });
      } catch (e) {
        // grpc-js answers UNKNOWN for a handler that throws; count and log it as such.
        if (!done) {
          done = true;
          end(info, t0, given, call.request, 1, grpc.status.UNKNOWN);
        }
        throw e;
      }
    };
  }

  const interceptor: grpc.ServerInterceptor = (descriptor, call) => {
    // The type names the class, but grpc-js only calls the interface's
    // methods on what an interceptor returns (getServerInterceptingCall).
    if (wrapped.has(descriptor.path)) return call as grpc.ServerInterceptingCall;
    const info = infoOf(descriptor);
    const t0 = performance.now();
    let given = '';
    let request: unknown;
    let messages = 0;
    let done = false;
    /** The id an error's trailers and log line carry: the caller's, else one made for it. */
    let errorId = '';
    metrics?.rpcStart(info.labels);

    const finish = (code: grpc.status, status?: PartialStatus) => {
      if (done) return;
      done = true;
      end(info, t0, status && status.code !== grpc.status.OK ? errorId : given, request, messages, code, status);
    };

    return new grpc.ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, nextMd) {
            given = givenId(metadata);
            nextMd(metadata);
          },
          onReceiveMessage(message, nextMsg) {
            messages++;
            if (info.unaryRequest && message && typeof message === 'object') request = message;
            nextMsg(message);
          },
          onCancel() {
            finish(grpc.status.CANCELLED);
          },
        });
      },
      sendMetadata(metadata, next) {
        next(given ? withRequestId(metadata, given) : metadata);
      },
      sendStatus(status, next) {
        const ok = status.code === grpc.status.OK;
        if (!ok) errorId = given || randomUUID();
        finish(status.code, status);
        if (ok) {
          next(status);
          return;
        }
        next({ ...status, metadata: withRequestId(status.metadata, errorId) });
      },
    });
  };

  function service<H extends object>(definition: grpc.ServiceDefinition, handlers: H): H {
    const out: Record<string, unknown> = { ...(handlers as Record<string, unknown>) };
    for (const [name, d] of Object.entries(definition)) {
      if (d.requestStream || d.responseStream) continue;
      const key = name in out ? name : d.originalName !== undefined && d.originalName in out ? d.originalName : undefined;
      const handler = key === undefined ? undefined : out[key];
      if (typeof handler !== 'function') continue;
      out[key!] = wrapUnary(infoOf(d), handler as grpc.handleUnaryCall<unknown, unknown>);
      wrapped.add(d.path);
    }
    return out as H;
  }

  return { interceptor, service };
}

function reasonOf(status: PartialStatus | undefined): string | undefined {
  const raw = status?.metadata?.get('grpc-status-details-bin')[0];
  if (!raw || typeof raw === 'string') return undefined;
  try {
    return errorInfoOfStatus(pb.Status.decode(raw) as unknown as Parameters<typeof errorInfoOfStatus>[0])?.reason;
  } catch {
    return undefined;
  }
}
