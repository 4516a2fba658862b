// Original file: proto/orderpool/v1/orderpool.proto

/**
 * The state of an order.
 */
export const OrderState = {
  /**
   * Not used.
   */
  ORDER_STATE_UNSPECIFIED: 'ORDER_STATE_UNSPECIFIED',
  /**
   * Recorded, not yet paid out, not pledged.
   */
  ORDER_STATE_OPEN: 'ORDER_STATE_OPEN',
  /**
   * Pledged to a financing's pool.
   */
  ORDER_STATE_POOLED: 'ORDER_STATE_POOLED',
  /**
   * The buyer confirmed; the money was released.
   */
  ORDER_STATE_COMPLETED: 'ORDER_STATE_COMPLETED',
  /**
   * The money went back to the buyer.
   */
  ORDER_STATE_REFUNDED: 'ORDER_STATE_REFUNDED',
} as const;

/**
 * The state of an order.
 */
export type OrderState =
  /**
   * Not used.
   */
  | 'ORDER_STATE_UNSPECIFIED'
  | 0
  /**
   * Recorded, not yet paid out, not pledged.
   */
  | 'ORDER_STATE_OPEN'
  | 1
  /**
   * Pledged to a financing's pool.
   */
  | 'ORDER_STATE_POOLED'
  | 2
  /**
   * The buyer confirmed; the money was released.
   */
  | 'ORDER_STATE_COMPLETED'
  | 3
  /**
   * The money went back to the buyer.
   */
  | 'ORDER_STATE_REFUNDED'
  | 4

/**
 * The state of an order.
 */
export type OrderState__Output = typeof OrderState[keyof typeof OrderState]
