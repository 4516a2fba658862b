// Original file: proto/orderpool/v1/orderpool.proto

import type { Order as _orderpool_v1_Order, Order__Output as _orderpool_v1_Order__Output } from '../../orderpool/v1/Order';

/**
 * Response of ListPoolOrders.
 */
export interface ListPoolOrdersResponse {
  /**
   * The pooled orders.
   */
  'orders'?: (_orderpool_v1_Order)[];
  /**
   * Pass to get the next page; empty on the last page.
   */
  'nextPageToken'?: (string);
}

/**
 * Response of ListPoolOrders.
 */
export interface ListPoolOrdersResponse__Output {
  /**
   * The pooled orders.
   */
  'orders': (_orderpool_v1_Order__Output)[];
  /**
   * Pass to get the next page; empty on the last page.
   */
  'nextPageToken': (string);
}
