// Original file: proto/orderpool/v1/orderpool.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { GetLenderRequest as _orderpool_v1_GetLenderRequest, GetLenderRequest__Output as _orderpool_v1_GetLenderRequest__Output } from '../../orderpool/v1/GetLenderRequest';
import type { Lender as _orderpool_v1_Lender, Lender__Output as _orderpool_v1_Lender__Output } from '../../orderpool/v1/Lender';
import type { ListLendersRequest as _orderpool_v1_ListLendersRequest, ListLendersRequest__Output as _orderpool_v1_ListLendersRequest__Output } from '../../orderpool/v1/ListLendersRequest';
import type { ListLendersResponse as _orderpool_v1_ListLendersResponse, ListLendersResponse__Output as _orderpool_v1_ListLendersResponse__Output } from '../../orderpool/v1/ListLendersResponse';
import type { UpsertLenderRequest as _orderpool_v1_UpsertLenderRequest, UpsertLenderRequest__Output as _orderpool_v1_UpsertLenderRequest__Output } from '../../orderpool/v1/UpsertLenderRequest';

/**
 * LenderAdminService registers the lenders orderpool can finance through and
 * their policies.
 */
export interface LenderAdminServiceClient extends grpc.Client {
  /**
   * Reads a lender. Returns NOT_FOUND (LENDER_NOT_FOUND).
   */
  GetLender(argument: _orderpool_v1_GetLenderRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Lender__Output>): grpc.ClientUnaryCall;
  GetLender(argument: _orderpool_v1_GetLenderRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_orderpool_v1_Lender__Output>): grpc.ClientUnaryCall;
  GetLender(argument: _orderpool_v1_GetLenderRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Lender__Output>): grpc.ClientUnaryCall;
  GetLender(argument: _orderpool_v1_GetLenderRequest, callback: grpc.requestCallback<_orderpool_v1_Lender__Output>): grpc.ClientUnaryCall;
  /**
   * Reads a lender. Returns NOT_FOUND (LENDER_NOT_FOUND).
   */
  getLender(argument: _orderpool_v1_GetLenderRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Lender__Output>): grpc.ClientUnaryCall;
  getLender(argument: _orderpool_v1_GetLenderRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_orderpool_v1_Lender__Output>): grpc.ClientUnaryCall;
  getLender(argument: _orderpool_v1_GetLenderRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Lender__Output>): grpc.ClientUnaryCall;
  getLender(argument: _orderpool_v1_GetLenderRequest, callback: grpc.requestCallback<_orderpool_v1_Lender__Output>): grpc.ClientUnaryCall;
  
