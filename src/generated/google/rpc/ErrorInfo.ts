// Original file: proto/google/rpc/error_details.proto


/**
 * Why an error happened: a stable UPPER_SNAKE reason within a domain.
 */
export interface ErrorInfo {
  /**
   * The reason of the error, a stable UPPER_SNAKE_CASE constant.
   */
  'reason'?: (string);
  /**
   * The logical grouping the reason belongs to ("orderpool.v1").
   */
  'domain'?: (string);
  /**
   * Additional structured details (for example the field or the limit).
   */
  'metadata'?: ({[key: string]: string});
}

/**
 * Why an error happened: a stable UPPER_SNAKE reason within a domain.
 */
export interface ErrorInfo__Output {
  /**
   * The reason of the error, a stable UPPER_SNAKE_CASE constant.
   */
  'reason': (string);
  /**
   * The logical grouping the reason belongs to ("orderpool.v1").
   */
  'domain': (string);
  /**
   * Additional structured details (for example the field or the limit).
   */
  'metadata': ({[key: string]: string});
}
