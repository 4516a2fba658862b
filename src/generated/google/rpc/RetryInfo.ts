// Original file: proto/google/rpc/error_details.proto

import type { Duration as _google_protobuf_Duration, Duration__Output as _google_protobuf_Duration__Output } from '../../google/protobuf/Duration';

/**
 * When the client may retry.
 */
export interface RetryInfo {
  /**
   * Clients should wait at least this long before retrying.
   */
  'retryDelay'?: (_google_protobuf_Duration | null);
}

/**
 * When the client may retry.
 */
export interface RetryInfo__Output {
  /**
   * Clients should wait at least this long before retrying.
   */
  'retryDelay': (_google_protobuf_Duration__Output | null);
}