  /**
   * Lists lenders by lender_id. Returns INVALID_ARGUMENT (INVALID_PAGE_TOKEN).
   */
  ListLenders(argument: _orderpool_v1_ListLendersRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_ListLendersResponse__Output>): grpc.ClientUnaryCall;
  ListLenders(argument: _orderpool_v1_ListLendersRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_orderpool_v1_ListLendersResponse__Output>): grpc.ClientUnaryCall;
  ListLenders(argument: _orderpool_v1_ListLendersRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_ListLendersResponse__Output>): grpc.ClientUnaryCall;
  ListLenders(argument: _orderpool_v1_ListLendersRequest, callback: grpc.requestCallback<_orderpool_v1_ListLendersResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Lists lenders by lender_id. Returns INVALID_ARGUMENT (INVALID_PAGE_TOKEN).
   */
  listLenders(argument: _orderpool_v1_ListLendersRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_ListLendersResponse__Output>): grpc.ClientUnaryCall;
  listLenders(argument: _orderpool_v1_ListLendersRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_orderpool_v1_ListLendersResponse__Output>): grpc.ClientUnaryCall;
  listLenders(argument: _orderpool_v1_ListLendersRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_ListLendersResponse__Output>): grpc.ClientUnaryCall;
  listLenders(argument: _orderpool_v1_ListLendersRequest, callback: grpc.requestCallback<_orderpool_v1_ListLendersResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Creates or replaces a lender. A financing keeps the terms it was
   * requested under. Returns INVALID_ARGUMENT (MISSING_FIELD, INVALID_ID,
   * INVALID_FIELD, INVALID_BPS, INVALID_TARGET, INVALID_CURRENCY,
   * INVALID_AMOUNT).
   */
  UpsertLender(argument: _orderpool_v1_UpsertLenderRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Lender__Output>): grpc.ClientUnaryCall;
  UpsertLender(argument: _orderpool_v1_UpsertLenderRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_orderpool_v1_Lender__Output>): grpc.ClientUnaryCall;
  UpsertLender(argument: _orderpool_v1_UpsertLenderRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Lender__Output>): grpc.ClientUnaryCall;
  UpsertLender(argument: _orderpool_v1_UpsertLenderRequest, callback: grpc.requestCallback<_orderpool_v1_Lender__Output>): grpc.ClientUnaryCall;
  /**
   * Creates or replaces a lender. A financing keeps the terms it was
   * requested under. Returns INVALID_ARGUMENT (MISSING_FIELD, INVALID_ID,
   * INVALID_FIELD, INVALID_BPS, INVALID_TARGET, INVALID_CURRENCY,
   * INVALID_AMOUNT).
   */
  upsertLender(argument: _orderpool_v1_UpsertLenderRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Lender__Output>): grpc.ClientUnaryCall;
  upsertLender(argument: _orderpool_v1_UpsertLenderRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_orderpool_v1_Lender__Output>): grpc.ClientUnaryCall;
  upsertLender(argument: _orderpool_v1_UpsertLenderRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Lender__Output>): grpc.ClientUnaryCall;
  upsertLender(argument: _orderpool_v1_UpsertLenderRequest, callback: grpc.requestCallback<_orderpool_v1_Lender__Output>): grpc.ClientUnaryCall;
  
}

/**
 * LenderAdminService registers the lenders orderpool can finance through and
 * their policies.
 */
export interface LenderAdminServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Reads a lender. Returns NOT_FOUND (LENDER_NOT_FOUND).
   */
  GetLender: grpc.handleUnaryCall<_orderpool_v1_GetLenderRequest__Output, _orderpool_v1_Lender>;
  
  /**
   * Lists lenders by lender_id. Returns INVALID_ARGUMENT (INVALID_PAGE_TOKEN).
   */
  ListLenders: grpc.handleUnaryCall<_orderpool_v1_ListLendersRequest__Output, _orderpool_v1_ListLendersResponse>;
  
  /**
   * Creates or replaces a lender. A financing keeps the terms it was
   * requested under. Returns INVALID_ARGUMENT (MISSING_FIELD, INVALID_ID,
   * INVALID_FIELD, INVALID_BPS, INVALID_TARGET, INVALID_CURRENCY,
   * INVALID_AMOUNT).
   */
  UpsertLender: grpc.handleUnaryCall<_orderpool_v1_UpsertLenderRequest__Output, _orderpool_v1_Lender>;
  
}

export interface LenderAdminServiceDefinition extends grpc.ServiceDefinition {
  GetLender: MethodDefinition<_orderpool_v1_GetLenderRequest, _orderpool_v1_Lender, _orderpool_v1_GetLenderRequest__Output, _orderpool_v1_Lender__Output>
  ListLenders: MethodDefinition<_orderpool_v1_ListLendersRequest, _orderpool_v1_ListLendersResponse, _orderpool_v1_ListLendersRequest__Output, _orderpool_v1_ListLendersResponse__Output>
  UpsertLender: MethodDefinition<_orderpool_v1_UpsertLenderRequest, _orderpool_v1_Lender, _orderpool_v1_UpsertLenderRequest__Output, _orderpool_v1_Lender__Output>
}
