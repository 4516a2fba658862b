// Original file: proto/orderpool/v1/orderpool.proto


/**
 * Response of SendVerificationCode.
 */
export interface SendVerificationCodeResponse {
}

/**
 * Response of SendVerificationCode.
 */
export interface SendVerificationCodeResponse__Output {
}
