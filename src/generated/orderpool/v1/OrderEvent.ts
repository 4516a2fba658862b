// Original file: proto/orderpool/v1/orderpool.proto

import type { RecordOrderRequest as _orderpool_v1_RecordOrderRequest, RecordOrderRequest__Output as _orderpool_v1_RecordOrderRequest__Output } from '../../orderpool/v1/RecordOrderRequest';
import type { CompleteOrderRequest as _orderpool_v1_CompleteOrderRequest, CompleteOrderRequest__Output as _orderpool_v1_CompleteOrderRequest__Output } from '../../orderpool/v1/CompleteOrderRequest';
import type { RefundOrderRequest as _orderpool_v1_RefundOrderRequest, RefundOrderRequest__Output as _orderpool_v1_RefundOrderRequest__Output } from '../../orderpool/v1/RefundOrderRequest';

/**
 * One event of a StreamOrderEvents stream.
 */
export interface OrderEvent {
  /**
   * Record an order.
   */
  'record'?: (_orderpool_v1_RecordOrderRequest | null);
  /**
   * Complete an order.
   */
  'complete'?: (_orderpool_v1_CompleteOrderRequest | null);
  /**
   * Refund an order.
   */
  'refund'?: (_orderpool_v1_RefundOrderRequest | null);
  /**
   * The event.
   */
  'event'?: "record"|"complete"|"refund";
}

/**
 * One event of a StreamOrderEvents stream.
 */
export interface OrderEvent__Output {
  /**
   * Record an order.
   */
  'record'?: (_orderpool_v1_RecordOrderRequest__Output | null);
  /**
   * Complete an order.
   */
  'complete'?: (_orderpool_v1_CompleteOrderRequest__Output | null);
  /**
   * Refund an order.
   */
  'refund'?: (_orderpool_v1_RefundOrderRequest__Output | null);
  /**
   * The event.
   */
  'event'?: "record"|"complete"|"refund";
}
