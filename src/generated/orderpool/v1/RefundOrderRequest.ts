// Original file: proto/orderpool/v1/orderpool.proto


/**
 * Request of RefundOrder.
 */
export interface RefundOrderRequest {
  /**
   * The merchant.
   */
  'merchantId'?: (string);
  /**
   * The order.
   */
  'orderId'?: (string);
  /**
   * Why (free text, at most 512 characters).
   */
  'reason'?: (string);
}

/**
 * Request of RefundOrder.
 */
export interface RefundOrderRequest__Output {
  /**
   * The merchant.
   */
  'merchantId': (string);
  /**
   * The order.
   */
  'orderId': (string);
  /**
   * Why (free text, at most 512 characters).
   */
  'reason': (string);
}
