// Original file: proto/orderpool/v1/orderpool.proto


/**
 * Request of ListLenders.
 */
export interface ListLendersRequest {
  /**
   * At most this many lenders (default 100, at most 1000).
   */
  'pageSize'?: (number);
  /**
   * From a previous response's next_page_token.
   */
  'pageToken'?: (string);
}

/**
 * Request of ListLenders.
 */
export interface ListLendersRequest__Output {
  /**
   * At most this many lenders (default 100, at most 1000).
   */
  'pageSize': (number);
  /**
   * From a previous response's next_page_token.
   */
  'pageToken': (string);
}
