// Original file: proto/orderpool/v1/orderpool.proto


/**
 * Request of ListPoolOrders.
 */
export interface ListPoolOrdersRequest {
  /**
   * The merchant.
   */
  'merchantId'?: (string);
  /**
   * The financing.
   */
  'financingId'?: (string);
  /**
   * At most this many orders (default 100, at most 1000).
   */
  'pageSize'?: (number);
  /**
   * From a previous response's next_page_token.
   */
  'pageToken'?: (string);
}

/**
 * Request of ListPoolOrders.
 */
export interface ListPoolOrdersRequest__Output {
  /**
   * The merchant.
   */
  'merchantId': (string);
  /**
   * The financing.
   */
  'financingId': (string);
  /**
   * At most this many orders (default 100, at most 1000).
   */
  'pageSize': (number);
  /**
   * From a previous response's next_page_token.
   */
  'pageToken': (string);
}
