/**
 * The domain's records. Amounts are bigint minor units; times are epoch
 * milliseconds from the injected clock.
 */

export type OrderStatus = 'OPEN' | 'POOLED' | 'COMPLETED' | 'REFUNDED';

export interface Order {
  merchantId: string;
  orderId: string;
  buyerId: string;
  currency: string;
  amount: bigint;
  state: OrderStatus;
  /** The pool holding it (POOLED), or that held it when it completed or was refunded. */
  financingId: string;
  createTime: number;
  updateTime: number;
  refundReason: string;
  /** What its completion routed to the lender. */
  repayment: bigint;
  /** Arrival position within the merchant: oldest first means lowest first. */
  arrival: number;
  /** Sequence of the event that pledged it (its place in the pool). */
  pledgeSeq: number;
}

export type FinancingStatus =
  | 'COLLECTING'
  | 'TOTALING'
  | 'AWAITING_VERIFICATION'
  | 'NOTIFIED'
  | 'SETTLING'
  | 'REPAID'
  | 'REJECTED'
  | 'DECLINED'
  | 'CANCELLED'
  | 'EXPIRED';

export const ENDED: ReadonlySet<FinancingStatus> = new Set(['REPAID', 'REJECTED', 'DECLINED', 'CANCELLED', 'EXPIRED']);

export interface Financing {
  merchantId: string;
  financingId: string;
  lenderId: string;
  requestId: string;
  state: FinancingStatus;
  currency: string;
  requested: bigint;
  approved: bigint;
  fee: bigint;
  poolTotal: bigint;
  poolOrderCount: number;
  outstanding: bigint;
  repaid: bigint;
  underCovered: boolean;
  endReason: string;
  lenderReference: string;
  createTime: number;
  updateTime: number;
  /** 0 when no code is pending. */
  verificationExpireTime: number;
  verificationAttemptsLeft: number;
  /** sha256(salt || code), hex; never leaves the server. */
  verificationCodeHash: string;
  verificationSalt: string;
  /** 0 when no authorization is pending. */
  disbursementDeadline: number;
  /** The lender's (or the server's) disbursement timeout, frozen at request. */
  disbursementTimeoutMs: number;
  advanceRateBps: number;
  repaymentShareBps: number;
  feeBps: number;
}

/** A lender and the policy it finances under. */
export interface Lender {
  lenderId: string;
  gatewayTarget: string;
  advanceRateBps: number;
  repaymentShareBps: number;
  feeBps: number;
  /** null: never require step-up verification. */
  verificationThreshold: { currency: string; amount: bigint } | null;
  minCompletedOrders: number;
  /** null: no limit. */
  maxRefundRateBps: number | null;
  /** 0: the server's default. */
  verificationTtlMs: number;
  disbursementTimeoutMs: number;
  createTime: number;
  updateTime: number;
}

export type EventType =
  | 'ORDER_RECORDED'
  | 'ORDER_COMPLETED'
  | 'ORDER_REFUNDED'
  | 'FINANCING_REQUESTED'
  | 'ORDER_PLEDGED'
  | 'POOL_TOTALED'
  | 'FINANCING_REJECTED'
  | 'VERIFICATION_REQUESTED'
  | 'VERIFICATION_FAILED'
  | 'DISBURSEMENT_AUTHORIZED'
  | 'DISBURSEMENT_CONFIRMED'
  | 'ORDER_RELEASED'
  | 'COVERAGE_LOST'
  | 'COVERAGE_RESTORED'
  | 'FINANCING_REPAID'
  | 'FINANCING_DECLINED'
  | 'FINANCING_CANCELLED'
  | 'FINANCING_EXPIRED';

/**
 * One journal entry. It carries the order and the financing as they are after
 * the event, so applying it (evolve) needs nothing but the entry itself.
 */
export interface MerchantEvent {
  seq: number;
  merchantId: string;
  time: number;
  type: EventType;
  order?: Order;
  financing?: Financing;
  amount?: bigint;
  detail?: string;
}

export type EffectMethod =
  | 'AuthorizeDisbursement'
  | 'ReceiveRepayment'
  | 'ReceiveCoverageAlert'
  | 'ReceiveFinancingClosed'
  | 'SendVerificationCode';

/**
 * An outbox row: a call to make to a lender gateway or to the notifier. The
 * idempotency key is fixed when the row is written and never changes.
 */
export interface Effect {
  idempotencyKey: string;
  method: EffectMethod;
  /** lender id, or '' for the merchant notifier. */
  lenderId: string;
  merchantId: string;
  financingId: string;
  createTime: number;
  /** Sequence of the merchant event that caused it. */
  seq: number;
  currency: string;
  amount: bigint;
  fee: bigint;
  poolTotal: bigint;
  poolOrderCount: number;
  outstanding: bigint;
  orderIds: string[];
  underCovered: boolean;
  finalState: FinancingStatus | '';
  reason: string;
  deadline: number;
  /** SendVerificationCode only: the plaintext code, deleted with the row once delivered. */
  code: string;
}
