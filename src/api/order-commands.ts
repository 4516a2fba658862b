/**
 * RecordOrder, CompleteOrder and RefundOrder, the bulk of the traffic, from
 * request bytes to response bytes. They run where the runtime runs: in the
 * runtime thread (src/runtime/runtime-worker.ts) when there is one, so the
 * gRPC thread only checks the caller's role and forwards bytes (decoding,
 * validation and encoding were a third of its work per call). The service
 * definitions served hand these three methods' handlers the raw request
 * (`rawOrderCommands`) and send a Uint8Array answer as it is.
 */
import type * as grpc from '@grpc/grpc-js';
import type { MerchantEvent, Order } from '../domain/types';
import type { Backend } from '../runtime/backend';
import { wireEvent } from './convert';
import { encodeOrder } from './order-encoder';
import { MalformedMessage } from './malformed';
import { fastCompleteOrder, fastRecordOrder, type CompleteOrderInput, type RecordOrderInput } from './order-fast-path';
import { packageDefinition } from './proto-definition';
import { parse, type Schemas } from './validate';

export type OrderCommandKind = 'record' | 'complete' | 'refund';

/** Runs one order command given as request bytes; resolves to the encoded Order. */
export type OrderCommands = (kind: OrderCommandKind, request: Uint8Array) => Promise<Uint8Array>;

const METHOD = { record: 'RecordOrder', complete: 'CompleteOrder', refund: 'RefundOrder' } as const;
const definition = packageDefinition['orderpool.v1.OrderPoolService'] as unknown as Record<string, grpc.MethodDefinition<unknown, unknown>>;

export const RAW_METHODS: ReadonlyMap<string, OrderCommandKind> = new Map(
  (Object.keys(METHOD) as OrderCommandKind[]).map((kind) => [definition[METHOD[kind]]!.path, kind]),
);

/** The request decoder of a raw method (for the access log), by path. */
export function rawRequestDecoder(path: string): ((bytes: Buffer) => unknown) | undefined {
  const kind = RAW_METHODS.get(path);
  return kind ? definition[METHOD[kind]]!.requestDeserialize : undefined;
}

type OrderOps = Pick<Backend, 'recordOrder' | 'completeOrder' | 'refundOrder'>;

const runRecord = (core: OrderOps, r: RecordOrderInput) =>
  core.recordOrder(r.merchantId, { orderId: r.orderId, buyerId: r.buyerId, currency: r.amount.currency, amount: r.amount.amount });
const runComplete = (core: OrderOps, r: CompleteOrderInput) => core.completeOrder(r.merchantId, r.orderId);

/** Validates one decoded request (or a MalformedMessage) and runs it. */
export function runOrderCommand(core: OrderOps, s: Schemas, kind: OrderCommandKind, request: unknown): Promise<Order> {
  switch (kind) {
    case 'record':
      return runRecord(core, parse(s.recordOrder, request));
    case 'complete':
      return runComplete(core, parse(s.completeOrder, request));
    case 'refund': {
      const r = parse(s.refundOrder, request);
      return core.refundOrder(r.merchantId, r.orderId, r.reason);
    }
  }
}

/**
 * The order commands from request bytes to answer bytes. Not an async
 * function: a command waits out a synced write, and a suspended async
 * function keeps its frame (the decoded request with it) alive through that
 * wait and the scavenges in it; a bad request is a rejection, never a throw.
 */
export function orderCommands(core: OrderOps, s: Schemas): OrderCommands {
  const full = (kind: OrderCommandKind, bytes: Uint8Array): Promise<Order> => {
    let request: unknown;
    try {
      request = definition[METHOD[kind]]!.requestDeserialize(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    } catch (e) {
      request = new MalformedMessage(e instanceof Error ? e.message : String(e));
    }
    return runOrderCommand(core, s, kind, request);
  };
  return (kind, bytes) => {
    let order: Promise<Order>;
    try {
      // The common case straight from the bytes, the rest through protobufjs and zod (./order-fast-path.ts).
      const record = kind === 'record' ? fastRecordOrder(bytes, s.limits) : undefined;
      const complete = kind === 'complete' ? fastCompleteOrder(bytes, s.limits) : undefined;
      if (record) order = runRecord(core, record);
      else if (complete) order = runComplete(core, complete);
      else order = full(kind, bytes);
    } catch (e) {
      return Promise.reject(e);
    }
    return order.then(encodeOrder);
  };
}

/** A response serializer that sends already encoded bytes as they are. */
function passEncoded(method: grpc.MethodDefinition<unknown, unknown>): (value: unknown) => Buffer {
  return (value) => (value instanceof Uint8Array ? Buffer.from(value.buffer, value.byteOffset, value.byteLength) : method.responseSerialize(value));
}

/**
 * The service definition with the raw methods passing request bytes through
 * and sending encoded answers as they are, StreamOrderEvents doing the same
 * with its events and acks (./order-event-wire.ts), and WatchMerchant
 * sending events encoded once for all of a merchant's watchers as they are.
 */
export function rawOrderCommands<D extends grpc.ServiceDefinition>(def: D): D {
  const out: Record<string, grpc.MethodDefinition<unknown, unknown>> = { ...(def as grpc.ServiceDefinition) };
  for (const name of Object.values(METHOD)) {
    const method = out[name]!;
    out[name] = { ...method, requestDeserialize: (bytes: Buffer) => bytes, responseSerialize: passEncoded(method) };
  }
  const ingest = out.StreamOrderEvents!;
  out.StreamOrderEvents = { ...ingest, requestDeserialize: (bytes: Buffer) => bytes, responseSerialize: passEncoded(ingest) };
  const watch = out.WatchMerchant!;
  out.WatchMerchant = { ...watch, responseSerialize: passEncoded(watch) };
  return out as D;
}

/**
 * The wire encoding of a merchant event, made once per event object: the
 * watch hub hands the same objects to every watcher of the merchant.
 */
export function eventEncoder(): (ev: MerchantEvent) => Buffer {
  const serialize = definition.WatchMerchant!.responseSerialize as (e: unknown) => Buffer;
  const cache = new WeakMap<MerchantEvent, Buffer>();
  return (ev) => {
    let bytes = cache.get(ev);
    if (!bytes) cache.set(ev, (bytes = serialize(wireEvent(ev))));
    return bytes;
  };
}
