/**
 * A LenderGatewayService and a MerchantNotifierService that record what they
 * receive, deduplicate on idempotency keys like a careful lender would, and
 * can be told to fail. Used by the tests and by `npm run demo`.
 */
import * as grpc from '@grpc/grpc-js';
import { v1 } from '../api/proto';
import type { LenderGatewayServiceHandlers } from '../generated/orderpool/v1/LenderGatewayService';
import type { MerchantNotifierServiceHandlers } from '../generated/orderpool/v1/MerchantNotifierService';

export interface ReceivedCall {
  method: string;
  idempotencyKey: string;
  merchantId: string;
  financingId: string;
  request: Record<string, unknown>;
}

export interface FakeGateway {
  port: number;
  target: string;
  /** Every call received, duplicates included. */
  calls: ReceivedCall[];
  /** First payload per idempotency key (what a deduplicating lender keeps). */
  byKey: Map<string, ReceivedCall>;
  /** Keys seen with two different payloads (must stay empty). */
  conflicts: string[];
  /** Verification codes received, by financing id. */
  codes: Map<string, string>;
  /** When set, calls fail with UNAVAILABLE. */
  down: boolean;
  /** Called on every received call (tests await specific calls). */
  onCall?: (c: ReceivedCall) => void;
  /** Sum of deduplicated repayments per financing id. */
  repaidTo(financingId: string): bigint;
  waitFor(pred: (c: ReceivedCall) => boolean, timeoutMs?: number): Promise<ReceivedCall>;
  stop(): Promise<void>;
}

export async function startFakeGateway(host = '127.0.0.1', port = 0): Promise<FakeGateway> {
  const server = new grpc.Server();
  const fake: FakeGateway = {
    port: 0,
    target: '',
    calls: [],
    byKey: new Map(),
    conflicts: [],
    codes: new Map(),
    down: false,
    repaidTo(financingId) {
      let sum = 0n;
      for (const c of this.byKey.values()) {
        if (c.method === 'ReceiveRepayment' && c.financingId === financingId) {
          sum += BigInt((c.request.amount as { minorUnits: string }).minorUnits);
        }
      }
      return sum;
    },
    waitFor(pred, timeoutMs = 5000) {
      const found = this.calls.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const prior = this.onCall;
        const t = setTimeout(() => {
          this.onCall = prior;
          reject(new Error('timed out waiting for a gateway call'));
        }, timeoutMs);
        this.onCall = (c) => {
          prior?.(c);
          if (pred(c)) {
            clearTimeout(t);
            this.onCall = prior;
            resolve(c);
          }
        };
      });
    },
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };

  const record = (method: string, request: Record<string, unknown> & { idempotencyKey: string; merchantId: string; financingId: string }) => {
    const c: ReceivedCall = { method, idempotencyKey: request.idempotencyKey, merchantId: request.merchantId, financingId: request.financingId, request };
    const prior = fake.byKey.get(c.idempotencyKey);
    if (prior) {
      if (JSON.stringify(prior.request) !== JSON.stringify(request)) fake.conflicts.push(c.idempotencyKey);
    } else {
      fake.byKey.set(c.idempotencyKey, c);
    }
    fake.calls.push(c);
    if (method === 'SendVerificationCode') fake.codes.set(c.financingId, String(request.code));
    fake.onCall?.(c);
  };

  const handle = <Req extends { idempotencyKey: string; merchantId: string; financingId: string }>(method: string) =>
    (call: grpc.ServerUnaryCall<Req, object>, cb: grpc.sendUnaryData<object>) => {
      if (fake.down) return cb({ code: grpc.status.UNAVAILABLE, details: 'fake gateway is down' });
      record(method, call.request as unknown as Record<string, unknown> & Req);
      cb(null, {});
    };

  const lender: LenderGatewayServiceHandlers = {
    AuthorizeDisbursement: handle('AuthorizeDisbursement'),
    ReceiveRepayment: handle('ReceiveRepayment'),
    ReceiveCoverageAlert: handle('ReceiveCoverageAlert'),
    ReceiveFinancingClosed: handle('ReceiveFinancingClosed'),
  };
  const notifier: MerchantNotifierServiceHandlers = { SendVerificationCode: handle('SendVerificationCode') };
  server.addService(v1.LenderGatewayService.service, lender);
  server.addService(v1.MerchantNotifierService.service, notifier);
  fake.port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  fake.target = `${host}:${fake.port}`;
  return fake;
}
