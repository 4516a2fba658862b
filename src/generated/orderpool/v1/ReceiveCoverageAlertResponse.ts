// Original file: proto/orderpool/v1/orderpool.proto


/**
 * Response of ReceiveCoverageAlert.
 */
export interface ReceiveCoverageAlertResponse {
}

/**
 * Response of ReceiveCoverageAlert.
 */
export interface ReceiveCoverageAlertResponse__Output {
}
