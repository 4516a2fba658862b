// Original file: proto/orderpool/v1/orderpool.proto


/**
 * Request of DeclineFinancing.
 */
export interface DeclineFinancingRequest {
  /**
   * The merchant.
   */
  'merchantId'?: (string);
  /**
   * The financing.
   */
  'financingId'?: (string);
  /**
   * The lender declining; must be the financing's.
   */
  'lenderId'?: (string);
  /**
   * Why.
   */
  'reason'?: (string);
}

/**
 * Request of DeclineFinancing.
 */
export interface DeclineFinancingRequest__Output {
  /**
   * The merchant.
   */
  'merchantId': (string);
  /**
   * The financing.
   */
  'financingId': (string);
  /**
   * The lender declining; must be the financing's.
   */
  'lenderId': (string);
  /**
   * Why.
   */
  'reason': (string);
}
