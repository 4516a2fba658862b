// Original file: proto/orderpool/v1/orderpool.proto

import type { Lender as _orderpool_v1_Lender, Lender__Output as _orderpool_v1_Lender__Output } from '../../orderpool/v1/Lender';

/**
 * Response of ListLenders.
 */
export interface ListLendersResponse {
  /**
   * The lenders, by lender_id.
   */
  'lenders'?: (_orderpool_v1_Lender)[];
  /**
   * Pass to get the next page; empty on the last page.
   */
  'nextPageToken'?: (string);
}

/**
 * Response of ListLenders.
 */
export interface ListLendersResponse__Output {
  /**
   * The lenders, by lender_id.
   */
  'lenders': (_orderpool_v1_Lender__Output)[];
  /**
   * Pass to get the next page; empty on the last page.
   */
  'nextPageToken': (string);
}
