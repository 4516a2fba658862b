// Original file: proto/orderpool/v1/orderpool.proto


/**
 * Request of VerifyFinancing.
 */
export interface VerifyFinancingRequest {
  /**
   * The merchant.
   */
  'merchantId'?: (string);
  /**
   * The financing.
   */
  'financingId'?: (string);
  /**
   * The 6-digit code the merchant received.
   */
  'code'?: (string);
}

/**
 * Request of VerifyFinancing.
 */
export interface VerifyFinancingRequest__Output {
  /**
   * The merchant.
   */
  'merchantId': (string);
  /**
   * The financing.
   */
  'financingId': (string);
  /**
   * The 6-digit code the merchant received.
   */
  'code': (string);
}
