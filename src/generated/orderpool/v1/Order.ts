// Original file: proto/orderpool/v1/orderpool.proto

import type { Money as _orderpool_v1_Money, Money__Output as _orderpool_v1_Money__Output } from '../../orderpool/v1/Money';
import type { OrderState as _orderpool_v1_OrderState, OrderState__Output as _orderpool_v1_OrderState__Output } from '../../orderpool/v1/OrderState';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';

/**
 * A buyer's payment held until the buyer confirms, owed to the merchant.
 */
export interface Order {
  /**
   * The merchant the order is owed to.
   */
  'merchantId'?: (string);
  /**
   * The order's id, unique per merchant.
   */
  'orderId'?: (string);
  /**
   * The buyer who placed it.
   */
  'buyerId'?: (string);
  /**
   * The order's amount.
   */
  'amount'?: (_orderpool_v1_Money | null);
  /**
   * The order's state.
   */
  'state'?: (_orderpool_v1_OrderState);
  /**
   * The financing whose pool holds the order (POOLED), or held it when it
   * completed or was refunded; empty otherwise.
   */
  'financingId'?: (string);
  /**
   * When the order was recorded.
   */
  'createTime'?: (_google_protobuf_Timestamp | null);
  /**
   * When the order last changed.
   */
  'updateTime'?: (_google_protobuf_Timestamp | null);
  /**
   * Why it was refunded (REFUNDED only).
   */
  'refundReason'?: (string);
  /**
   * What its completion routed to the lender (COMPLETED from a settling
   * pool only; zero otherwise).
   */
  'repayment'?: (_orderpool_v1_Money | null);
}

/**
 * A buyer's payment held until the buyer confirms, owed to the merchant.
 */
export interface Order__Output {
  /**
   * The merchant the order is owed to.
   */
  'merchantId': (string);
  /**
   * The order's id, unique per merchant.
   */
  'orderId': (string);
  /**
   * The buyer who placed it.
   */
  'buyerId': (string);
  /**
   * The order's amount.
   */
  'amount': (_orderpool_v1_Money__Output | null);
  /**
   * The order's state.
   */
  'state': (_orderpool_v1_OrderState__Output);
  /**
   * The financing whose pool holds the order (POOLED), or held it when it
   * completed or was refunded; empty otherwise.
   */
  'financingId': (string);
  /**
   * When the order was recorded.
   */
  'createTime': (_google_protobuf_Timestamp__Output | null);
  /**
   * When the order last changed.
   */
  'updateTime': (_google_protobuf_Timestamp__Output | null);
  /**
   * Why it was refunded (REFUNDED only).
   */
  'refundReason': (string);
  /**
   * What its completion routed to the lender (COMPLETED from a settling
   * pool only; zero otherwise).
   */
  'repayment': (_orderpool_v1_Money__Output | null);
}
