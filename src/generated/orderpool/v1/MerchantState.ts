// Original file: proto/orderpool/v1/orderpool.proto

/**
 * The state of a merchant's machine.
 */
export const MerchantState = {
  /**
   * Not used.
   */
  MERCHANT_STATE_UNSPECIFIED: 'MERCHANT_STATE_UNSPECIFIED',
  /**
   * No active financing.
   */
  MERCHANT_STATE_IDLE: 'MERCHANT_STATE_IDLE',
  /**
   * Pledging orders for a financing.
   */
  MERCHANT_STATE_COLLECTING: 'MERCHANT_STATE_COLLECTING',
  /**
   * Totaling the pool.
   */
  MERCHANT_STATE_TOTALING: 'MERCHANT_STATE_TOTALING',
  /**
   * Waiting for the one-time code.
   */
  MERCHANT_STATE_AWAITING_VERIFICATION: 'MERCHANT_STATE_AWAITING_VERIFICATION',
  /**
   * Waiting for the lender to disburse.
   */
  MERCHANT_STATE_NOTIFIED: 'MERCHANT_STATE_NOTIFIED',
  /**
   * Repaying a disbursed financing.
   */
  MERCHANT_STATE_SETTLING: 'MERCHANT_STATE_SETTLING',
} as const;

/**
 * The state of a merchant's machine.
 */
export type MerchantState =
  /**
   * Not used.
   */
  | 'MERCHANT_STATE_UNSPECIFIED'
  | 0
  /**
   * No active financing.
   */
  | 'MERCHANT_STATE_IDLE'
  | 1
  /**
   * Pledging orders for a financing.
   */
  | 'MERCHANT_STATE_COLLECTING'
  | 2
  /**
   * Totaling the pool.
   */
  | 'MERCHANT_STATE_TOTALING'
  | 3
  /**
   * Waiting for the one-time code.
   */
  | 'MERCHANT_STATE_AWAITING_VERIFICATION'
  | 4
  /**
   * Waiting for the lender to disburse.
   */
  | 'MERCHANT_STATE_NOTIFIED'
  | 5
  /**
   * Repaying a disbursed financing.
   */
  | 'MERCHANT_STATE_SETTLING'
  | 6

/**
 * The state of a merchant's machine.
 */
export type MerchantState__Output = typeof MerchantState[keyof typeof MerchantState]
