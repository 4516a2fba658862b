// Original file: proto/google/rpc/error_details.proto


/**
 * A single bad field.
 */
export interface _google_rpc_BadRequest_FieldViolation {
  /**
   * A path to the field, e.g. "amount.minor_units".
   */
  'field'?: (string);
  /**
   * Why the field is bad.
   */
  'description'?: (string);
}

/**
 * A single bad field.
 */
export interface _google_rpc_BadRequest_FieldViolation__Output {
  /**
   * A path to the field, e.g. "amount.minor_units".
   */
  'field': (string);
  /**
   * Why the field is bad.
   */
  'description': (string);
}

/**
 * Which fields of the request were bad.
 */
export interface BadRequest {
  /**
   * All the violations found.
   */
  'fieldViolations'?: (_google_rpc_BadRequest_FieldViolation)[];
}

/**
 * Which fields of the request were bad.
 */
export interface BadRequest__Output {
  /**
   * All the violations found.
   */
  'fieldViolations': (_google_rpc_BadRequest_FieldViolation__Output)[];
}
