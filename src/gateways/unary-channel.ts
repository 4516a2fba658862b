/**
 * Unary gRPC calls to one `host:port` over node:http2, for the lenders'
 * gateways (./clients.ts).
 *
 * Why not grpc-js's client: a ReceiveRepayment through it cost 176–239 µs
 * of CPU (its call stack of interceptors, resolving, load-balancing and
 * subchannel calls, filters and Metadata objects, and the garbage of all
 * that), against 107–125 µs made here, encoding included (a standalone client
 * against the fake gateway; docs/benchmarks.md, "Sixteenth session").
 * Settling a thousand financings makes ~0.2 lender calls per completed
 * order, so that was a fifth of the server's CPU per completion. What a
 * unary call needs of gRPC is small, and HTTP/2 (node:http2, nghttp2) does
 * the rest:
 *
 *   - the request: HEADERS (`:path` /package.Service/Method, content-type
 *     application/grpc, te: trailers, grpc-timeout) and one length-prefixed
 *     message (a 0 flag byte, a 4-byte big-endian length, the protobuf bytes);
 *   - the answer: HTTP status 200, then `grpc-status` in the trailers, or in
 *     the headers of a trailers-only answer; 0 is OK, anything else an error
 *     with its `grpc-message` (percent-encoded). The answer's message is not
 *     read: the gateways' answers carry nothing orderpool uses.
 *
 * What grpc-js's channel does and this does not: name resolution beyond
 * node's (one address per connect, as `net.connect` picks it), reconnect
 * backoff, keepalive pings, retries, compression, TLS. Delivery retries every
 * failed call with its own per-lane backoff (D3, ./delivery.ts), with the
 * same idempotency key, so a call that fails here for any reason is simply
 * sent again later. A connection that errs, closes or is told GOAWAY is not
 * used for new calls; a call past its deadline is cancelled and also retires
 * its connection, so that a peer gone silent (no FIN, no RST) costs one
 * deadline, not one per call.
 */
import * as http2 from 'node:http2';

/** gRPC status names by code (https://grpc.github.io/grpc/core/md_doc_statuscodes.html). */
const STATUS_NAMES = [
  'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS',
  'UNAUTHENTICATED',
] as const;

/** A failed call: its gRPC status code and message (as grpc-js's ServiceError has them). */
export class UnaryCallError extends Error {
  constructor(readonly code: number, readonly details: string) {
    super(`${code} ${STATUS_NAMES[code] ?? 'UNKNOWN'}: ${details}`);
    this.name = 'UnaryCallError';
  }
}

const UNKNOWN = 2;
const DEADLINE_EXCEEDED = 4;
const INTERNAL = 13;
const UNAVAILABLE = 14;

/** The gRPC status of an answer that is not HTTP 200 (gRPC's doc/http-grpc-status-mapping.md). */
function statusOfHttp(httpStatus: number): number {
  switch (httpStatus) {
    case 400: return INTERNAL;
    case 401: return 16; // UNAUTHENTICATED
    case 403: return 7; // PERMISSION_DENIED
    case 404: return 12; // UNIMPLEMENTED
    case 429: case 502: case 503: case 504: return UNAVAILABLE;
    default: return UNKNOWN;
  }
}

/** The grpc-timeout header: at most 8 digits (gRPC over HTTP/2), so a deadline that long goes in seconds. */
export function grpcTimeout(ms: number): string {
  const m = Math.max(1, Math.ceil(ms));
  return m <= 99_999_999 ? `${m}m` : `${Math.min(99_999_999, Math.ceil(m / 1000))}S`;
}

/** The length-prefixed message of a gRPC request: flag 0 (uncompressed), length, bytes. */
export function frame(message: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + message.length);
  out[0] = 0;
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}

function decodeMessage(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

export class UnaryChannel {
  private session: http2.ClientHttp2Session | undefined;
  private readonly authority: string;

  /** `target`: host:port (an IPv6 host in brackets), as UpsertLender validates a gateway_target. */
  constructor(readonly target: string) {
    this.authority = `http://${target}`;
  }

  /**
   * Sends one request message to `path` (/package.Service/Method) and
   * resolves when the answer's status is OK; rejects with a UnaryCallError
   * otherwise, or after `timeoutMs`.
   */
  call(path: string, message: Uint8Array, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let session: http2.ClientHttp2Session;
      let stream: http2.ClientHttp2Stream;
      try {
        session = this.connected();
        stream = session.request({
          ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers',
          'grpc-timeout': grpcTimeout(timeoutMs),
        });
      } catch (e) {
        reject(new UnaryCallError(UNAVAILABLE, e instanceof Error ? e.message : String(e)));
        return;
      }
      let done = false;
      let httpStatus = 0;
      let status: string | undefined;
      let details = '';
      const finish = (error: UnaryCallError | undefined) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      };
      const timer = setTimeout(() => {
        if (done) return;
        stream.close(http2.constants.NGHTTP2_CANCEL);
        this.retire(session);
        finish(new UnaryCallError(DEADLINE_EXCEEDED, `no answer from ${this.target} within ${timeoutMs} ms`));
      }, Math.min(timeoutMs, 2 ** 31 - 1)); // setTimeout's longest delay
      const take = (h: http2.IncomingHttpHeaders) => {
        const s = h['grpc-status'];
        if (s !== undefined) {
          status = String(s);
          const m = h['grpc-message'];
          details = m === undefined ? '' : String(m);
        }
      };
      stream.on('response', (h) => {
        httpStatus = Number(h[':status']);
        take(h);
      });
      stream.on('trailers', take);
      stream.on('data', () => {}); // the answer's message is not used; reading it lets the stream end
      stream.on('error', (e: Error) => finish(new UnaryCallError(UNAVAILABLE, e.message)));
      stream.on('close', () => {
        if (httpStatus !== 200) {
          finish(new UnaryCallError(httpStatus === 0 ? UNAVAILABLE : statusOfHttp(httpStatus), httpStatus === 0
            ? `the call to ${this.target} ended without an answer (HTTP/2 code ${stream.rstCode})`
            : `HTTP status ${httpStatus} from ${this.target}`));
        } else if (status === undefined) {
          finish(new UnaryCallError(INTERNAL, `the answer from ${this.target} ended without a grpc-status (HTTP/2 code ${stream.rstCode})`));
        } else if (status === '0') {
          finish(undefined);
        } else {
          const code = Number(status);
          finish(new UnaryCallError(Number.isInteger(code) && code > 0 && code < STATUS_NAMES.length ? code : UNKNOWN, decodeMessage(details)));
        }
      });
      stream.end(frame(message));
    });
  }

  /** The open connection, or a new one when there is none fit for new calls. */
  private connected(): http2.ClientHttp2Session {
    const s = this.session;
    if (s && !s.closed && !s.destroyed) return s;
    const session = http2.connect(this.authority);
    // Errors reach the calls on it through their streams; this keeps a
    // connection error from being an uncaught 'error' event.
    session.on('error', () => this.retire(session));
    session.on('goaway', () => this.retire(session));
    session.on('close', () => this.retire(session));
    // An idle connection does not keep the process alive (a call's stream does).
    session.unref();
    this.session = session;
    return session;
  }

  /** New calls go on a new connection; calls in flight on this one finish (or fail) there. */
  private retire(session: http2.ClientHttp2Session): void {
    if (this.session === session) this.session = undefined;
    if (!session.closed && !session.destroyed) session.close();
  }

  close(): void {
    const s = this.session;
    this.session = undefined;
    if (s && !s.destroyed) s.destroy();
  }
}
