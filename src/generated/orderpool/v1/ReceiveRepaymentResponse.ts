// Original file: proto/orderpool/v1/orderpool.proto


/**
 * Response of ReceiveRepayment.
 */
export interface ReceiveRepaymentResponse {
}

/**
 * Response of ReceiveRepayment.
 */
export interface ReceiveRepaymentResponse__Output {
}
