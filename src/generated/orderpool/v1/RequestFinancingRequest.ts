// Original file: proto/orderpool/v1/orderpool.proto

import type { Money as _orderpool_v1_Money, Money__Output as _orderpool_v1_Money__Output } from '../../orderpool/v1/Money';

/**
 * Request of RequestFinancing.
 */
export interface RequestFinancingRequest {
  /**
   * The borrowing merchant.
   */
  'merchantId'?: (string);
  /**
   * The lender asked.
   */
  'lenderId'?: (string);
  /**
   * The advance asked for, positive; its currency is the financing's.
   */
  'amount'?: (_orderpool_v1_Money | null);
  /**
   * Idempotency key chosen by the caller (1..128 printable ASCII).
   */
  'requestId'?: (string);
}

/**
 * Request of RequestFinancing.
 */
export interface RequestFinancingRequest__Output {
  /**
   * The borrowing merchant.
   */
  'merchantId': (string);
  /**
   * The lender asked.
   */
  'lenderId': (string);
  /**
   * The advance asked for, positive; its currency is the financing's.
   */
  'amount': (_orderpool_v1_Money__Output | null);
  /**
   * Idempotency key chosen by the caller (1..128 printable ASCII).
   */
  'requestId': (string);
}
