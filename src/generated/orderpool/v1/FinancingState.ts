// Original file: proto/orderpool/v1/orderpool.proto

/**
 * The state of a financing.
 */
export const FinancingState = {
  /**
   * Not used.
   */
  FINANCING_STATE_UNSPECIFIED: 'FINANCING_STATE_UNSPECIFIED',
  /**
   * Pledging open orders into the pool.
   */
  FINANCING_STATE_COLLECTING: 'FINANCING_STATE_COLLECTING',
  /**
   * Computing the pool total and the approved amount.
   */
  FINANCING_STATE_TOTALING: 'FINANCING_STATE_TOTALING',
  /**
   * Waiting for the merchant's one-time code.
   */
  FINANCING_STATE_AWAITING_VERIFICATION: 'FINANCING_STATE_AWAITING_VERIFICATION',
  /**
   * The lender was told it may disburse; waiting for its answer.
   */
  FINANCING_STATE_NOTIFIED: 'FINANCING_STATE_NOTIFIED',
  /**
   * Disbursed; repaid from completing pooled orders.
   */
  FINANCING_STATE_SETTLING: 'FINANCING_STATE_SETTLING',
  /**
   * Fully repaid (end).
   */
  FINANCING_STATE_REPAID: 'FINANCING_STATE_REPAID',
  /**
   * Nothing could be approved, or the merchant was not eligible (end).
   */
  FINANCING_STATE_REJECTED: 'FINANCING_STATE_REJECTED',
  /**
   * The lender declined (end).
   */
  FINANCING_STATE_DECLINED: 'FINANCING_STATE_DECLINED',
  /**
   * The merchant cancelled, or verification failed too often (end).
   */
  FINANCING_STATE_CANCELLED: 'FINANCING_STATE_CANCELLED',
  /**
   * A verification or disbursement deadline passed (end).
   */
  FINANCING_STATE_EXPIRED: 'FINANCING_STATE_EXPIRED',
} as const;

/**
 * The state of a financing.
 */
export type FinancingState =
  /**
   * Not used.
   */
  | 'FINANCING_STATE_UNSPECIFIED'
  | 0
  /**
   * Pledging open orders into the pool.
   */
  | 'FINANCING_STATE_COLLECTING'
  | 1
  /**
   * Computing the pool total and the approved amount.
   */
  | 'FINANCING_STATE_TOTALING'
  | 2
  /**
   * Waiting for the merchant's one-time code.
   */
  | 'FINANCING_STATE_AWAITING_VERIFICATION'
  | 3
  /**
   * The lender was told it may disburse; waiting for its answer.
   */
  | 'FINANCING_STATE_NOTIFIED'
  | 4
  /**
   * Disbursed; repaid from completing pooled orders.
   */
  | 'FINANCING_STATE_SETTLING'
  | 5
  /**
   * Fully repaid (end).
   */
  | 'FINANCING_STATE_REPAID'
  | 6
  /**
   * Nothing could be approved, or the merchant was not eligible (end).
   */
  | 'FINANCING_STATE_REJECTED'
  | 7
  /**
   * The lender declined (end).
   */
  | 'FINANCING_STATE_DECLINED'
  | 8
  /**
   * The merchant cancelled, or verification failed too often (end).
   */
  | 'FINANCING_STATE_CANCELLED'
  | 9
  /**
   * A verification or disbursement deadline passed (end).
   */
  | 'FINANCING_STATE_EXPIRED'
  | 10

/**
 * The state of a financing.
 */
export type FinancingState__Output = typeof FinancingState[keyof typeof FinancingState]
