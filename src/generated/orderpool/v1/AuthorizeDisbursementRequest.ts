// Original file: proto/orderpool/v1/orderpool.proto

import type { Money as _orderpool_v1_Money, Money__Output as _orderpool_v1_Money__Output } from '../../orderpool/v1/Money';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';
import type { Long } from '@grpc/proto-loader';

/**
 * Request of AuthorizeDisbursement.
 */
export interface AuthorizeDisbursementRequest {
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
   * The amount the lender may disburse (approved).
   */
  'amount'?: (_orderpool_v1_Money | null);
  /**
   * The fee the merchant will owe on top.
   */
  'fee'?: (_orderpool_v1_Money | null);
  /**
   * The pool total when authorized.
   */
  'poolTotal'?: (_orderpool_v1_Money | null);
  /**
   * The pooled orders when authorized.
   */
  'poolOrderCount'?: (number | string | Long);
  /**
   * Confirm before this or the authorization expires.
   */
  'disbursementDeadline'?: (_google_protobuf_Timestamp | null);
}

/**
 * Request of AuthorizeDisbursement.
 */
export interface AuthorizeDisbursementRequest__Output {
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
   * The amount the lender may disburse (approved).
   */
  'amount': (_orderpool_v1_Money__Output | null);
  /**
   * The fee the merchant will owe on top.
   */
  'fee': (_orderpool_v1_Money__Output | null);
  /**
   * The pool total when authorized.
   */
  'poolTotal': (_orderpool_v1_Money__Output | null);
  /**
   * The pooled orders when authorized.
   */
  'poolOrderCount': (string);
  /**
   * Confirm before this or the authorization expires.
   */
  'disbursementDeadline': (_google_protobuf_Timestamp__Output | null);
}
