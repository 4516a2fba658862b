/**
 * Request validation at the edge (zod). A schema's error text is
 * "REASON|message": the reason becomes the ErrorInfo reason and the message
 * the BadRequest field description. Validation happens before anything is
 * queued, so a rejected request changes nothing.
 */
import { z } from 'zod';
import { invalid, OrderpoolError } from '../domain/errors';
import { INT64_MAX, isCurrency } from '../domain/money';
import { malformed, MalformedMessage } from './malformed';

export interface Limits {
  /** Largest amount of one order or request, in minor units. */
  maxAmount: bigint;
  maxIdLength: number;
  maxTextLength: number;
}

const e = (reason: string, message: string) => ({ error: `${reason}|${message}` });

export function schemas(limits: Limits) {
  const id = (what: string) =>
    z.string()
      .min(1, e('MISSING_FIELD', `${what} is required`))
      .max(limits.maxIdLength, e('INVALID_ID', `${what} is longer than ${limits.maxIdLength} characters`))
      .regex(/^[\x21-\x7e]+$/, e('INVALID_ID', `${what} must be printable ASCII without spaces`));
  const text = z.string().max(limits.maxTextLength, e('INVALID_FIELD', `at most ${limits.maxTextLength} characters`));
  const money = <O extends boolean = false>(what: string, allowZero = false, optional?: O) =>
    z.object({
      currencyCode: z.string().refine(isCurrency, e('INVALID_CURRENCY', 'currency_code must be an ISO 4217 code such as USD')),
      minorUnits: z.string().transform((s, ctx) => {
        const v = /^-?\d+$/.test(s) ? BigInt(s) : -1n;
        if (v < 0n || (v === 0n && !allowZero)) {
          ctx.addIssue({ code: 'custom', message: `INVALID_AMOUNT|${what} must be positive` });
          return z.NEVER;
        }
        if (v > limits.maxAmount && !allowZero) {
          ctx.addIssue({ code: 'custom', message: `INVALID_AMOUNT|${what} is above the limit of ${limits.maxAmount} minor units` });
          return z.NEVER;
        }
        if (v > INT64_MAX) {
          ctx.addIssue({ code: 'custom', message: `INVALID_AMOUNT|${what} does not fit int64` });
          return z.NEVER;
        }
        return v;
      }),
    }, e('INVALID_AMOUNT', `${what} is required`)).nullable().transform((m, ctx) => {
      if (m === null) {
        if (optional) return null as O extends true ? null : never;
        ctx.addIssue({ code: 'custom', message: `INVALID_AMOUNT|${what} is required` });
        return z.NEVER;
      }
      return { currency: m.currencyCode, amount: m.minorUnits };
    });
  const bps = (what: string, min: number) =>
    z.number().int().min(min, e('INVALID_BPS', `${what} must be ${min}..10000 basis points`)).max(10_000, e('INVALID_BPS', `${what} must be ${min}..10000 basis points`));
  const pageSize = z.number().int().min(0, e('INVALID_FIELD', 'page_size must not be negative')).transform((n) => (n === 0 ? 100 : Math.min(n, 1000)));
  const durationMs = z.object({ seconds: z.string(), nanos: z.number() }).nullable().transform((d, ctx) => {
    if (d === null) return 0;
    const ms = Number(d.seconds) * 1000 + Math.floor(d.nanos / 1e6);
    if (!Number.isSafeInteger(ms) || ms < 0 || ms > 365 * 24 * 3600_000) {
      ctx.addIssue({ code: 'custom', message: 'INVALID_FIELD|duration must be between 0 and 365 days' });
      return z.NEVER;
    }
    return ms;
  });

  const merchant = { merchantId: id('merchant_id') };
  return {
    /** The limits these schemas check (./order-fast-path.ts checks the same). */
    limits: { maxAmount: limits.maxAmount, maxIdLength: limits.maxIdLength, maxTextLength: limits.maxTextLength } satisfies Limits,
    recordOrder: z.object({ ...merchant, orderId: id('order_id'), buyerId: id('buyer_id'), amount: money('amount') }),
    completeOrder: z.object({ ...merchant, orderId: id('order_id') }),
    refundOrder: z.object({ ...merchant, orderId: id('order_id'), reason: text }),
    requestFinancing: z.object({ ...merchant, lenderId: id('lender_id'), amount: money('amount'), requestId: id('request_id') }),
    verifyFinancing: z.object({
      ...merchant, financingId: id('financing_id'),
      code: z.string().regex(/^\d{6}$/, e('INVALID_CODE', 'code must be 6 digits')),
    }),
    cancelFinancing: z.object({ ...merchant, financingId: id('financing_id'), reason: text }),
    confirmDisbursement: z.object({
      ...merchant, financingId: id('financing_id'), lenderId: id('lender_id'), amount: money('amount'), lenderReference: id('lender_reference'),
    }),
    declineFinancing: z.object({ ...merchant, financingId: id('financing_id'), lenderId: id('lender_id'), reason: text }),
    getMerchant: z.object(merchant),
    getOrder: z.object({ ...merchant, orderId: id('order_id') }),
    getFinancing: z.object({ ...merchant, financingId: id('financing_id') }),
    listPoolOrders: z.object({ ...merchant, financingId: id('financing_id'), pageSize, pageToken: z.string() }),
    listMerchantEvents: z.object({ ...merchant, pageSize, pageToken: z.string() }),
    watchMerchant: z.object({
      ...merchant,
      fromSequence: z.string().regex(/^\d+$/, e('INVALID_FIELD', 'from_sequence must not be negative')).transform(Number),
    }),
    upsertLender: z.object({
      lender: z.object({
        lenderId: id('lender_id'),
        gatewayTarget: z.string().regex(/^[A-Za-z0-9.\-_:[\]]+:\d{1,5}$/, e('INVALID_TARGET', 'gateway_target must be host:port'))
          .refine((t) => { const port = Number(t.slice(t.lastIndexOf(':') + 1)); return port >= 1 && port <= 65_535; },
            e('INVALID_TARGET', 'gateway_target port must be 1..65535')),
        advanceRateBps: bps('advance_rate_bps', 1),
        repaymentShareBps: bps('repayment_share_bps', 1),
        feeBps: bps('fee_bps', 0),
        verificationThreshold: money('verification_threshold', true, true),
        minCompletedOrders: z.string().regex(/^\d{1,9}$/, e('INVALID_FIELD', 'min_completed_orders must be 0..999999999')).transform(Number),
        maxRefundRateBps: bps('max_refund_rate_bps', 0).optional(),
        verificationTtl: durationMs,
        disbursementTimeout: durationMs,
      }, e('MISSING_FIELD', 'lender is required')).nullable().refine((l) => l !== null, e('MISSING_FIELD', 'lender is required')),
    }),
    getLender: z.object({ lenderId: id('lender_id') }),
    listLenders: z.object({ pageSize, pageToken: z.string() }),
  };
}

export type Schemas = ReturnType<typeof schemas>;

const snake = (s: string | number | symbol) => String(s).replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Parses a request or throws INVALID_ARGUMENT with the first problem's reason. */
export function parse<S extends z.ZodType>(schema: S, request: unknown): z.output<S> {
  if (request instanceof MalformedMessage) throw malformed();
  const r = schema.safeParse(request);
  if (r.success) return r.data;
  const issues = r.error.issues;
  const first = issues[0]!;
  const [reason, message] = first.message.includes('|') ? first.message.split('|', 2) as [string, string] : ['INVALID_FIELD', first.message];
  const field = first.path.map(snake).join('.');
  const err = invalid(reason, `${field}: ${message}`, field);
  return throwWith(err, issues.map((i) => ({ field: i.path.map(snake).join('.'), description: i.message.split('|').pop()! })));
}

function throwWith(err: OrderpoolError, violations: { field: string; description: string }[]): never {
  throw new OrderpoolError(err.status, err.reason, err.message, err.metadata, violations);
}
