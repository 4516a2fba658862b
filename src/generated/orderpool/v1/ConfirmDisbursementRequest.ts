// Original file: proto/orderpool/v1/orderpool.proto

import type { Money as _orderpool_v1_Money, Money__Output as _orderpool_v1_Money__Output } from '../../orderpool/v1/Money';

/**
 * Request of ConfirmDisbursement.
 */
export interface ConfirmDisbursementRequest {
  /**
   * The merchant.
   */
  'merchantId'?: (string);
  /**
   * The financing.
   */
  'financingId'?: (string);
  /**
   * The lender confirming; must be the financing's.
   */
  'lenderId'?: (string);
  /**
   * The amount sent; must equal the approved amount.
   */
  'amount'?: (_orderpool_v1_Money | null);
  /**
   * The lender's reference for the transfer.
   */
  'lenderReference'?: (string);
}

/**
 * Request of ConfirmDisbursement.
 */
export interface ConfirmDisbursementRequest__Output {
  /**
   * The merchant.
   */
  'merchantId': (string);
  /**
   * The financing.
   */
  'financingId': (string);
  /**
   * The lender confirming; must be the financing's.
   */
  'lenderId': (string);
  /**
   * The amount sent; must equal the approved amount.
   */
  'amount': (_orderpool_v1_Money__Output | null);
  /**
   * The lender's reference for the transfer.
   */
  'lenderReference': (string);
}
