// Original file: proto/orderpool/v1/orderpool.proto


/**
 * Request of CompleteOrder.
 */
export interface CompleteOrderRequest {
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
 * Request of CompleteOrder.
 */
export interface CompleteOrderRequest__Output {
  /**
   * The merchant.
   */
  'merchantId': (string);
  /**
   * The order.
   */
  'orderId': (string);
}
