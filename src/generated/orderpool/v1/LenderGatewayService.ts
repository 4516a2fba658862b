// Original file: proto/orderpool/v1/orderpool.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AuthorizeDisbursementRequest as _orderpool_v1_AuthorizeDisbursementRequest, AuthorizeDisbursementRequest__Output as _orderpool_v1_AuthorizeDisbursementRequest__Output } from '../../orderpool/v1/AuthorizeDisbursementRequest';
import type { AuthorizeDisbursementResponse as _orderpool_v1_AuthorizeDisbursementResponse, AuthorizeDisbursementResponse__Output as _orderpool_v1_AuthorizeDisbursementResponse__Output } from '../../orderpool/v1/AuthorizeDisbursementResponse';
import type { ReceiveCoverageAlertRequest as _orderpool_v1_ReceiveCoverageAlertRequest, ReceiveCoverageAlertRequest__Output as _orderpool_v1_ReceiveCoverageAlertRequest__Output } from '../../orderpool/v1/ReceiveCoverageAlertRequest';
import type { ReceiveCoverageAlertResponse as _orderpool_v1_ReceiveCoverageAlertResponse, ReceiveCoverageAlertResponse__Output as _orderpool_v1_ReceiveCoverageAlertResponse__Output } from '../../orderpool/v1/ReceiveCoverageAlertResponse';
import type { ReceiveFinancingClosedRequest as _orderpool_v1_ReceiveFinancingClosedRequest, ReceiveFinancingClosedRequest__Output as _orderpool_v1_ReceiveFinancingClosedRequest__Output } from '../../orderpool/v1/ReceiveFinancingClosedRequest';
import type { ReceiveFinancingClosedResponse as _orderpool_v1_ReceiveFinancingClosedResponse, ReceiveFinancingClosedResponse__Output as _orderpool_v1_ReceiveFinancingClosedResponse__Output } from '../../orderpool/v1/ReceiveFinancingClosedResponse';
import type { ReceiveRepaymentRequest as _orderpool_v1_ReceiveRepaymentRequest, ReceiveRepaymentRequest__Output as _orderpool_v1_ReceiveRepaymentRequest__Output } from '../../orderpool/v1/ReceiveRepaymentRequest';
import type { ReceiveRepaymentResponse as _orderpool_v1_ReceiveRepaymentResponse, ReceiveRepaymentResponse__Output as _orderpool_v1_ReceiveRepaymentResponse__Output } from '../../orderpool/v1/ReceiveRepaymentResponse';

/**
 * LenderGatewayService is implemented by each lender; orderpool calls it at
 * the lender's gateway_target. Every request carries an idempotency_key that
 * stays the same across retries and restarts: a lender that deduplicates on
 * it sees each effect exactly once. Any non-OK status is retried with
 * bounded exponential backoff.
 */
