// Original file: proto/orderpool/v1/orderpool.proto


/**
 * Response of ReceiveFinancingClosed.
 */
export interface ReceiveFinancingClosedResponse {
}

/**
 * Response of ReceiveFinancingClosed.
 */
export interface ReceiveFinancingClosedResponse__Output {
}
