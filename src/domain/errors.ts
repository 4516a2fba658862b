/**
 * Domain errors. Each carries a gRPC status name and a stable UPPER_SNAKE
 * reason; exactly one function at the edge (src/api/status.ts) turns them into
 * a google.rpc.Status. Codes and reasons never change; messages may.
 */

export type StatusName =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'FAILED_PRECONDITION'
  | 'RESOURCE_EXHAUSTED'
  | 'PERMISSION_DENIED'
  | 'UNAUTHENTICATED'
  | 'UNAVAILABLE'
  | 'INTERNAL';

export interface FieldViolation {
  field: string;
  description: string;
}

export class OrderpoolError extends Error {
  override readonly name = 'OrderpoolError';
  constructor(
    readonly status: StatusName,
    readonly reason: string,
    message: string,
    readonly metadata: Record<string, string> = {},
    readonly violations: FieldViolation[] = [],
    options?: { cause?: unknown; retryDelayMs?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.retryDelayMs = options?.retryDelayMs;
  }
  readonly retryDelayMs: number | undefined;
}

export const invalid = (reason: string, message: string, field?: string, metadata: Record<string, string> = {}) =>
  new OrderpoolError('INVALID_ARGUMENT', reason, message, field ? { field, ...metadata } : metadata,
    field ? [{ field, description: message }] : []);

export const notFound = (reason: string, message: string, metadata: Record<string, string> = {}) =>
  new OrderpoolError('NOT_FOUND', reason, message, metadata);

export const precondition = (reason: string, message: string, metadata: Record<string, string> = {}) =>
  new OrderpoolError('FAILED_PRECONDITION', reason, message, metadata);

export const alreadyExists = (reason: string, message: string, metadata: Record<string, string> = {}) =>
  new OrderpoolError('ALREADY_EXISTS', reason, message, metadata);

export const exhausted = (reason: string, message: string, retryDelayMs?: number, metadata: Record<string, string> = {}) =>
  new OrderpoolError('RESOURCE_EXHAUSTED', reason, message, metadata, [], { retryDelayMs });

export const denied = (reason: string, message: string, metadata: Record<string, string> = {}) =>
  new OrderpoolError('PERMISSION_DENIED', reason, message, metadata);

export const unavailable = (reason: string, message: string, cause?: unknown) =>
  new OrderpoolError('UNAVAILABLE', reason, message, {}, [], { cause, retryDelayMs: 1000 });

/** Normalises anything thrown into an Error. */
export function ensureError(e: unknown): Error {
  if (e instanceof Error) return e;
  return new Error(typeof e === 'string' ? e : JSON.stringify(e));
}
