// Original file: proto/orderpool/v1/orderpool.proto

import type { Money as _orderpool_v1_Money, Money__Output as _orderpool_v1_Money__Output } from '../../orderpool/v1/Money';

/**
 * Request of ReceiveRepayment.
 */
export interface ReceiveRepaymentRequest {
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
   * The amount repaid by this call.
   */
  'amount'?: (_orderpool_v1_Money | null);
  /**
   * The completed orders it comes from.
   */
  'orderIds'?: (string)[];
  /**
   * What is still outstanding after the last of these repayments.
   */
  'outstanding'?: (_orderpool_v1_Money | null);
}

/**
 * Request of ReceiveRepayment.
 */
export interface ReceiveRepaymentRequest__Output {
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
   * The amount repaid by this call.
   */
  'amount': (_orderpool_v1_Money__Output | null);
  /**
   * The completed orders it comes from.
   */
  'orderIds': (string)[];
  /**
   * What is still outstanding after the last of these repayments.
   */
  'outstanding': (_orderpool_v1_Money__Output | null);
}
