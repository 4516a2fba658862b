/**
 * OrderPoolService handlers: authenticate, validate, call the core, convert.
 * Errors go through status.ts only.
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { exhausted, invalid, OrderpoolError, unavailable } from '../domain/errors';
import type { Financing, MerchantEvent } from '../domain/types';
import type { Backend } from '../runtime/backend';
import type { OrderPoolServiceHandlers } from '../generated/orderpool/v1/OrderPoolService';
import type { OrderEventAck } from '../generated/orderpool/v1/OrderEventAck';
import type { MerchantEvent as WireMerchantEvent } from '../generated/orderpool/v1/MerchantEvent';
import { requireRole, type Auth, type Principal } from './auth';
import { wireEvent, wireFinancing, wireMerchant, wireOrder } from './convert';
import { decodeToken, encodeToken } from './page-token';
import { toServiceError, toWireStatus } from './status';
import { parse, type Schemas } from './validate';
import { malformed } from './malformed';
import { splitOrderEvent } from './order-event-wire';
import { encodeAck } from './order-encoder';
import { batchWrites } from './batched-writes';
import { eventEncoder, type OrderCommandKind, type OrderCommands } from './order-commands';

export interface ApiConfig {
  /** Events a watcher may have queued before it is cut off. */
  watchBuffer: number;
  /** Concurrent watchers of one merchant; one more is refused with RESOURCE_EXHAUSTED (TOO_MANY_WATCHERS). */
  maxWatchersPerMerchant?: number;
  /** Events of one StreamOrderEvents call in flight before reading pauses. */
  ingestWindow: number;
}

const platformRead = (merchantId: string) => ['platform', 'admin', `merchant:${merchantId}`];

export interface OrderPoolApi {
  handlers: OrderPoolServiceHandlers;
  /** Ends every watcher with UNAVAILABLE (SHUTTING_DOWN), for draining. */
  closeWatchers(): void;
}

