// Original file: proto/orderpool/v1/orderpool.proto

import type { Money as _orderpool_v1_Money, Money__Output as _orderpool_v1_Money__Output } from '../../orderpool/v1/Money';
import type { Duration as _google_protobuf_Duration, Duration__Output as _google_protobuf_Duration__Output } from '../../google/protobuf/Duration';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';
import type { Long } from '@grpc/proto-loader';

/**
 * A lender and its policy.
 */
export interface Lender {
  /**
   * The lender's id.
   */
  'lenderId'?: (string);
  /**
   * host:port of the lender's LenderGatewayService.
   */
  'gatewayTarget'?: (string);
  /**
   * Share of the pool total that can be advanced, 1..10000 basis points.
   */
  'advanceRateBps'?: (number);
  /**
   * Share of each completed pooled order routed to the lender, 1..10000.
   */
  'repaymentShareBps'?: (number);
  /**
   * Fee on the approved amount, 0..10000 basis points.
   */
  'feeBps'?: (number);
  /**
   * Step-up verification is required when the pool total is at or above
   * this amount. Unset: never. Its currency is the only one the lender
   * finances in; unset: any currency.
   */
  'verificationThreshold'?: (_orderpool_v1_Money | null);
  /**
   * Eligibility: the merchant must have completed at least this many orders.
   */
  'minCompletedOrders'?: (number | string | Long);
  /**
   * Eligibility: refunded / (completed + refunded) must not exceed this, in
   * basis points. Unset: no limit.
   */
  'maxRefundRateBps'?: (number);
  /**
   * How long a verification code lives. Unset: the server's default.
   */
  'verificationTtl'?: (_google_protobuf_Duration | null);
  /**
   * How long the lender has to confirm a disbursement. Unset: the server's
   * default.
   */
  'disbursementTimeout'?: (_google_protobuf_Duration | null);
  /**
   * When the lender was first upserted.
   */
  'createTime'?: (_google_protobuf_Timestamp | null);
  /**
   * When it was last upserted.
   */
  'updateTime'?: (_google_protobuf_Timestamp | null);
  '_maxRefundRateBps'?: "maxRefundRateBps";
}

/**
 * A lender and its policy.
 */
export interface Lender__Output {
  /**
   * The lender's id.
   */
  'lenderId': (string);
  /**
   * host:port of the lender's LenderGatewayService.
   */
  'gatewayTarget': (string);
  /**
   * Share of the pool total that can be advanced, 1..10000 basis points.
   */
  'advanceRateBps': (number);
  /**
   * Share of each completed pooled order routed to the lender, 1..10000.
   */
  'repaymentShareBps': (number);
  /**
   * Fee on the approved amount, 0..10000 basis points.
   */
  'feeBps': (number);
  /**
   * Step-up verification is required when the pool total is at or above
   * this amount. Unset: never. Its currency is the only one the lender
   * finances in; unset: any currency.
   */
  'verificationThreshold': (_orderpool_v1_Money__Output | null);
  /**
   * Eligibility: the merchant must have completed at least this many orders.
   */
  'minCompletedOrders': (string);
  /**
   * Eligibility: refunded / (completed + refunded) must not exceed this, in
   * basis points. Unset: no limit.
   */
  'maxRefundRateBps'?: (number);
  /**
   * How long a verification code lives. Unset: the server's default.
   */
  'verificationTtl': (_google_protobuf_Duration__Output | null);
  /**
   * How long the lender has to confirm a disbursement. Unset: the server's
   * default.
   */
  'disbursementTimeout': (_google_protobuf_Duration__Output | null);
  /**
   * When the lender was first upserted.
   */
  'createTime': (_google_protobuf_Timestamp__Output | null);
  /**
   * When it was last upserted.
   */
  'updateTime': (_google_protobuf_Timestamp__Output | null);
  '_maxRefundRateBps'?: "maxRefundRateBps";
}
