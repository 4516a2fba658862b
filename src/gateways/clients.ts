/**
 * gRPC clients of the lenders' gateways and of the merchant notifier. A
 * lender's current gateway_target is looked up at send time.
 *
 * The lenders' calls, one or more per financing and most of them
 * repayments, go through ./unary-channel.ts (node:http2, ~110 µs of CPU a
 * call against ~180 through grpc-js's client); their targets are host:port,
 * as UpsertLender validates them. The notifier's few calls (a verification
 * code per financing that needs one) keep grpc-js's client, which takes any
 * gRPC target form `--notifier` may be given.
 */
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { Effect, Lender } from '../domain/types';
import { money, timestamp } from '../api/convert';
import { packageDefinition } from '../api/proto-definition';
import type { MerchantNotifierServiceClient } from '../generated/orderpool/v1/MerchantNotifierService';
import { UnaryChannel } from './unary-channel';

type Modules = { grpc: typeof grpc; v1: typeof import('../api/proto').v1 };
let modules: Modules | undefined;

/**
 * grpc-js and the service constructors, loaded on the first notifier call:
 * the runtime thread needs nothing else of grpc-js, so it starts without
 * loading it (~0.1 s of start-up to SERVING).
 */
function load(): Modules {
  return (modules ??= { grpc: require('@grpc/grpc-js') as typeof grpc, v1: (require('../api/proto') as typeof import('../api/proto')).v1 });
}

export interface GatewayClients {
  send(effect: Effect, timeoutMs: number): Promise<void>;
  close(): void;
}

type LenderMethod = 'AuthorizeDisbursement' | 'ReceiveRepayment' | 'ReceiveCoverageAlert' | 'ReceiveFinancingClosed';

/** Each LenderGatewayService method's path and request encoder, from the proto. */
const LENDER_SERVICE = packageDefinition['orderpool.v1.LenderGatewayService'] as unknown as Record<LenderMethod, { path: string; requestSerialize: (v: object) => Buffer }>;

export class GrpcGatewayClients implements GatewayClients {
  /** One channel per gateway target (lenders may share a gateway). */
  private readonly lenders = new Map<string, UnaryChannel>();
  private notifier: MerchantNotifierServiceClient | undefined;

  constructor(
    private readonly lookup: (lenderId: string) => Lender | undefined,
    private readonly notifierTarget: string,
    private readonly log: Logger,
  ) {}

  async send(e: Effect, timeoutMs: number): Promise<void> {
    const base = { idempotencyKey: e.idempotencyKey, merchantId: e.merchantId, financingId: e.financingId };
    if (e.method === 'SendVerificationCode') {
      if (!this.notifierTarget) {
        // Development only (no --notifier): the code goes to the log.
        this.log.warn({ merchantId: e.merchantId, financingId: e.financingId, code: e.code }, 'no --notifier configured: verification code logged (development only)');
        return;
      }
      const { grpc: g, v1 } = load();
      const c = (this.notifier ??= new v1.MerchantNotifierService(this.notifierTarget, g.credentials.createInsecure()));
      const deadline = Date.now() + timeoutMs;
      await unary((cb) => c.sendVerificationCode({ ...base, code: e.code, expireTime: timestamp(e.deadline) }, { deadline }, cb));
      return;
    }
    const lender = this.lookup(e.lenderId);
    if (!lender) throw new Error(`lender ${e.lenderId} is not registered`);
    let channel = this.lenders.get(lender.gatewayTarget);
    if (!channel) {
      channel = new UnaryChannel(lender.gatewayTarget);
      this.lenders.set(lender.gatewayTarget, channel);
    }
    let request: object;
    switch (e.method) {
      case 'AuthorizeDisbursement':
        request = {
          ...base, amount: money(e.currency, e.amount), fee: money(e.currency, e.fee), poolTotal: money(e.currency, e.poolTotal),
          poolOrderCount: String(e.poolOrderCount), disbursementDeadline: timestamp(e.deadline),
        };
        break;
      case 'ReceiveRepayment':
        request = { ...base, amount: money(e.currency, e.amount), orderIds: e.orderIds, outstanding: money(e.currency, e.outstanding) };
        break;
      case 'ReceiveCoverageAlert':
        request = { ...base, underCovered: e.underCovered, poolTotal: money(e.currency, e.poolTotal), outstanding: money(e.currency, e.outstanding) };
        break;
      case 'ReceiveFinancingClosed':
        request = { ...base, state: `FINANCING_STATE_${e.finalState || 'UNSPECIFIED'}`, repaid: money(e.currency, e.amount), reason: e.reason };
        break;
    }
    const m = LENDER_SERVICE[e.method];
    await channel.call(m.path, m.requestSerialize(request), timeoutMs);
  }

  close(): void {
    for (const c of this.lenders.values()) c.close();
    this.lenders.clear();
    this.notifier?.close();
  }
}

function unary(call: (cb: (err: grpc.ServiceError | null) => void) => unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    call((err) => (err ? reject(err) : resolve()));
  });
}
