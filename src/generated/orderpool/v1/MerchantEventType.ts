// Original file: proto/orderpool/v1/orderpool.proto

/**
 * What happened in a merchant event.
 */
export const MerchantEventType = {
  /**
   * Not used.
   */
  MERCHANT_EVENT_TYPE_UNSPECIFIED: 'MERCHANT_EVENT_TYPE_UNSPECIFIED',
  /**
   * An order was recorded (order).
   */
  MERCHANT_EVENT_TYPE_ORDER_RECORDED: 'MERCHANT_EVENT_TYPE_ORDER_RECORDED',
  /**
   * An order completed (order; amount = repayment routed to the lender).
   */
  MERCHANT_EVENT_TYPE_ORDER_COMPLETED: 'MERCHANT_EVENT_TYPE_ORDER_COMPLETED',
  /**
   * An order was refunded (order).
   */
  MERCHANT_EVENT_TYPE_ORDER_REFUNDED: 'MERCHANT_EVENT_TYPE_ORDER_REFUNDED',
  /**
   * A financing was requested (financing).
   */
  MERCHANT_EVENT_TYPE_FINANCING_REQUESTED: 'MERCHANT_EVENT_TYPE_FINANCING_REQUESTED',
  /**
   * An order was pledged to the pool (order, financing).
   */
  MERCHANT_EVENT_TYPE_ORDER_PLEDGED: 'MERCHANT_EVENT_TYPE_ORDER_PLEDGED',
  /**
   * The pool was totaled and the advance approved (financing).
   */
  MERCHANT_EVENT_TYPE_POOL_TOTALED: 'MERCHANT_EVENT_TYPE_POOL_TOTALED',
  /**
   * The financing was rejected (financing; detail = reason).
   */
  MERCHANT_EVENT_TYPE_FINANCING_REJECTED: 'MERCHANT_EVENT_TYPE_FINANCING_REJECTED',
  /**
   * A verification code was sent to the merchant (financing).
   */
  MERCHANT_EVENT_TYPE_VERIFICATION_REQUESTED: 'MERCHANT_EVENT_TYPE_VERIFICATION_REQUESTED',
  /**
   * A wrong verification code was entered (financing).
   */
  MERCHANT_EVENT_TYPE_VERIFICATION_FAILED: 'MERCHANT_EVENT_TYPE_VERIFICATION_FAILED',
  /**
   * The lender was told it may disburse (financing).
   */
  MERCHANT_EVENT_TYPE_DISBURSEMENT_AUTHORIZED: 'MERCHANT_EVENT_TYPE_DISBURSEMENT_AUTHORIZED',
  /**
   * The lender confirmed the disbursement (financing).
   */
  MERCHANT_EVENT_TYPE_DISBURSEMENT_CONFIRMED: 'MERCHANT_EVENT_TYPE_DISBURSEMENT_CONFIRMED',
  /**
   * An order left the pool back to OPEN when the financing ended (order).
   */
  MERCHANT_EVENT_TYPE_ORDER_RELEASED: 'MERCHANT_EVENT_TYPE_ORDER_RELEASED',
  /**
   * The pool stopped covering the outstanding amount (financing).
   */
  MERCHANT_EVENT_TYPE_COVERAGE_LOST: 'MERCHANT_EVENT_TYPE_COVERAGE_LOST',
  /**
   * The pool covers the outstanding amount again (financing).
   */
  MERCHANT_EVENT_TYPE_COVERAGE_RESTORED: 'MERCHANT_EVENT_TYPE_COVERAGE_RESTORED',
  /**
   * The financing was fully repaid (financing).
   */
  MERCHANT_EVENT_TYPE_FINANCING_REPAID: 'MERCHANT_EVENT_TYPE_FINANCING_REPAID',
  /**
   * The lender declined (financing; detail = reason).
   */
  MERCHANT_EVENT_TYPE_FINANCING_DECLINED: 'MERCHANT_EVENT_TYPE_FINANCING_DECLINED',
  /**
   * The merchant cancelled (financing; detail = reason).
   */
  MERCHANT_EVENT_TYPE_FINANCING_CANCELLED: 'MERCHANT_EVENT_TYPE_FINANCING_CANCELLED',
  /**
   * A deadline passed (financing; detail = which).
   */
  MERCHANT_EVENT_TYPE_FINANCING_EXPIRED: 'MERCHANT_EVENT_TYPE_FINANCING_EXPIRED',
} as const;

