// Original file: proto/orderpool/v1/orderpool.proto

import type { FinancingState as _orderpool_v1_FinancingState, FinancingState__Output as _orderpool_v1_FinancingState__Output } from '../../orderpool/v1/FinancingState';
import type { Money as _orderpool_v1_Money, Money__Output as _orderpool_v1_Money__Output } from '../../orderpool/v1/Money';

/**
 * Request of ReceiveFinancingClosed.
 */
export interface ReceiveFinancingClosedRequest {
  /**
   * The same across retries and restarts.
   */
  'idempotencyKey'?: (string);
  /**
   * The merchant.
   */
  'merchantId'?: (string);
  /**
   * The financing.
   */
  'financingId'?: (string);
  /**
   * How it ended (REPAID, DECLINED, CANCELLED or EXPIRED).
   */
  'state'?: (_orderpool_v1_FinancingState);
  /**
   * Everything repaid to the lender.
   */
  'repaid'?: (_orderpool_v1_Money | null);
  /**
   * Why it ended, when not repaid.
   */
  'reason'?: (string);
}

/**
 * Request of ReceiveFinancingClosed.
 */
export interface ReceiveFinancingClosedRequest__Output {
  /**
   * The same across retries and restarts.
   */
  'idempotencyKey': (string);
  /**
   * The merchant.
   */
  'merchantId': (string);
  /**
   * The financing.
   */
  'financingId': (string);
  /**
   * How it ended (REPAID, DECLINED, CANCELLED or EXPIRED).
   */
  'state': (_orderpool_v1_FinancingState__Output);
  /**
   * Everything repaid to the lender.
   */
  'repaid': (_orderpool_v1_Money__Output | null);
  /**
   * Why it ended, when not repaid.
   */
  'reason': (string);
}