export function orderPoolService(
  core: Backend, commands: OrderCommands, auth: Auth, s: Schemas, config: ApiConfig, log: Logger, shutdown: { draining: boolean },
): OrderPoolApi {
  /** Each event encoded once for all its watchers (WatchMerchant sends bytes as they are). */
  const encodeEvent = eventEncoder();
  /** Watchers to end when the server drains. */
  const closers = new Set<(err?: unknown) => void>();
  const logInternal = (e: unknown) => log.error({ err: e }, 'internal error');

  /** Answers a unary call with its error (logging refused access). */
  function fail<Req, Res>(call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>, e: unknown): void {
    if (e instanceof OrderpoolError && (e.status === 'UNAUTHENTICATED' || e.status === 'PERMISSION_DENIED')) {
      log.warn({ reason: e.reason, path: call.getPath() }, 'access refused');
    }
    callback(toServiceError(e, logInternal) as grpc.ServiceError);
  }

  function unary<Req, Res>(fn: (req: Req, who: Principal) => Promise<Res> | Res): grpc.handleUnaryCall<Req, Res> {
    return (call, callback) => {
      Promise.resolve()
        .then(() => {
          if (shutdown.draining) throw unavailable('SHUTTING_DOWN', 'the server is shutting down');
          return fn(call.request, auth.authenticate(call.metadata));
        })
        .then((res) => callback(null, res), (e: unknown) => fail(call, callback, e));
    };
  }

  /**
   * RecordOrder, CompleteOrder, RefundOrder: the request arrives as bytes and
   * the answer leaves as bytes (rawOrderCommands); decoding, validation and
   * encoding run with the runtime. The hot path: no promise beyond the command's.
   */
  function orderCommand<Req, Res>(kind: OrderCommandKind): grpc.handleUnaryCall<Req, Res> {
    return (call, callback) => {
      try {
        if (shutdown.draining) throw unavailable('SHUTTING_DOWN', 'the server is shutting down');
        requireRole(auth.authenticate(call.metadata), ['platform']);
      } catch (e) {
        fail(call, callback, e);
        return;
      }
      commands(kind, call.request as unknown as Uint8Array).then((res) => callback(null, res as unknown as Res), (e: unknown) => fail(call, callback, e));
    };
  }

  /** Lenders may read only their own financings. */
  const canReadFinancing = (who: Principal, merchantId: string, f: Financing) =>
    requireRole(who, [...platformRead(merchantId), `lender:${f.lenderId}`]);
  /** Before the read: only the merchant's readers or a lender may look, so NOT_FOUND reveals nothing to others. */
  const mayReadFinancingsOf = (who: Principal, merchantId: string) => {
    if (!who.roles.some((r) => r.startsWith('lender:'))) requireRole(who, platformRead(merchantId));
  };

  const failedAck = (index: number, e: unknown) => encodeAck(index, 'error', toWireStatus(e, logInternal).bytes);

  /**
   * One StreamOrderEvents event, as bytes, to its ack, as bytes
   * (./order-event-wire.ts): the event's command runs as its unary twin does.
   * Its callbacks are passed as written: a named const would cost a naming
   * call per event under tsx (esbuild's keepNames).
   */
  function ackOf(index: number, event: Uint8Array): Promise<Uint8Array> {
    const ev = splitOrderEvent(event);
    if (ev.kind === undefined) {
      return Promise.resolve(failedAck(index, ev.problem === 'MALFORMED' ? malformed() : new OrderpoolError(
        'INVALID_ARGUMENT', 'MISSING_FIELD', 'event: one of record, complete or refund is required', { field: 'event' },
        [{ field: 'event', description: 'one of record, complete or refund is required' }])));
    }
    return commands(ev.kind, ev.request).then((order) => encodeAck(index, 'order', order), (e: unknown) => failedAck(index, e));
  }

  const handlers: OrderPoolServiceHandlers = {
    RecordOrder: orderCommand('record'),
    CompleteOrder: orderCommand('complete'),
    RefundOrder: orderCommand('refund'),

    StreamOrderEvents: (call) => {
      let who: Principal;
      try {
        who = auth.authenticate(call.metadata);
        requireRole(who, ['platform']);
        if (shutdown.draining) throw unavailable('SHUTTING_DOWN', 'the server is shutting down');
      } catch (e) {
        call.emit('error', toServiceError(e, logInternal));
        return;
      }
      // Acks leave in input order: each event's promise is queued and the
      // head is written as soon as it settles. The acks that settle together
      // leave together (./batched-writes.ts).
      batchWrites(call);
      const pending: Promise<Uint8Array>[] = [];
      const window = config.ingestWindow;
      let index = 0;
      let ended = false;
      let flushing = false;
      let paused = false;
      // Reading pauses while a window of events waits for its acks, or a
      // window of acks waits for the client to read them (HTTP/2 flow
      // control holds them in the call), and resumes below half of both.
      const pauseIfFull = () => {
        if (!paused && (pending.length >= window || call.writableLength >= window)) {
          paused = true;
          call.pause();
        }
      };
      const resumeIfRoom = () => {
        if (paused && pending.length < window / 2 && call.writableLength < window / 2) {
          paused = false;
          call.resume();
        }
      };
      const flush = async () => {
        if (flushing) return;
        flushing = true;
        while (pending.length > 0) {
          const ack = await pending[0]!;
          pending.shift();
          if (call.cancelled) return;
          // Bytes: rawOrderCommands sends them as they are. Each ack's
          // write, once complete, may make room to read again.
          call.write(ack as unknown as OrderEventAck, resumeIfRoom);
          pauseIfFull();
          resumeIfRoom();
        }
        flushing = false;
        if (ended) call.end();
      };
      call.on('data', (event: Uint8Array) => {
        const p = ackOf(index++, event);
        pending.push(p);
        pauseIfFull();
        void flush();
      });
      call.on('end', () => {
        ended = true;
        void flush();
      });
      call.on('error', () => undefined);
    },

    RequestFinancing: unary(async (req, who) => {
      const r = parse(s.requestFinancing, req);
      requireRole(who, [`merchant:${r.merchantId}`]);
      return wireFinancing(await core.requestFinancing(r.merchantId, {
        lenderId: r.lenderId, currency: r.amount.currency, amount: r.amount.amount, requestId: r.requestId,
      }));
    }),

    VerifyFinancing: unary(async (req, who) => {
      const r = parse(s.verifyFinancing, req);
      requireRole(who, [`merchant:${r.merchantId}`]);
      return wireFinancing(await core.verifyFinancing(r.merchantId, r.financingId, r.code));
    }),

    CancelFinancing: unary(async (req, who) => {
      const r = parse(s.cancelFinancing, req);
      requireRole(who, [`merchant:${r.merchantId}`]);
      return wireFinancing(await core.cancelFinancing(r.merchantId, r.financingId, r.reason));
    }),

    ConfirmDisbursement: unary(async (req, who) => {
      const r = parse(s.confirmDisbursement, req);
      requireRole(who, [`lender:${r.lenderId}`]);
      return wireFinancing(await core.confirmDisbursement(r.merchantId, r.financingId, r.lenderId, r.amount.currency, r.amount.amount, r.lenderReference));
    }),

    DeclineFinancing: unary(async (req, who) => {
      const r = parse(s.declineFinancing, req);
      requireRole(who, [`lender:${r.lenderId}`]);
      return wireFinancing(await core.declineFinancing(r.merchantId, r.financingId, r.lenderId, r.reason));
    }),

    GetMerchant: unary(async (req, who) => {
      const r = parse(s.getMerchant, req);
      requireRole(who, platformRead(r.merchantId));
      return wireMerchant(await core.getMerchant(r.merchantId));
    }),

    GetOrder: unary(async (req, who) => {
      const r = parse(s.getOrder, req);
      requireRole(who, platformRead(r.merchantId));
      return wireOrder(await core.getOrder(r.merchantId, r.orderId));
    }),

    GetFinancing: unary(async (req, who) => {
      const r = parse(s.getFinancing, req);
      mayReadFinancingsOf(who, r.merchantId);
      const f = await core.getFinancing(r.merchantId, r.financingId);
      canReadFinancing(who, r.merchantId, f);
      return wireFinancing(f);
    }),

    ListPoolOrders: unary(async (req, who) => {
      const r = parse(s.listPoolOrders, req);
      mayReadFinancingsOf(who, r.merchantId);
      const token = decodeToken<{ f: string; p: number }>(r.pageToken, { f: 'string', p: 'number' });
      if (token && token.f !== r.financingId) throw invalid('INVALID_PAGE_TOKEN', 'page_token belongs to another financing', 'page_token');
      const page = await core.listPoolOrders(r.merchantId, r.financingId, token?.p ?? 0, r.pageSize);
      canReadFinancing(who, r.merchantId, page.financing);
      const last = page.orders[page.orders.length - 1];
      return {
        orders: page.orders.map(wireOrder),
        nextPageToken: page.more && last ? encodeToken({ f: r.financingId, p: last.pledgeSeq }) : '',
      };
    }),

    ListMerchantEvents: unary(async (req, who) => {
      const r = parse(s.listMerchantEvents, req);
      requireRole(who, platformRead(r.merchantId));
      const from = decodeToken<{ s: number }>(r.pageToken, { s: 'number' })?.s ?? 1;
      const { events, lastSeq } = await core.listEvents(r.merchantId, from, r.pageSize);
      const next = events.length > 0 ? events[events.length - 1]!.seq + 1 : from;
      return { events: events.map(wireEvent), nextPageToken: next <= lastSeq ? encodeToken({ s: next }) : '' };
    }),

    WatchMerchant: (call) => {
      void watch(call).catch((e: unknown) => {
        if (!call.cancelled) call.emit('error', toServiceError(e, logInternal));
      });
    },
  };

  return {
    handlers,
    closeWatchers: () => {
      for (const close of [...closers]) close(unavailable('SHUTTING_DOWN', 'the server is shutting down'));
    },
  };

  /**
   * Replay, then live, without a gap or a duplicate: subscribe first
   * (buffering), replay the journal from from_sequence, then send what the
   * subscription buffered past the last replayed sequence. A watcher whose
   * queue passes `watchBuffer` events is ended with RESOURCE_EXHAUSTED.
   */
  async function watch(call: grpc.ServerWritableStream<{ merchantId: string; fromSequence: string }, WireMerchantEvent>): Promise<void> {
    const who = auth.authenticate(call.metadata);
    if (shutdown.draining) throw unavailable('SHUTTING_DOWN', 'the server is shutting down');
    const r = parse(s.watchMerchant, call.request);
    requireRole(who, platformRead(r.merchantId));
    await core.getMerchant(r.merchantId);

    // Checked and subscribed in the same tick, so concurrent watchers cannot overshoot.
    const maxWatchers = config.maxWatchersPerMerchant ?? Infinity;
    if (core.watchers(r.merchantId) >= maxWatchers) {
      throw exhausted('TOO_MANY_WATCHERS', `merchant ${r.merchantId} already has the maximum of ${maxWatchers} watchers`, 1000,
        { limit: String(maxWatchers) });
    }

    batchWrites(call);
    let next = Math.max(1, r.fromSequence);
    let live = false;
    let done = false;
    const queue: MerchantEvent[] = [];
    let writable = true;

    const finish = (err?: unknown) => {
      if (done) return;
      done = true;
      unsubscribe();
      closers.delete(finish);
      if (call.cancelled) return;
      if (err) call.emit('error', toServiceError(err, logInternal));
      else call.end();
    };
    const pumpQueue = () => {
      while (!done && writable && queue.length > 0) {
        const ev = queue.shift()!;
        if (ev.seq < next) continue;
        next = ev.seq + 1;
        writable = call.write(encodeEvent(ev) as unknown as WireMerchantEvent);
      }
    };
    const unsubscribe = core.subscribe(r.merchantId, (events) => {
      if (done) return;
      queue.push(...events);
      // While replaying, events the replay has already sent are not backlog.
      if (!live) {
        const firstNew = queue.findIndex((e) => e.seq >= next);
        queue.splice(0, firstNew === -1 ? queue.length : firstNew);
      }
      // Written first: one commit may carry many events (a group, router R6),
      // and a watcher that keeps up takes them all at once.
      if (live) pumpQueue();
      if (queue.length > config.watchBuffer) {
        finish(exhausted('WATCHER_TOO_SLOW', `watcher fell more than ${config.watchBuffer} events behind; resume from last_sequence + 1`, 0,
          { last_sequence: String(next - 1) }));
      }
    });
    closers.add(finish);
    call.on('cancelled', () => finish());
    // A client that went away while the merchant was loading emitted
    // 'cancelled' before the listener existed: don't leak its subscription.
    if (call.cancelled) finish();
    call.on('drain', () => {
      writable = true;
      if (live) pumpQueue();
    });

    // Replay from the journal, waiting for the client when it is slow.
    for (;;) {
      const batch = await core.readEvents(r.merchantId, next, 256);
      for (const ev of batch) {
        if (done) return;
        if (ev.seq < next) continue;
        next = ev.seq + 1;
        if (!call.write(encodeEvent(ev) as unknown as WireMerchantEvent)) await new Promise((res) => call.once('drain', res));
      }
      if (batch.length < 256 || done) break;
    }
    live = true;
    pumpQueue();
  }
}
