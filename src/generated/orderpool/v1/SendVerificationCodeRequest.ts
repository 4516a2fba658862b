// Original file: proto/orderpool/v1/orderpool.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';

/**
 * Request of SendVerificationCode.
 */
export interface SendVerificationCodeRequest {
  /**
   * The same across retries and restarts.
   */
  'idempotencyKey'?: (string);
  /**
   * The merchant to notify.
   */
  'merchantId'?: (string);
  /**
   * The financing to verify.
   */
  'financingId'?: (string);
  /**
   * The one-time code.
   */
  'code'?: (string);
  /**
   * When the code stops working.
   */
  'expireTime'?: (_google_protobuf_Timestamp | null);
}

/**
 * Request of SendVerificationCode.
 */
export interface SendVerificationCodeRequest__Output {
  /**
   * The same across retries and restarts.
   */
  'idempotencyKey': (string);
  /**
   * The merchant to notify.
   */
  'merchantId': (string);
  /**
   * The financing to verify.
   */
  'financingId': (string);
  /**
   * The one-time code.
   */
  'code': (string);
  /**
   * When the code stops working.
   */
  'expireTime': (_google_protobuf_Timestamp__Output | null);
}
