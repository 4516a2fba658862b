/**
 * The one place domain errors become gRPC statuses. Every error carries a
 * google.rpc.Status in `grpc-status-details-bin` with an ErrorInfo (reason,
 * domain "orderpool.v1", metadata), plus BadRequest for field errors and
 * RetryInfo for overload. Anything that is not an OrderpoolError is INTERNAL
 * and is logged, never leaked.
 */
import * as grpc from '@grpc/grpc-js';
import { OrderpoolError, type StatusName } from '../domain/errors';
import type { Status } from '../generated/google/rpc/Status';
import { pb } from './proto';

export const DOMAIN = 'orderpool.v1';

const CODES: Record<StatusName, grpc.status> = {
  INVALID_ARGUMENT: grpc.status.INVALID_ARGUMENT,
  NOT_FOUND: grpc.status.NOT_FOUND,
  ALREADY_EXISTS: grpc.status.ALREADY_EXISTS,
  FAILED_PRECONDITION: grpc.status.FAILED_PRECONDITION,
  RESOURCE_EXHAUSTED: grpc.status.RESOURCE_EXHAUSTED,
  PERMISSION_DENIED: grpc.status.PERMISSION_DENIED,
  UNAUTHENTICATED: grpc.status.UNAUTHENTICATED,
  UNAVAILABLE: grpc.status.UNAVAILABLE,
  INTERNAL: grpc.status.INTERNAL,
};

export interface WireStatus {
  code: grpc.status;
  message: string;
  reason: string;
  /** google.rpc.Status, as the proto-loader object (for OrderEventAck.error). */
  status: Status;
  /** The same, serialized (for grpc-status-details-bin). */
  bytes: Buffer;
}

function any(typeName: string, type: typeof pb.ErrorInfo, value: object): { type_url: string; value: Buffer } {
  return { type_url: `type.googleapis.com/${typeName}`, value: Buffer.from(type.encode(type.create(value)).finish()) };
}

export function toWireStatus(err: unknown, log?: (e: unknown) => void): WireStatus {
  let e: OrderpoolError;
  if (err instanceof OrderpoolError) e = err;
  else {
    log?.(err);
    e = new OrderpoolError('INTERNAL', 'INTERNAL', 'internal error');
  }
  const code = CODES[e.status];
  const details = [any('google.rpc.ErrorInfo', pb.ErrorInfo, { reason: e.reason, domain: DOMAIN, metadata: e.metadata })];
  if (e.violations.length > 0) {
    details.push(any('google.rpc.BadRequest', pb.BadRequest, { field_violations: e.violations }));
  }
  if (e.retryDelayMs !== undefined) {
    const ms = e.retryDelayMs;
    details.push(any('google.rpc.RetryInfo', pb.RetryInfo, { retry_delay: { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 } }));
  }
  const bytes = Buffer.from(pb.Status.encode(pb.Status.create({ code, message: e.message, details })).finish());
  return {
    code,
    message: e.message,
    reason: e.reason,
    status: { code, message: e.message, details },
    bytes,
  };
}

/** A grpc-js ServiceError for a handler callback or call.emit('error'). */
export function toServiceError(err: unknown, log?: (e: unknown) => void): Partial<grpc.StatusObject> & { code: grpc.status } {
  const s = toWireStatus(err, log);
  const metadata = new grpc.Metadata();
  metadata.set('grpc-status-details-bin', s.bytes);
  return { code: s.code, details: s.message, metadata };
}

/** Decodes the ErrorInfo of a received error (clients, tests, CLI). */
export function errorInfoOf(err: { metadata?: grpc.Metadata }): { reason: string; domain: string; metadata: Record<string, string> } | undefined {
  const raw = err.metadata?.get('grpc-status-details-bin')[0];
  if (!raw || typeof raw === 'string') return undefined;
  return errorInfoOfStatus(pb.Status.decode(raw) as unknown as { details: { type_url: string; value: Uint8Array }[] });
}

export function errorInfoOfStatus(status: { details?: { type_url?: string; typeUrl?: string; value: Uint8Array }[] | null }):
  { reason: string; domain: string; metadata: Record<string, string> } | undefined {
  for (const d of status.details ?? []) {
    if ((d.type_url ?? d.typeUrl) === 'type.googleapis.com/google.rpc.ErrorInfo') {
      const info = pb.ErrorInfo.toObject(pb.ErrorInfo.decode(d.value), { defaults: true }) as { reason: string; domain: string; metadata: Record<string, string> };
      return info;
    }
  }
  return undefined;
}
