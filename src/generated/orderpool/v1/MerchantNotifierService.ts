// Original file: proto/orderpool/v1/orderpool.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { SendVerificationCodeRequest as _orderpool_v1_SendVerificationCodeRequest, SendVerificationCodeRequest__Output as _orderpool_v1_SendVerificationCodeRequest__Output } from '../../orderpool/v1/SendVerificationCodeRequest';
import type { SendVerificationCodeResponse as _orderpool_v1_SendVerificationCodeResponse, SendVerificationCodeResponse__Output as _orderpool_v1_SendVerificationCodeResponse__Output } from '../../orderpool/v1/SendVerificationCodeResponse';

/**
 * MerchantNotifierService is implemented by the commerce platform; orderpool
 * calls it to deliver step-up verification codes to merchants.
 */
export interface MerchantNotifierServiceClient extends grpc.Client {
  /**
   * Sends a one-time code to the merchant. Retried until it succeeds or the
   * code expires.
   */
  SendVerificationCode(argument: _orderpool_v1_SendVerificationCodeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_SendVerificationCodeResponse__Output>): grpc.ClientUnaryCall;
  SendVerificationCode(argument: _orderpool_v1_SendVerificationCodeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_orderpool_v1_SendVerificationCodeResponse__Output>): grpc.ClientUnaryCall;
  SendVerificationCode(argument: _orderpool_v1_SendVerificationCodeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_SendVerificationCodeResponse__Output>): grpc.ClientUnaryCall;
  SendVerificationCode(argument: _orderpool_v1_SendVerificationCodeRequest, callback: grpc.requestCallback<_orderpool_v1_SendVerificationCodeResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Sends a one-time code to the merchant. Retried until it succeeds or the
   * code expires.
   */
  sendVerificationCode(argument: _orderpool_v1_SendVerificationCodeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_SendVerificationCodeResponse__Output>): grpc.ClientUnaryCall;
  sendVerificationCode(argument: _orderpool_v1_SendVerificationCodeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_orderpool_v1_SendVerificationCodeResponse__Output>): grpc.ClientUnaryCall;
  sendVerificationCode(argument: _orderpool_v1_SendVerificationCodeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_SendVerificationCodeResponse__Output>): grpc.ClientUnaryCall;
  sendVerificationCode(argument: _orderpool_v1_SendVerificationCodeRequest, callback: grpc.requestCallback<_orderpool_v1_SendVerificationCodeResponse__Output>): grpc.ClientUnaryCall;
  
}

/**
 * MerchantNotifierService is implemented by the commerce platform; orderpool
 * calls it to deliver step-up verification codes to merchants.
 */
export interface MerchantNotifierServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Sends a one-time code to the merchant. Retried until it succeeds or the
   * code expires.
   */
  SendVerificationCode: grpc.handleUnaryCall<_orderpool_v1_SendVerificationCodeRequest__Output, _orderpool_v1_SendVerificationCodeResponse>;
  
}

export interface MerchantNotifierServiceDefinition extends grpc.ServiceDefinition {
  SendVerificationCode: MethodDefinition<_orderpool_v1_SendVerificationCodeRequest, _orderpool_v1_SendVerificationCodeResponse, _orderpool_v1_SendVerificationCodeRequest__Output, _orderpool_v1_SendVerificationCodeResponse__Output>
}
