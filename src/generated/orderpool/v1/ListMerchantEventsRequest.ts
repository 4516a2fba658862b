// Original file: proto/orderpool/v1/orderpool.proto


/**
 * Request of ListMerchantEvents.
 */
export interface ListMerchantEventsRequest {
  /**
   * The merchant.
   */
  'merchantId'?: (string);
  /**
   * At most this many events (default 100, at most 1000).
   */
  'pageSize'?: (number);
  /**
   * From a previous response's next_page_token.
   */
  'pageToken'?: (string);
}

/**
 * Request of ListMerchantEvents.
 */
export interface ListMerchantEventsRequest__Output {
  /**
   * The merchant.
   */
  'merchantId': (string);
  /**
   * At most this many events (default 100, at most 1000).
   */
  'pageSize': (number);
  /**
   * From a previous response's next_page_token.
   */
  'pageToken': (string);
}
