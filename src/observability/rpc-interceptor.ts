/**
 * One grpc-js server interceptor for every RPC (orderpool's services, health,
 * reflection), so the handlers stay untouched:
 *
 *  - a request id per call: the caller's `x-request-id` if it sent a sane
 *    one, else a new UUID; returned in the response's `x-request-id`
 *    (initial metadata, or the trailers of an error without a message);
 *  - an access log line when the call ends: request id, method, the ids the
 *    request names (merchant, order, financing, lender, request_id), the gRPC
 *    code, the ErrorInfo reason of an error, and the duration. Commands that
 *    move a financing or a lender, and the streams, log at info; order
 *    commands and reads at debug (they are the bulk of the traffic); INTERNAL
 *    at error. Request bodies are never logged: no verification codes, no
 *    tokens, no amounts;
 *  - the RPC metrics, when --metrics is on.
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

export function rpcInterceptor(log: Logger, metrics?: Metrics): grpc.ServerInterceptor {
  const methods = new Map<string, MethodInfo>();
  const infoOf = (d: grpc.ServerMethodDefinition<unknown, unknown>): MethodInfo => {
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

  return (descriptor, call) => {
    const info = infoOf(descriptor);
    const t0 = performance.now();
    let requestId = '';
    let request: unknown;
    let messages = 0;
    let sentMetadata = false;
    let done = false;
    metrics?.rpcStart(info.labels);

    const finish = (code: grpc.status, status?: PartialStatus) => {
      if (done) return;
      done = true;
      const seconds = (performance.now() - t0) / 1000;
      const codeName = CODE_NAMES[code] ?? String(code);
      metrics?.rpcEnd(info.labels, codeName, seconds);
      const level: Level = code === grpc.status.INTERNAL || code === grpc.status.UNKNOWN ? 'error' : info.level;
      if (!log.isLevelEnabled(level)) return;
      const line: Record<string, unknown> = { requestId, method: info.labels.grpc_method, grpcCode: codeName, ms: Math.round(seconds * 1e4) / 10 };
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

    return new grpc.ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, nextMd) {
            const given = metadata.get('x-request-id')[0];
            requestId = typeof given === 'string' && SANE_ID.test(given) ? given : randomUUID();
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
        sentMetadata = true;
        if (requestId) metadata.set('x-request-id', requestId);
        next(metadata);
      },
      sendStatus(status, next) {
        finish(status.code, status);
        if (!sentMetadata && requestId) {
          const metadata = status.metadata ?? new grpc.Metadata();
          metadata.set('x-request-id', requestId);
          next({ ...status, metadata });
          return;
        }
        next(status);
      },
    });
  };
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
