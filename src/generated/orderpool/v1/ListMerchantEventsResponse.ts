// Original file: proto/orderpool/v1/orderpool.proto

import type { MerchantEvent as _orderpool_v1_MerchantEvent, MerchantEvent__Output as _orderpool_v1_MerchantEvent__Output } from '../../orderpool/v1/MerchantEvent';

/**
 * Response of ListMerchantEvents.
 */
export interface ListMerchantEventsResponse {
  /**
   * The events, in sequence order.
   */
  'events'?: (_orderpool_v1_MerchantEvent)[];
  /**
   * Pass to get the next page; empty when there are no more events now.
   */
  'nextPageToken'?: (string);
}

/**
 * Response of ListMerchantEvents.
 */
export interface ListMerchantEventsResponse__Output {
  /**
   * The events, in sequence order.
   */
  'events': (_orderpool_v1_MerchantEvent__Output)[];
  /**
   * Pass to get the next page; empty when there are no more events now.
   */
  'nextPageToken': (string);
}
