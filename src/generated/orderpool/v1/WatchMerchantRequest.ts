// Original file: proto/orderpool/v1/orderpool.proto

import type { Long } from '@grpc/proto-loader';

/**
 * Request of WatchMerchant.
 */
export interface WatchMerchantRequest {
  /**
   * The merchant.
   */
  'merchantId'?: (string);
  /**
   * Replay from this sequence (inclusive); 0 replays from the first event.
   */
  'fromSequence'?: (number | string | Long);
}

/**
 * Request of WatchMerchant.
 */
export interface WatchMerchantRequest__Output {
  /**
   * The merchant.
   */
  'merchantId': (string);
  /**
   * Replay from this sequence (inclusive); 0 replays from the first event.
   */
  'fromSequence': (string);
}
