// Original file: proto/orderpool/v1/orderpool.proto

import type { FinancingState as _orderpool_v1_FinancingState, FinancingState__Output as _orderpool_v1_FinancingState__Output } from '../../orderpool/v1/FinancingState';
import type { Money as _orderpool_v1_Money, Money__Output as _orderpool_v1_Money__Output } from '../../orderpool/v1/Money';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';
import type { Long } from '@grpc/proto-loader';

/**
 * A merchant's request for an advance and its life until repaid.
 */
export interface Financing {
  /**
   * The borrowing merchant.
   */
  'merchantId'?: (string);
  /**
   * Assigned by orderpool, unique per merchant.
   */
  'financingId'?: (string);
  /**
   * The lender asked.
   */
  'lenderId'?: (string);
  /**
   * The caller's idempotency key for RequestFinancing.
   */
  'requestId'?: (string);
  /**
   * The financing's state.
   */
  'state'?: (_orderpool_v1_FinancingState);
  /**
   * The amount asked for.
   */
  'requested'?: (_orderpool_v1_Money | null);
  /**
   * min(requested, floor(pool total x advance rate)) at totaling.
   */
  'approved'?: (_orderpool_v1_Money | null);
  /**
   * floor(approved x fee_bps / 10000).
   */
  'fee'?: (_orderpool_v1_Money | null);
  /**
   * The sum of the amounts of the orders in the pool now.
   */
  'poolTotal'?: (_orderpool_v1_Money | null);
  /**
   * How many orders are in the pool now.
   */
  'poolOrderCount'?: (number | string | Long);
  /**
   * approved + fee - repaid. Owed from disbursement (SETTLING) on.
   */
  'outstanding'?: (_orderpool_v1_Money | null);
  /**
   * The sum of repayments routed to the lender.
   */
  'repaid'?: (_orderpool_v1_Money | null);
  /**
   * The pool does not cover the outstanding amount; new orders are pledged
   * on arrival until it does.
   */
  'underCovered'?: (boolean);
  /**
   * Why the financing ended without repayment (an UPPER_SNAKE reason, e.g.
   * INSUFFICIENT_ORDERS, VERIFICATION_EXPIRED, DISBURSEMENT_EXPIRED) or the
   * text the lender or merchant gave.
   */
  'endReason'?: (string);
  /**
   * The lender's reference for the disbursement.
   */
  'lenderReference'?: (string);
  /**
   * When the financing was requested.
   */
  'createTime'?: (_google_protobuf_Timestamp | null);
  /**
   * When it last changed.
   */
  'updateTime'?: (_google_protobuf_Timestamp | null);
  /**
   * When the verification code expires (AWAITING_VERIFICATION only).
   */
  'verificationExpireTime'?: (_google_protobuf_Timestamp | null);
  /**
   * Wrong codes still allowed (AWAITING_VERIFICATION only).
   */
  'verificationAttemptsLeft'?: (number);
  /**
   * When an undisbursed authorization expires (NOTIFIED only).
   */
  'disbursementDeadline'?: (_google_protobuf_Timestamp | null);
  /**
   * The lender's advance rate when the financing was requested.
   */
  'advanceRateBps'?: (number);
  /**
   * The lender's repayment share when the financing was requested.
   */
  'repaymentShareBps'?: (number);
  /**
   * The lender's fee when the financing was requested.
   */
  'feeBps'?: (number);
}

/**
 * A merchant's request for an advance and its life until repaid.
 */
export interface Financing__Output {
  /**
   * The borrowing merchant.
   */
  'merchantId': (string);
  /**
   * Assigned by orderpool, unique per merchant.
   */
  'financingId': (string);
  /**
   * The lender asked.
   */
  'lenderId': (string);
  /**
   * The caller's idempotency key for RequestFinancing.
   */
  'requestId': (string);
  /**
   * The financing's state.
   */
  'state': (_orderpool_v1_FinancingState__Output);
  /**
   * The amount asked for.
   */
  'requested': (_orderpool_v1_Money__Output | null);
  /**
   * min(requested, floor(pool total x advance rate)) at totaling.
   */
  'approved': (_orderpool_v1_Money__Output | null);
  /**
   * floor(approved x fee_bps / 10000).
   */
  'fee': (_orderpool_v1_Money__Output | null);
  /**
   * The sum of the amounts of the orders in the pool now.
   */
  'poolTotal': (_orderpool_v1_Money__Output | null);
  /**
   * How many orders are in the pool now.
   */
  'poolOrderCount': (string);
  /**
   * approved + fee - repaid. Owed from disbursement (SETTLING) on.
   */
  'outstanding': (_orderpool_v1_Money__Output | null);
  /**
   * The sum of repayments routed to the lender.
   */
  'repaid': (_orderpool_v1_Money__Output | null);
  /**
   * The pool does not cover the outstanding amount; new orders are pledged
   * on arrival until it does.
   */
  'underCovered': (boolean);
  /**
   * Why the financing ended without repayment (an UPPER_SNAKE reason, e.g.
   * INSUFFICIENT_ORDERS, VERIFICATION_EXPIRED, DISBURSEMENT_EXPIRED) or the
   * text the lender or merchant gave.
   */
  'endReason': (string);
  /**
   * The lender's reference for the disbursement.
   */
  'lenderReference': (string);
  /**
   * When the financing was requested.
   */
  'createTime': (_google_protobuf_Timestamp__Output | null);
  /**
   * When it last changed.
   */
  'updateTime': (_google_protobuf_Timestamp__Output | null);
  /**
   * When the verification code expires (AWAITING_VERIFICATION only).
   */
  'verificationExpireTime': (_google_protobuf_Timestamp__Output | null);
  /**
   * Wrong codes still allowed (AWAITING_VERIFICATION only).
   */
  'verificationAttemptsLeft': (number);
  /**
   * When an undisbursed authorization expires (NOTIFIED only).
   */
  'disbursementDeadline': (_google_protobuf_Timestamp__Output | null);
  /**
   * The lender's advance rate when the financing was requested.
   */
  'advanceRateBps': (number);
  /**
   * The lender's repayment share when the financing was requested.
   */
  'repaymentShareBps': (number);
  /**
   * The lender's fee when the financing was requested.
   */
  'feeBps': (number);
}
