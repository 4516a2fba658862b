/**
 * gRPC clients of the lenders' gateways and of the merchant notifier. A
 * lender's current gateway_target is looked up at send time.
 */
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { Effect, Lender } from '../domain/types';
import { money, timestamp } from '../api/convert';
import type { LenderGatewayServiceClient } from '../generated/orderpool/v1/LenderGatewayService';
import type { MerchantNotifierServiceClient } from '../generated/orderpool/v1/MerchantNotifierService';

type Modules = { grpc: typeof grpc; v1: typeof import('../api/proto').v1 };
let modules: Modules | undefined;

/**
 * grpc-js and the service constructors, loaded on the first call: the
 * runtime thread runs these clients and needs nothing else of grpc-js, so it
 * starts without loading it (~0.1 s of start-up to SERVING).
 */
function load(): Modules {
  return (modules ??= { grpc: require('@grpc/grpc-js') as typeof grpc, v1: (require('../api/proto') as typeof import('../api/proto')).v1 });
}

export interface GatewayClients {
  send(effect: Effect, timeoutMs: number): Promise<void>;
  close(): void;
}

export class GrpcGatewayClients implements GatewayClients {
  private readonly lenders = new Map<string, LenderGatewayServiceClient>();
  private notifier: MerchantNotifierServiceClient | undefined;

  constructor(
    private readonly lookup: (lenderId: string) => Lender | undefined,
    private readonly notifierTarget: string,
    private readonly log: Logger,
  ) {}

  async send(e: Effect, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const base = { idempotencyKey: e.idempotencyKey, merchantId: e.merchantId, financingId: e.financingId };
    if (e.method === 'SendVerificationCode') {
      if (!this.notifierTarget) {
        // Development only (no --notifier): the code goes to the log.
        this.log.warn({ merchantId: e.merchantId, financingId: e.financingId, code: e.code }, 'no --notifier configured: verification code logged (development only)');
        return;
      }
      const { grpc: g, v1 } = load();
      const c = (this.notifier ??= new v1.MerchantNotifierService(this.notifierTarget, g.credentials.createInsecure()));
      await unary((cb) => c.sendVerificationCode({ ...base, code: e.code, expireTime: timestamp(e.deadline) }, { deadline }, cb));
      return;
    }
    const lender = this.lookup(e.lenderId);
    if (!lender) throw new Error(`lender ${e.lenderId} is not registered`);
    let c = this.lenders.get(lender.gatewayTarget);
    if (!c) {
      const { grpc: g, v1 } = load();
      c = new v1.LenderGatewayService(lender.gatewayTarget, g.credentials.createInsecure());
      this.lenders.set(lender.gatewayTarget, c);
    }
    const client = c;
    switch (e.method) {
      case 'AuthorizeDisbursement':
        return unary((cb) => client.authorizeDisbursement({
          ...base, amount: money(e.currency, e.amount), fee: money(e.currency, e.fee), poolTotal: money(e.currency, e.poolTotal),
          poolOrderCount: String(e.poolOrderCount), disbursementDeadline: timestamp(e.deadline),
        }, { deadline }, cb));
      case 'ReceiveRepayment':
        return unary((cb) => client.receiveRepayment({
          ...base, amount: money(e.currency, e.amount), orderIds: e.orderIds, outstanding: money(e.currency, e.outstanding),
        }, { deadline }, cb));
      case 'ReceiveCoverageAlert':
        return unary((cb) => client.receiveCoverageAlert({
          ...base, underCovered: e.underCovered, poolTotal: money(e.currency, e.poolTotal), outstanding: money(e.currency, e.outstanding),
        }, { deadline }, cb));
      case 'ReceiveFinancingClosed':
        return unary((cb) => client.receiveFinancingClosed({
          ...base, state: `FINANCING_STATE_${e.finalState || 'UNSPECIFIED'}` as never, repaid: money(e.currency, e.amount), reason: e.reason,
        }, { deadline }, cb));
    }
  }

  close(): void {
    for (const c of this.lenders.values()) c.close();
    this.notifier?.close();
  }
}

function unary(call: (cb: (err: grpc.ServiceError | null) => void) => unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    call((err) => (err ? reject(err) : resolve()));
  });
}
