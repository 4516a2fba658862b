/** LenderAdminService handlers. */
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { Backend } from '../runtime/backend';
import type { LenderAdminServiceHandlers } from '../generated/orderpool/v1/LenderAdminService';
import { requireRole, type Auth, type Principal } from './auth';
import { wireLender } from './convert';
import { decodeToken, encodeToken } from './page-token';
import { toServiceError } from './status';
import { parse, type Schemas } from './validate';

export function lenderAdminHandlers(core: Backend, auth: Auth, s: Schemas, log: Logger): LenderAdminServiceHandlers {
  function unary<Req, Res>(fn: (req: Req, who: Principal) => Promise<Res> | Res): grpc.handleUnaryCall<Req, Res> {
    return (call, callback) => {
      Promise.resolve()
        .then(() => fn(call.request, auth.authenticate(call.metadata)))
        .then((res) => callback(null, res), (e: unknown) => callback(toServiceError(e, (err) => log.error({ err }, 'internal error')) as grpc.ServiceError));
    };
  }
  return {
    UpsertLender: unary(async (req, who) => {
      requireRole(who, ['admin']);
      const { lender: l } = parse(s.upsertLender, req);
      return wireLender(await core.upsertLender({
        lenderId: l!.lenderId,
        gatewayTarget: l!.gatewayTarget,
        advanceRateBps: l!.advanceRateBps,
        repaymentShareBps: l!.repaymentShareBps,
        feeBps: l!.feeBps,
        verificationThreshold: l!.verificationThreshold,
        minCompletedOrders: l!.minCompletedOrders,
        maxRefundRateBps: l!.maxRefundRateBps ?? null,
        verificationTtlMs: l!.verificationTtl,
        disbursementTimeoutMs: l!.disbursementTimeout,
      }));
    }),
    GetLender: unary((req, who) => {
      const r = parse(s.getLender, req);
      requireRole(who, ['admin', 'platform', `lender:${r.lenderId}`]);
      return wireLender(core.getLender(r.lenderId));
    }),
    ListLenders: unary((req, who) => {
      requireRole(who, ['admin', 'platform']);
      const r = parse(s.listLenders, req);
      const after = decodeToken<{ l: string }>(r.pageToken, { l: 'string' })?.l ?? '';
      const all = core.listLenders().filter((l) => l.lenderId > after).sort((a, b) => (a.lenderId < b.lenderId ? -1 : 1));
      const page = all.slice(0, r.pageSize);
      return {
        lenders: page.map(wireLender),
        nextPageToken: all.length > page.length ? encodeToken({ l: page[page.length - 1]!.lenderId }) : '',
      };
    }),
  };
}
