// Original file: proto/orderpool/v1/orderpool.proto


/**
 * Request of GetLender.
 */
export interface GetLenderRequest {
  /**
   * The lender.
   */
  'lenderId'?: (string);
}

/**
 * Request of GetLender.
 */
export interface GetLenderRequest__Output {
  /**
   * The lender.
   */
  'lenderId': (string);
}
