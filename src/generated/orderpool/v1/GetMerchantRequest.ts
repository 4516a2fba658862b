// Original file: proto/orderpool/v1/orderpool.proto


/**
 * Request of GetMerchant.
 */
export interface GetMerchantRequest {
  /**
   * The merchant.
   */
  'merchantId'?: (string);
}

/**
 * Request of GetMerchant.
 */
export interface GetMerchantRequest__Output {
  /**
   * The merchant.
   */
  'merchantId': (string);
}
