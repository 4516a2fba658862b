// Original file: proto/orderpool/v1/orderpool.proto

import type { Money as _orderpool_v1_Money, Money__Output as _orderpool_v1_Money__Output } from '../../orderpool/v1/Money';

/**
 * Request of RecordOrder.
 */
export interface RecordOrderRequest {
  /**
   * The merchant owed the order.
   */
  'merchantId'?: (string);
  /**
   * Unique per merchant; 1..128 printable ASCII characters.
   */
  'orderId'?: (string);
  /**
   * The buyer.
   */
  'buyerId'?: (string);
  /**
   * The order's amount, positive.
   */
  'amount'?: (_orderpool_v1_Money | null);
}

/**
 * Request of RecordOrder.
 */
export interface RecordOrderRequest__Output {
  /**
   * The merchant owed the order.
   */
  'merchantId': (string);
  /**
   * Unique per merchant; 1..128 printable ASCII characters.
   */
  'orderId': (string);
  /**
   * The buyer.
   */
  'buyerId': (string);
  /**
   * The order's amount, positive.
   */
  'amount': (_orderpool_v1_Money__Output | null);
}
