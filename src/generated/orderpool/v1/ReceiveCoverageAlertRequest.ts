// Original file: proto/orderpool/v1/orderpool.proto

import type { Money as _orderpool_v1_Money, Money__Output as _orderpool_v1_Money__Output } from '../../orderpool/v1/Money';

/**
 * Request of ReceiveCoverageAlert.
 */
export interface ReceiveCoverageAlertRequest {
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
   * True: the pool no longer covers the outstanding amount. False: it does
   * again.
   */
  'underCovered'?: (boolean);
  /**
   * The pool total at the time.
   */
  'poolTotal'?: (_orderpool_v1_Money | null);
  /**
   * What was outstanding at the time.
   */
  'outstanding'?: (_orderpool_v1_Money | null);
}

/**
 * Request of ReceiveCoverageAlert.
 */
export interface ReceiveCoverageAlertRequest__Output {
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
   * True: the pool no longer covers the outstanding amount. False: it does
   * again.
   */
  'underCovered': (boolean);
  /**
   * The pool total at the time.
   */
  'poolTotal': (_orderpool_v1_Money__Output | null);
  /**
   * What was outstanding at the time.
   */
  'outstanding': (_orderpool_v1_Money__Output | null);
}