export interface LenderGatewayServiceClient extends grpc.Client {
  /**
   * The lender may disburse `amount` to the merchant. It answers later with
   * OrderPoolService.ConfirmDisbursement or DeclineFinancing.
   */
  AuthorizeDisbursement(argument: _orderpool_v1_AuthorizeDisbursementRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_AuthorizeDisbursementResponse__Output>): grpc.ClientUnaryCall;
  AuthorizeDisbursement(argument: _orderpool_v1_AuthorizeDisbursementRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_orderpool_v1_AuthorizeDisbursementResponse__Output>): grpc.ClientUnaryCall;
  AuthorizeDisbursement(argument: _orderpool_v1_AuthorizeDisbursementRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_AuthorizeDisbursementResponse__Output>): grpc.ClientUnaryCall;
  AuthorizeDisbursement(argument: _orderpool_v1_AuthorizeDisbursementRequest, callback: grpc.requestCallback<_orderpool_v1_AuthorizeDisbursementResponse__Output>): grpc.ClientUnaryCall;
  /**
   * The lender may disburse `amount` to the merchant. It answers later with
   * OrderPoolService.ConfirmDisbursement or DeclineFinancing.
   */
  authorizeDisbursement(argument: _orderpool_v1_AuthorizeDisbursementRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_AuthorizeDisbursementResponse__Output>): grpc.ClientUnaryCall;
  authorizeDisbursement(argument: _orderpool_v1_AuthorizeDisbursementRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_orderpool_v1_AuthorizeDisbursementResponse__Output>): grpc.ClientUnaryCall;
  authorizeDisbursement(argument: _orderpool_v1_AuthorizeDisbursementRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_AuthorizeDisbursementResponse__Output>): grpc.ClientUnaryCall;
  authorizeDisbursement(argument: _orderpool_v1_AuthorizeDisbursementRequest, callback: grpc.requestCallback<_orderpool_v1_AuthorizeDisbursementResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * The pool stopped (or started again) covering what is outstanding.
   */
  ReceiveCoverageAlert(argument: _orderpool_v1_ReceiveCoverageAlertRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_ReceiveCoverageAlertResponse__Output>): grpc.ClientUnaryCall;
  ReceiveCoverageAlert(argument: _orderpool_v1_ReceiveCoverageAlertRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_orderpool_v1_ReceiveCoverageAlertResponse__Output>): grpc.ClientUnaryCall;
  ReceiveCoverageAlert(argument: _orderpool_v1_ReceiveCoverageAlertRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_ReceiveCoverageAlertResponse__Output>): grpc.ClientUnaryCall;
  ReceiveCoverageAlert(argument: _orderpool_v1_ReceiveCoverageAlertRequest, callback: grpc.requestCallback<_orderpool_v1_ReceiveCoverageAlertResponse__Output>): grpc.ClientUnaryCall;
  /**
   * The pool stopped (or started again) covering what is outstanding.
   */
  receiveCoverageAlert(argument: _orderpool_v1_ReceiveCoverageAlertRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_ReceiveCoverageAlertResponse__Output>): grpc.ClientUnaryCall;
  receiveCoverageAlert(argument: _orderpool_v1_ReceiveCoverageAlertRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_orderpool_v1_ReceiveCoverageAlertResponse__Output>): grpc.ClientUnaryCall;
  receiveCoverageAlert(argument: _orderpool_v1_ReceiveCoverageAlertRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_ReceiveCoverageAlertResponse__Output>): grpc.ClientUnaryCall;
  receiveCoverageAlert(argument: _orderpool_v1_ReceiveCoverageAlertRequest, callback: grpc.requestCallback<_orderpool_v1_ReceiveCoverageAlertResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * A financing ended: repaid, or ended without disbursement after the lender
   * was told it could disburse.
   */
  ReceiveFinancingClosed(argument: _orderpool_v1_ReceiveFinancingClosedRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_ReceiveFinancingClosedResponse__Output>): grpc.ClientUnaryCall;
  ReceiveFinancingClosed(argument: _orderpool_v1_ReceiveFinancingClosedRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_orderpool_v1_ReceiveFinancingClosedResponse__Output>): grpc.ClientUnaryCall;
  ReceiveFinancingClosed(argument: _orderpool_v1_ReceiveFinancingClosedRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_ReceiveFinancingClosedResponse__Output>): grpc.ClientUnaryCall;
  ReceiveFinancingClosed(argument: _orderpool_v1_ReceiveFinancingClosedRequest, callback: grpc.requestCallback<_orderpool_v1_ReceiveFinancingClosedResponse__Output>): grpc.ClientUnaryCall;
  /**
   * A financing ended: repaid, or ended without disbursement after the lender
   * was told it could disburse.
   */
  receiveFinancingClosed(argument: _orderpool_v1_ReceiveFinancingClosedRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_ReceiveFinancingClosedResponse__Output>): grpc.ClientUnaryCall;
  receiveFinancingClosed(argument: _orderpool_v1_ReceiveFinancingClosedRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_orderpool_v1_ReceiveFinancingClosedResponse__Output>): grpc.ClientUnaryCall;
  receiveFinancingClosed(argument: _orderpool_v1_ReceiveFinancingClosedRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_ReceiveFinancingClosedResponse__Output>): grpc.ClientUnaryCall;
  receiveFinancingClosed(argument: _orderpool_v1_ReceiveFinancingClosedRequest, callback: grpc.requestCallback<_orderpool_v1_ReceiveFinancingClosedResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Repayment routed to the lender from completed pooled orders. Several
   * repayments of one financing that waited together may arrive as one call
   * (their amounts summed, their orders listed).
   */
  ReceiveRepayment(argument: _orderpool_v1_ReceiveRepaymentRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_ReceiveRepaymentResponse__Output>): grpc.ClientUnaryCall;
  ReceiveRepayment(argument: _orderpool_v1_ReceiveRepaymentRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_orderpool_v1_ReceiveRepaymentResponse__Output>): grpc.ClientUnaryCall;
  ReceiveRepayment(argument: _orderpool_v1_ReceiveRepaymentRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_ReceiveRepaymentResponse__Output>): grpc.ClientUnaryCall;
  ReceiveRepayment(argument: _orderpool_v1_ReceiveRepaymentRequest, callback: grpc.requestCallback<_orderpool_v1_ReceiveRepaymentResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Repayment routed to the lender from completed pooled orders. Several
   * repayments of one financing that waited together may arrive as one call
   * (their amounts summed, their orders listed).
   */
  receiveRepayment(argument: _orderpool_v1_ReceiveRepaymentRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_ReceiveRepaymentResponse__Output>): grpc.ClientUnaryCall;
  receiveRepayment(argument: _orderpool_v1_ReceiveRepaymentRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_orderpool_v1_ReceiveRepaymentResponse__Output>): grpc.ClientUnaryCall;
  receiveRepayment(argument: _orderpool_v1_ReceiveRepaymentRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_ReceiveRepaymentResponse__Output>): grpc.ClientUnaryCall;
  receiveRepayment(argument: _orderpool_v1_ReceiveRepaymentRequest, callback: grpc.requestCallback<_orderpool_v1_ReceiveRepaymentResponse__Output>): grpc.ClientUnaryCall;
  
}

/**
 * LenderGatewayService is implemented by each lender; orderpool calls it at
 * the lender's gateway_target. Every request carries an idempotency_key that
 * stays the same across retries and restarts: a lender that deduplicates on
 * it sees each effect exactly once. Any non-OK status is retried with
 * bounded exponential backoff.
 */
export interface LenderGatewayServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * The lender may disburse `amount` to the merchant. It answers later with
   * OrderPoolService.ConfirmDisbursement or DeclineFinancing.
   */
  AuthorizeDisbursement: grpc.handleUnaryCall<_orderpool_v1_AuthorizeDisbursementRequest__Output, _orderpool_v1_AuthorizeDisbursementResponse>;
  
  /**
   * The pool stopped (or started again) covering what is outstanding.
   */
  ReceiveCoverageAlert: grpc.handleUnaryCall<_orderpool_v1_ReceiveCoverageAlertRequest__Output, _orderpool_v1_ReceiveCoverageAlertResponse>;
  
  /**
   * A financing ended: repaid, or ended without disbursement after the lender
   * was told it could disburse.
   */
  ReceiveFinancingClosed: grpc.handleUnaryCall<_orderpool_v1_ReceiveFinancingClosedRequest__Output, _orderpool_v1_ReceiveFinancingClosedResponse>;
  
  /**
   * Repayment routed to the lender from completed pooled orders. Several
   * repayments of one financing that waited together may arrive as one call
   * (their amounts summed, their orders listed).
   */
  ReceiveRepayment: grpc.handleUnaryCall<_orderpool_v1_ReceiveRepaymentRequest__Output, _orderpool_v1_ReceiveRepaymentResponse>;
  
}

export interface LenderGatewayServiceDefinition extends grpc.ServiceDefinition {
  AuthorizeDisbursement: MethodDefinition<_orderpool_v1_AuthorizeDisbursementRequest, _orderpool_v1_AuthorizeDisbursementResponse, _orderpool_v1_AuthorizeDisbursementRequest__Output, _orderpool_v1_AuthorizeDisbursementResponse__Output>
  ReceiveCoverageAlert: MethodDefinition<_orderpool_v1_ReceiveCoverageAlertRequest, _orderpool_v1_ReceiveCoverageAlertResponse, _orderpool_v1_ReceiveCoverageAlertRequest__Output, _orderpool_v1_ReceiveCoverageAlertResponse__Output>
  ReceiveFinancingClosed: MethodDefinition<_orderpool_v1_ReceiveFinancingClosedRequest, _orderpool_v1_ReceiveFinancingClosedResponse, _orderpool_v1_ReceiveFinancingClosedRequest__Output, _orderpool_v1_ReceiveFinancingClosedResponse__Output>
  ReceiveRepayment: MethodDefinition<_orderpool_v1_ReceiveRepaymentRequest, _orderpool_v1_ReceiveRepaymentResponse, _orderpool_v1_ReceiveRepaymentRequest__Output, _orderpool_v1_ReceiveRepaymentResponse__Output>
}
