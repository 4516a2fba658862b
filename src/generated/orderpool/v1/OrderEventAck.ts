// Original file: proto/orderpool/v1/orderpool.proto

import type { Order as _orderpool_v1_Order, Order__Output as _orderpool_v1_Order__Output } from '../../orderpool/v1/Order';
import type { Status as _google_rpc_Status, Status__Output as _google_rpc_Status__Output } from '../../google/rpc/Status';
import type { Long } from '@grpc/proto-loader';

/**
 * The answer to one OrderEvent.
 */
export interface OrderEventAck {
  /**
   * The event's position in the stream, from 0.
   */
  'index'?: (number | string | Long);
  /**
   * The order after the event (when it succeeded).
   */
  'order'?: (_orderpool_v1_Order | null);
  /**
   * Why the event failed (absent when it succeeded).
   */
  'error'?: (_google_rpc_Status | null);
}

/**
 * The answer to one OrderEvent.
 */
export interface OrderEventAck__Output {
  /**
   * The event's position in the stream, from 0.
   */
  'index': (string);
  /**
   * The order after the event (when it succeeded).
   */
  'order': (_orderpool_v1_Order__Output | null);
  /**
   * Why the event failed (absent when it succeeded).
   */
  'error': (_google_rpc_Status__Output | null);
}
