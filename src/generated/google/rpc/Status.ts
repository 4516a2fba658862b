// Original file: proto/google/rpc/status.proto

import type { Any as _google_protobuf_Any, Any__Output as _google_protobuf_Any__Output } from '../../google/protobuf/Any';

/**
 * The logical error model used by gRPC: a code, a developer-facing message
 * and a list of typed details (for orderpool, an ErrorInfo with the reason).
 */
export interface Status {
  /**
   * The status code, a value of google.rpc.Code.
   */
  'code'?: (number);
  /**
   * A developer-facing error message in English.
   */
  'message'?: (string);
  /**
   * Details: ErrorInfo, BadRequest, RetryInfo.
   */
  'details'?: (_google_protobuf_Any)[];
}

/**
 * The logical error model used by gRPC: a code, a developer-facing message
 * and a list of typed details (for orderpool, an ErrorInfo with the reason).
 */
export interface Status__Output {
  /**
   * The status code, a value of google.rpc.Code.
   */
  'code': (number);
  /**
   * A developer-facing error message in English.
   */
  'message': (string);
  /**
   * Details: ErrorInfo, BadRequest, RetryInfo.
   */
  'details': (_google_protobuf_Any__Output)[];
}
