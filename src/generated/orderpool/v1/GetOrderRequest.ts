// Original file: proto/orderpool/v1/orderpool.proto


/**
 * Request of GetOrder.
 */
export interface GetOrderRequest {
  /**
   * The merchant.
   */
  'merchantId'?: (string);
  /**
   * The order.
   */
  'orderId'?: (string);
}

/**
 * Request of GetOrder.
 */
export interface GetOrderRequest__Output {
  /**
   * The merchant.
   */
  'merchantId': (string);
  /**
   * The order.
   */
  'orderId': (string);
}