/**
 * What happened in a merchant event.
 */
export type MerchantEventType =
  /**
   * Not used.
   */
  | 'MERCHANT_EVENT_TYPE_UNSPECIFIED'
  | 0
  /**
   * An order was recorded (order).
   */
  | 'MERCHANT_EVENT_TYPE_ORDER_RECORDED'
  | 1
  /**
   * An order completed (order; amount = repayment routed to the lender).
   */
  | 'MERCHANT_EVENT_TYPE_ORDER_COMPLETED'
  | 2
  /**
   * An order was refunded (order).
   */
  | 'MERCHANT_EVENT_TYPE_ORDER_REFUNDED'
  | 3
  /**
   * A financing was requested (financing).
   */
  | 'MERCHANT_EVENT_TYPE_FINANCING_REQUESTED'
  | 4
  /**
   * An order was pledged to the pool (order, financing).
   */
  | 'MERCHANT_EVENT_TYPE_ORDER_PLEDGED'
  | 5
  /**
   * The pool was totaled and the advance approved (financing).
   */
  | 'MERCHANT_EVENT_TYPE_POOL_TOTALED'
  | 6
  /**
   * The financing was rejected (financing; detail = reason).
   */
  | 'MERCHANT_EVENT_TYPE_FINANCING_REJECTED'
  | 7
  /**
   * A verification code was sent to the merchant (financing).
   */
  | 'MERCHANT_EVENT_TYPE_VERIFICATION_REQUESTED'
  | 8
  /**
   * A wrong verification code was entered (financing).
   */
  | 'MERCHANT_EVENT_TYPE_VERIFICATION_FAILED'
  | 9
  /**
   * The lender was told it may disburse (financing).
   */
  | 'MERCHANT_EVENT_TYPE_DISBURSEMENT_AUTHORIZED'
  | 10
  /**
   * The lender confirmed the disbursement (financing).
   */
  | 'MERCHANT_EVENT_TYPE_DISBURSEMENT_CONFIRMED'
  | 11
  /**
   * An order left the pool back to OPEN when the financing ended (order).
   */
  | 'MERCHANT_EVENT_TYPE_ORDER_RELEASED'
  | 12
  /**
   * The pool stopped covering the outstanding amount (financing).
   */
  | 'MERCHANT_EVENT_TYPE_COVERAGE_LOST'
  | 13
  /**
   * The pool covers the outstanding amount again (financing).
   */
  | 'MERCHANT_EVENT_TYPE_COVERAGE_RESTORED'
  | 14
  /**
   * The financing was fully repaid (financing).
   */
  | 'MERCHANT_EVENT_TYPE_FINANCING_REPAID'
  | 15
  /**
   * The lender declined (financing; detail = reason).
   */
  | 'MERCHANT_EVENT_TYPE_FINANCING_DECLINED'
  | 16
  /**
   * The merchant cancelled (financing; detail = reason).
   */
  | 'MERCHANT_EVENT_TYPE_FINANCING_CANCELLED'
  | 17
  /**
   * A deadline passed (financing; detail = which).
   */
  | 'MERCHANT_EVENT_TYPE_FINANCING_EXPIRED'
  | 18

/**
 * What happened in a merchant event.
 */
export type MerchantEventType__Output = typeof MerchantEventType[keyof typeof MerchantEventType]
