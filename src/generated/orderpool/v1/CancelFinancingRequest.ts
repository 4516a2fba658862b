// Original file: proto/orderpool/v1/orderpool.proto


/**
 * Request of CancelFinancing.
 */
export interface CancelFinancingRequest {
  /**
   * The merchant.
   */
  'merchantId'?: (string);
  /**
   * The financing.
   */
  'financingId'?: (string);
  /**
   * Why (free text, optional).
   */
  'reason'?: (string);
}

/**
 * Request of CancelFinancing.
 */
export interface CancelFinancingRequest__Output {
  /**
   * The merchant.
   */
  'merchantId': (string);
  /**
   * The financing.
   */
  'financingId': (string);
  /**
   * Why (free text, optional).
   */
  'reason': (string);
}
