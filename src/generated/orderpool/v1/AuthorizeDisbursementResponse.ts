// Original file: proto/orderpool/v1/orderpool.proto


/**
 * Response of AuthorizeDisbursement.
 */
export interface AuthorizeDisbursementResponse {
}

/**
 * Response of AuthorizeDisbursement.
 */
export interface AuthorizeDisbursementResponse__Output {
}
