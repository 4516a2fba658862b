// Original file: proto/orderpool/v1/orderpool.proto


/**
 * Request of GetFinancing.
 */
export interface GetFinancingRequest {
  /**
   * The merchant.
   */
  'merchantId'?: (string);
  /**
   * The financing.
   */
  'financingId'?: (string);
}

/**
 * Request of GetFinancing.
 */
export interface GetFinancingRequest__Output {
  /**
   * The merchant.
   */
  'merchantId': (string);
  /**
   * The financing.
   */
  'financingId': (string);
}
