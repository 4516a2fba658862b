import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { Any as _google_protobuf_Any, Any__Output as _google_protobuf_Any__Output } from './google/protobuf/Any';
import type { Duration as _google_protobuf_Duration, Duration__Output as _google_protobuf_Duration__Output } from './google/protobuf/Duration';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from './google/protobuf/Timestamp';
import type { Status as _google_rpc_Status, Status__Output as _google_rpc_Status__Output } from './google/rpc/Status';
import type { AdminServiceClient as _orderpool_v1_AdminServiceClient, AdminServiceDefinition as _orderpool_v1_AdminServiceDefinition } from './orderpool/v1/AdminService';
import type { AuthorizeDisbursementRequest as _orderpool_v1_AuthorizeDisbursementRequest, AuthorizeDisbursementRequest__Output as _orderpool_v1_AuthorizeDisbursementRequest__Output } from './orderpool/v1/AuthorizeDisbursementRequest';
import type { AuthorizeDisbursementResponse as _orderpool_v1_AuthorizeDisbursementResponse, AuthorizeDisbursementResponse__Output as _orderpool_v1_AuthorizeDisbursementResponse__Output } from './orderpool/v1/AuthorizeDisbursementResponse';
import type { Backup as _orderpool_v1_Backup, Backup__Output as _orderpool_v1_Backup__Output } from './orderpool/v1/Backup';
import type { CancelFinancingRequest as _orderpool_v1_CancelFinancingRequest, CancelFinancingRequest__Output as _orderpool_v1_CancelFinancingRequest__Output } from './orderpool/v1/CancelFinancingRequest';
import type { CompleteOrderRequest as _orderpool_v1_CompleteOrderRequest, CompleteOrderRequest__Output as _orderpool_v1_CompleteOrderRequest__Output } from './orderpool/v1/CompleteOrderRequest';
import type { ConfirmDisbursementRequest as _orderpool_v1_ConfirmDisbursementRequest, ConfirmDisbursementRequest__Output as _orderpool_v1_ConfirmDisbursementRequest__Output } from './orderpool/v1/ConfirmDisbursementRequest';
import type { CreateBackupRequest as _orderpool_v1_CreateBackupRequest, CreateBackupRequest__Output as _orderpool_v1_CreateBackupRequest__Output } from './orderpool/v1/CreateBackupRequest';
import type { DeclineFinancingRequest as _orderpool_v1_DeclineFinancingRequest, DeclineFinancingRequest__Output as _orderpool_v1_DeclineFinancingRequest__Output } from './orderpool/v1/DeclineFinancingRequest';
import type { Financing as _orderpool_v1_Financing, Financing__Output as _orderpool_v1_Financing__Output } from './orderpool/v1/Financing';
import type { GetFinancingRequest as _orderpool_v1_GetFinancingRequest, GetFinancingRequest__Output as _orderpool_v1_GetFinancingRequest__Output } from './orderpool/v1/GetFinancingRequest';
import type { GetLenderRequest as _orderpool_v1_GetLenderRequest, GetLenderRequest__Output as _orderpool_v1_GetLenderRequest__Output } from './orderpool/v1/GetLenderRequest';
import type { GetMerchantRequest as _orderpool_v1_GetMerchantRequest, GetMerchantRequest__Output as _orderpool_v1_GetMerchantRequest__Output } from './orderpool/v1/GetMerchantRequest';
import type { GetOrderRequest as _orderpool_v1_GetOrderRequest, GetOrderRequest__Output as _orderpool_v1_GetOrderRequest__Output } from './orderpool/v1/GetOrderRequest';
import type { Lender as _orderpool_v1_Lender, Lender__Output as _orderpool_v1_Lender__Output } from './orderpool/v1/Lender';
import type { LenderAdminServiceClient as _orderpool_v1_LenderAdminServiceClient, LenderAdminServiceDefinition as _orderpool_v1_LenderAdminServiceDefinition } from './orderpool/v1/LenderAdminService';
import type { LenderGatewayServiceClient as _orderpool_v1_LenderGatewayServiceClient, LenderGatewayServiceDefinition as _orderpool_v1_LenderGatewayServiceDefinition } from './orderpool/v1/LenderGatewayService';
import type { ListLendersRequest as _orderpool_v1_ListLendersRequest, ListLendersRequest__Output as _orderpool_v1_ListLendersRequest__Output } from './orderpool/v1/ListLendersRequest';
import type { ListLendersResponse as _orderpool_v1_ListLendersResponse, ListLendersResponse__Output as _orderpool_v1_ListLendersResponse__Output } from './orderpool/v1/ListLendersResponse';
import type { ListMerchantEventsRequest as _orderpool_v1_ListMerchantEventsRequest, ListMerchantEventsRequest__Output as _orderpool_v1_ListMerchantEventsRequest__Output } from './orderpool/v1/ListMerchantEventsRequest';
import type { ListMerchantEventsResponse as _orderpool_v1_ListMerchantEventsResponse, ListMerchantEventsResponse__Output as _orderpool_v1_ListMerchantEventsResponse__Output } from './orderpool/v1/ListMerchantEventsResponse';
import type { ListPoolOrdersRequest as _orderpool_v1_ListPoolOrdersRequest, ListPoolOrdersRequest__Output as _orderpool_v1_ListPoolOrdersRequest__Output } from './orderpool/v1/ListPoolOrdersRequest';
import type { ListPoolOrdersResponse as _orderpool_v1_ListPoolOrdersResponse, ListPoolOrdersResponse__Output as _orderpool_v1_ListPoolOrdersResponse__Output } from './orderpool/v1/ListPoolOrdersResponse';
import type { Merchant as _orderpool_v1_Merchant, Merchant__Output as _orderpool_v1_Merchant__Output } from './orderpool/v1/Merchant';
import type { MerchantEvent as _orderpool_v1_MerchantEvent, MerchantEvent__Output as _orderpool_v1_MerchantEvent__Output } from './orderpool/v1/MerchantEvent';
import type { MerchantNotifierServiceClient as _orderpool_v1_MerchantNotifierServiceClient, MerchantNotifierServiceDefinition as _orderpool_v1_MerchantNotifierServiceDefinition } from './orderpool/v1/MerchantNotifierService';
import type { Money as _orderpool_v1_Money, Money__Output as _orderpool_v1_Money__Output } from './orderpool/v1/Money';
import type { Order as _orderpool_v1_Order, Order__Output as _orderpool_v1_Order__Output } from './orderpool/v1/Order';
import type { OrderEvent as _orderpool_v1_OrderEvent, OrderEvent__Output as _orderpool_v1_OrderEvent__Output } from './orderpool/v1/OrderEvent';
import type { OrderEventAck as _orderpool_v1_OrderEventAck, OrderEventAck__Output as _orderpool_v1_OrderEventAck__Output } from './orderpool/v1/OrderEventAck';
import type { OrderPoolServiceClient as _orderpool_v1_OrderPoolServiceClient, OrderPoolServiceDefinition as _orderpool_v1_OrderPoolServiceDefinition } from './orderpool/v1/OrderPoolService';
import type { ReceiveCoverageAlertRequest as _orderpool_v1_ReceiveCoverageAlertRequest, ReceiveCoverageAlertRequest__Output as _orderpool_v1_ReceiveCoverageAlertRequest__Output } from './orderpool/v1/ReceiveCoverageAlertRequest';
import type { ReceiveCoverageAlertResponse as _orderpool_v1_ReceiveCoverageAlertResponse, ReceiveCoverageAlertResponse__Output as _orderpool_v1_ReceiveCoverageAlertResponse__Output } from './orderpool/v1/ReceiveCoverageAlertResponse';
import type { ReceiveFinancingClosedRequest as _orderpool_v1_ReceiveFinancingClosedRequest, ReceiveFinancingClosedRequest__Output as _orderpool_v1_ReceiveFinancingClosedRequest__Output } from './orderpool/v1/ReceiveFinancingClosedRequest';
import type { ReceiveFinancingClosedResponse as _orderpool_v1_ReceiveFinancingClosedResponse, ReceiveFinancingClosedResponse__Output as _orderpool_v1_ReceiveFinancingClosedResponse__Output } from './orderpool/v1/ReceiveFinancingClosedResponse';
import type { ReceiveRepaymentRequest as _orderpool_v1_ReceiveRepaymentRequest, ReceiveRepaymentRequest__Output as _orderpool_v1_ReceiveRepaymentRequest__Output } from './orderpool/v1/ReceiveRepaymentRequest';
import type { ReceiveRepaymentResponse as _orderpool_v1_ReceiveRepaymentResponse, ReceiveRepaymentResponse__Output as _orderpool_v1_ReceiveRepaymentResponse__Output } from './orderpool/v1/ReceiveRepaymentResponse';
import type { RecordOrderRequest as _orderpool_v1_RecordOrderRequest, RecordOrderRequest__Output as _orderpool_v1_RecordOrderRequest__Output } from './orderpool/v1/RecordOrderRequest';
import type { RefundOrderRequest as _orderpool_v1_RefundOrderRequest, RefundOrderRequest__Output as _orderpool_v1_RefundOrderRequest__Output } from './orderpool/v1/RefundOrderRequest';
import type { RequestFinancingRequest as _orderpool_v1_RequestFinancingRequest, RequestFinancingRequest__Output as _orderpool_v1_RequestFinancingRequest__Output } from './orderpool/v1/RequestFinancingRequest';
import type { SendVerificationCodeRequest as _orderpool_v1_SendVerificationCodeRequest, SendVerificationCodeRequest__Output as _orderpool_v1_SendVerificationCodeRequest__Output } from './orderpool/v1/SendVerificationCodeRequest';
import type { SendVerificationCodeResponse as _orderpool_v1_SendVerificationCodeResponse, SendVerificationCodeResponse__Output as _orderpool_v1_SendVerificationCodeResponse__Output } from './orderpool/v1/SendVerificationCodeResponse';
import type { UpsertLenderRequest as _orderpool_v1_UpsertLenderRequest, UpsertLenderRequest__Output as _orderpool_v1_UpsertLenderRequest__Output } from './orderpool/v1/UpsertLenderRequest';
import type { VerifyFinancingRequest as _orderpool_v1_VerifyFinancingRequest, VerifyFinancingRequest__Output as _orderpool_v1_VerifyFinancingRequest__Output } from './orderpool/v1/VerifyFinancingRequest';
import type { WatchMerchantRequest as _orderpool_v1_WatchMerchantRequest, WatchMerchantRequest__Output as _orderpool_v1_WatchMerchantRequest__Output } from './orderpool/v1/WatchMerchantRequest';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  google: {
    protobuf: {
      Any: MessageTypeDefinition<_google_protobuf_Any, _google_protobuf_Any__Output>
      Duration: MessageTypeDefinition<_google_protobuf_Duration, _google_protobuf_Duration__Output>
      Timestamp: MessageTypeDefinition<_google_protobuf_Timestamp, _google_protobuf_Timestamp__Output>
    }
    rpc: {
      Status: MessageTypeDefinition<_google_rpc_Status, _google_rpc_Status__Output>
    }
  }
  orderpool: {
    v1: {
      /**
       * AdminService is for operators. Every RPC needs the admin role (when an
       * auth file is configured); other callers get PERMISSION_DENIED
       * (ROLE_NOT_ALLOWED).
       */
      AdminService: SubtypeConstructor<typeof grpc.Client, _orderpool_v1_AdminServiceClient> & { service: _orderpool_v1_AdminServiceDefinition }
      AuthorizeDisbursementRequest: MessageTypeDefinition<_orderpool_v1_AuthorizeDisbursementRequest, _orderpool_v1_AuthorizeDisbursementRequest__Output>
      AuthorizeDisbursementResponse: MessageTypeDefinition<_orderpool_v1_AuthorizeDisbursementResponse, _orderpool_v1_AuthorizeDisbursementResponse__Output>
      Backup: MessageTypeDefinition<_orderpool_v1_Backup, _orderpool_v1_Backup__Output>
      CancelFinancingRequest: MessageTypeDefinition<_orderpool_v1_CancelFinancingRequest, _orderpool_v1_CancelFinancingRequest__Output>
      CompleteOrderRequest: MessageTypeDefinition<_orderpool_v1_CompleteOrderRequest, _orderpool_v1_CompleteOrderRequest__Output>
      ConfirmDisbursementRequest: MessageTypeDefinition<_orderpool_v1_ConfirmDisbursementRequest, _orderpool_v1_ConfirmDisbursementRequest__Output>
      CreateBackupRequest: MessageTypeDefinition<_orderpool_v1_CreateBackupRequest, _orderpool_v1_CreateBackupRequest__Output>
      DeclineFinancingRequest: MessageTypeDefinition<_orderpool_v1_DeclineFinancingRequest, _orderpool_v1_DeclineFinancingRequest__Output>
      Financing: MessageTypeDefinition<_orderpool_v1_Financing, _orderpool_v1_Financing__Output>
      FinancingState: EnumTypeDefinition
      GetFinancingRequest: MessageTypeDefinition<_orderpool_v1_GetFinancingRequest, _orderpool_v1_GetFinancingRequest__Output>
      GetLenderRequest: MessageTypeDefinition<_orderpool_v1_GetLenderRequest, _orderpool_v1_GetLenderRequest__Output>
      GetMerchantRequest: MessageTypeDefinition<_orderpool_v1_GetMerchantRequest, _orderpool_v1_GetMerchantRequest__Output>
      GetOrderRequest: MessageTypeDefinition<_orderpool_v1_GetOrderRequest, _orderpool_v1_GetOrderRequest__Output>
      Lender: MessageTypeDefinition<_orderpool_v1_Lender, _orderpool_v1_Lender__Output>
      /**
       * LenderAdminService registers the lenders orderpool can finance through and
       * their policies.
       */
      LenderAdminService: SubtypeConstructor<typeof grpc.Client, _orderpool_v1_LenderAdminServiceClient> & { service: _orderpool_v1_LenderAdminServiceDefinition }
      /**
       * LenderGatewayService is implemented by each lender; orderpool calls it at
       * the lender's gateway_target. Every request carries an idempotency_key that
       * stays the same across retries and restarts: a lender that deduplicates on
       * it sees each effect exactly once. Any non-OK status is retried with
       * bounded exponential backoff.
       */
      LenderGatewayService: SubtypeConstructor<typeof grpc.Client, _orderpool_v1_LenderGatewayServiceClient> & { service: _orderpool_v1_LenderGatewayServiceDefinition }
      ListLendersRequest: MessageTypeDefinition<_orderpool_v1_ListLendersRequest, _orderpool_v1_ListLendersRequest__Output>
      ListLendersResponse: MessageTypeDefinition<_orderpool_v1_ListLendersResponse, _orderpool_v1_ListLendersResponse__Output>
      ListMerchantEventsRequest: MessageTypeDefinition<_orderpool_v1_ListMerchantEventsRequest, _orderpool_v1_ListMerchantEventsRequest__Output>
      ListMerchantEventsResponse: MessageTypeDefinition<_orderpool_v1_ListMerchantEventsResponse, _orderpool_v1_ListMerchantEventsResponse__Output>
      ListPoolOrdersRequest: MessageTypeDefinition<_orderpool_v1_ListPoolOrdersRequest, _orderpool_v1_ListPoolOrdersRequest__Output>
      ListPoolOrdersResponse: MessageTypeDefinition<_orderpool_v1_ListPoolOrdersResponse, _orderpool_v1_ListPoolOrdersResponse__Output>
      Merchant: MessageTypeDefinition<_orderpool_v1_Merchant, _orderpool_v1_Merchant__Output>
      MerchantEvent: MessageTypeDefinition<_orderpool_v1_MerchantEvent, _orderpool_v1_MerchantEvent__Output>
      MerchantEventType: EnumTypeDefinition
      /**
       * MerchantNotifierService is implemented by the commerce platform; orderpool
       * calls it to deliver step-up verification codes to merchants.
       */
      MerchantNotifierService: SubtypeConstructor<typeof grpc.Client, _orderpool_v1_MerchantNotifierServiceClient> & { service: _orderpool_v1_MerchantNotifierServiceDefinition }
      MerchantState: EnumTypeDefinition
      Money: MessageTypeDefinition<_orderpool_v1_Money, _orderpool_v1_Money__Output>
      Order: MessageTypeDefinition<_orderpool_v1_Order, _orderpool_v1_Order__Output>
      OrderEvent: MessageTypeDefinition<_orderpool_v1_OrderEvent, _orderpool_v1_OrderEvent__Output>
      OrderEventAck: MessageTypeDefinition<_orderpool_v1_OrderEventAck, _orderpool_v1_OrderEventAck__Output>
      /**
       * OrderPoolService is the service's main surface: orders from the commerce
       * platform, financings from merchants, disbursement answers from lenders, and
       * reads and watches for everyone.
       */
      OrderPoolService: SubtypeConstructor<typeof grpc.Client, _orderpool_v1_OrderPoolServiceClient> & { service: _orderpool_v1_OrderPoolServiceDefinition }
      OrderState: EnumTypeDefinition
      ReceiveCoverageAlertRequest: MessageTypeDefinition<_orderpool_v1_ReceiveCoverageAlertRequest, _orderpool_v1_ReceiveCoverageAlertRequest__Output>
      ReceiveCoverageAlertResponse: MessageTypeDefinition<_orderpool_v1_ReceiveCoverageAlertResponse, _orderpool_v1_ReceiveCoverageAlertResponse__Output>
      ReceiveFinancingClosedRequest: MessageTypeDefinition<_orderpool_v1_ReceiveFinancingClosedRequest, _orderpool_v1_ReceiveFinancingClosedRequest__Output>
      ReceiveFinancingClosedResponse: MessageTypeDefinition<_orderpool_v1_ReceiveFinancingClosedResponse, _orderpool_v1_ReceiveFinancingClosedResponse__Output>
      ReceiveRepaymentRequest: MessageTypeDefinition<_orderpool_v1_ReceiveRepaymentRequest, _orderpool_v1_ReceiveRepaymentRequest__Output>
      ReceiveRepaymentResponse: MessageTypeDefinition<_orderpool_v1_ReceiveRepaymentResponse, _orderpool_v1_ReceiveRepaymentResponse__Output>
      RecordOrderRequest: MessageTypeDefinition<_orderpool_v1_RecordOrderRequest, _orderpool_v1_RecordOrderRequest__Output>
      RefundOrderRequest: MessageTypeDefinition<_orderpool_v1_RefundOrderRequest, _orderpool_v1_RefundOrderRequest__Output>
      RequestFinancingRequest: MessageTypeDefinition<_orderpool_v1_RequestFinancingRequest, _orderpool_v1_RequestFinancingRequest__Output>
      SendVerificationCodeRequest: MessageTypeDefinition<_orderpool_v1_SendVerificationCodeRequest, _orderpool_v1_SendVerificationCodeRequest__Output>
      SendVerificationCodeResponse: MessageTypeDefinition<_orderpool_v1_SendVerificationCodeResponse, _orderpool_v1_SendVerificationCodeResponse__Output>
      UpsertLenderRequest: MessageTypeDefinition<_orderpool_v1_UpsertLenderRequest, _orderpool_v1_UpsertLenderRequest__Output>
      VerifyFinancingRequest: MessageTypeDefinition<_orderpool_v1_VerifyFinancingRequest, _orderpool_v1_VerifyFinancingRequest__Output>
      WatchMerchantRequest: MessageTypeDefinition<_orderpool_v1_WatchMerchantRequest, _orderpool_v1_WatchMerchantRequest__Output>
    }
  }
}

