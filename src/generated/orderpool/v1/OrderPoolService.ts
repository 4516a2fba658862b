// Original file: proto/orderpool/v1/orderpool.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CancelFinancingRequest as _orderpool_v1_CancelFinancingRequest, CancelFinancingRequest__Output as _orderpool_v1_CancelFinancingRequest__Output } from '../../orderpool/v1/CancelFinancingRequest';
import type { CompleteOrderRequest as _orderpool_v1_CompleteOrderRequest, CompleteOrderRequest__Output as _orderpool_v1_CompleteOrderRequest__Output } from '../../orderpool/v1/CompleteOrderRequest';
import type { ConfirmDisbursementRequest as _orderpool_v1_ConfirmDisbursementRequest, ConfirmDisbursementRequest__Output as _orderpool_v1_ConfirmDisbursementRequest__Output } from '../../orderpool/v1/ConfirmDisbursementRequest';
import type { DeclineFinancingRequest as _orderpool_v1_DeclineFinancingRequest, DeclineFinancingRequest__Output as _orderpool_v1_DeclineFinancingRequest__Output } from '../../orderpool/v1/DeclineFinancingRequest';
import type { Financing as _orderpool_v1_Financing, Financing__Output as _orderpool_v1_Financing__Output } from '../../orderpool/v1/Financing';
import type { GetFinancingRequest as _orderpool_v1_GetFinancingRequest, GetFinancingRequest__Output as _orderpool_v1_GetFinancingRequest__Output } from '../../orderpool/v1/GetFinancingRequest';
import type { GetMerchantRequest as _orderpool_v1_GetMerchantRequest, GetMerchantRequest__Output as _orderpool_v1_GetMerchantRequest__Output } from '../../orderpool/v1/GetMerchantRequest';
import type { GetOrderRequest as _orderpool_v1_GetOrderRequest, GetOrderRequest__Output as _orderpool_v1_GetOrderRequest__Output } from '../../orderpool/v1/GetOrderRequest';
import type { ListMerchantEventsRequest as _orderpool_v1_ListMerchantEventsRequest, ListMerchantEventsRequest__Output as _orderpool_v1_ListMerchantEventsRequest__Output } from '../../orderpool/v1/ListMerchantEventsRequest';
import type { ListMerchantEventsResponse as _orderpool_v1_ListMerchantEventsResponse, ListMerchantEventsResponse__Output as _orderpool_v1_ListMerchantEventsResponse__Output } from '../../orderpool/v1/ListMerchantEventsResponse';
import type { ListPoolOrdersRequest as _orderpool_v1_ListPoolOrdersRequest, ListPoolOrdersRequest__Output as _orderpool_v1_ListPoolOrdersRequest__Output } from '../../orderpool/v1/ListPoolOrdersRequest';
import type { ListPoolOrdersResponse as _orderpool_v1_ListPoolOrdersResponse, ListPoolOrdersResponse__Output as _orderpool_v1_ListPoolOrdersResponse__Output } from '../../orderpool/v1/ListPoolOrdersResponse';
import type { Merchant as _orderpool_v1_Merchant, Merchant__Output as _orderpool_v1_Merchant__Output } from '../../orderpool/v1/Merchant';
import type { MerchantEvent as _orderpool_v1_MerchantEvent, MerchantEvent__Output as _orderpool_v1_MerchantEvent__Output } from '../../orderpool/v1/MerchantEvent';
import type { Order as _orderpool_v1_Order, Order__Output as _orderpool_v1_Order__Output } from '../../orderpool/v1/Order';
import type { OrderEvent as _orderpool_v1_OrderEvent, OrderEvent__Output as _orderpool_v1_OrderEvent__Output } from '../../orderpool/v1/OrderEvent';
import type { OrderEventAck as _orderpool_v1_OrderEventAck, OrderEventAck__Output as _orderpool_v1_OrderEventAck__Output } from '../../orderpool/v1/OrderEventAck';
import type { RecordOrderRequest as _orderpool_v1_RecordOrderRequest, RecordOrderRequest__Output as _orderpool_v1_RecordOrderRequest__Output } from '../../orderpool/v1/RecordOrderRequest';
import type { RefundOrderRequest as _orderpool_v1_RefundOrderRequest, RefundOrderRequest__Output as _orderpool_v1_RefundOrderRequest__Output } from '../../orderpool/v1/RefundOrderRequest';
import type { RequestFinancingRequest as _orderpool_v1_RequestFinancingRequest, RequestFinancingRequest__Output as _orderpool_v1_RequestFinancingRequest__Output } from '../../orderpool/v1/RequestFinancingRequest';
import type { VerifyFinancingRequest as _orderpool_v1_VerifyFinancingRequest, VerifyFinancingRequest__Output as _orderpool_v1_VerifyFinancingRequest__Output } from '../../orderpool/v1/VerifyFinancingRequest';
import type { WatchMerchantRequest as _orderpool_v1_WatchMerchantRequest, WatchMerchantRequest__Output as _orderpool_v1_WatchMerchantRequest__Output } from '../../orderpool/v1/WatchMerchantRequest';

/**
 * OrderPoolService is the service's main surface: orders from the commerce
 * platform, financings from merchants, disbursement answers from lenders, and
 * reads and watches for everyone.
 */
export interface OrderPoolServiceClient extends grpc.Client {
  /**
   * The merchant withdraws a financing that has not been disbursed yet; its
   * pool is released. Cancelling a cancelled financing returns it unchanged.
   * Returns FAILED_PRECONDITION (FINANCING_ALREADY_DISBURSED,
   * FINANCING_ENDED); NOT_FOUND (MERCHANT_NOT_FOUND, FINANCING_NOT_FOUND).
   */
  CancelFinancing(argument: _orderpool_v1_CancelFinancingRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Financing__Output>): grpc.ClientUnaryCall;
  CancelFinancing(argument: _orderpool_v1_CancelFinancingRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_orderpool_v1_Financing__Output>): grpc.ClientUnaryCall;
  CancelFinancing(argument: _orderpool_v1_CancelFinancingRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Financing__Output>): grpc.ClientUnaryCall;
  CancelFinancing(argument: _orderpool_v1_CancelFinancingRequest, callback: grpc.requestCallback<_orderpool_v1_Financing__Output>): grpc.ClientUnaryCall;
  /**
   * The merchant withdraws a financing that has not been disbursed yet; its
   * pool is released. Cancelling a cancelled financing returns it unchanged.
   * Returns FAILED_PRECONDITION (FINANCING_ALREADY_DISBURSED,
   * FINANCING_ENDED); NOT_FOUND (MERCHANT_NOT_FOUND, FINANCING_NOT_FOUND).
   */
  cancelFinancing(argument: _orderpool_v1_CancelFinancingRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Financing__Output>): grpc.ClientUnaryCall;
  cancelFinancing(argument: _orderpool_v1_CancelFinancingRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_orderpool_v1_Financing__Output>): grpc.ClientUnaryCall;
  cancelFinancing(argument: _orderpool_v1_CancelFinancingRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Financing__Output>): grpc.ClientUnaryCall;
  cancelFinancing(argument: _orderpool_v1_CancelFinancingRequest, callback: grpc.requestCallback<_orderpool_v1_Financing__Output>): grpc.ClientUnaryCall;
  
  /**
   * Marks an order completed: the buyer confirmed and its money is released.
   * A pooled order of a settling financing leaves the pool and its repayment
   * (amount x repayment share, at most the outstanding) is routed to the
   * lender. Completing a completed order returns it unchanged.
   * Returns NOT_FOUND (MERCHANT_NOT_FOUND, ORDER_NOT_FOUND);
   * FAILED_PRECONDITION (ORDER_REFUNDED) for a refunded order.
   */
  CompleteOrder(argument: _orderpool_v1_CompleteOrderRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Order__Output>): grpc.ClientUnaryCall;
  CompleteOrder(argument: _orderpool_v1_CompleteOrderRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_orderpool_v1_Order__Output>): grpc.ClientUnaryCall;
  CompleteOrder(argument: _orderpool_v1_CompleteOrderRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Order__Output>): grpc.ClientUnaryCall;
  CompleteOrder(argument: _orderpool_v1_CompleteOrderRequest, callback: grpc.requestCallback<_orderpool_v1_Order__Output>): grpc.ClientUnaryCall;
  /**
   * Marks an order completed: the buyer confirmed and its money is released.
   * A pooled order of a settling financing leaves the pool and its repayment
   * (amount x repayment share, at most the outstanding) is routed to the
   * lender. Completing a completed order returns it unchanged.
   * Returns NOT_FOUND (MERCHANT_NOT_FOUND, ORDER_NOT_FOUND);
   * FAILED_PRECONDITION (ORDER_REFUNDED) for a refunded order.
   */
  completeOrder(argument: _orderpool_v1_CompleteOrderRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Order__Output>): grpc.ClientUnaryCall;
  completeOrder(argument: _orderpool_v1_CompleteOrderRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_orderpool_v1_Order__Output>): grpc.ClientUnaryCall;
  completeOrder(argument: _orderpool_v1_CompleteOrderRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Order__Output>): grpc.ClientUnaryCall;
  completeOrder(argument: _orderpool_v1_CompleteOrderRequest, callback: grpc.requestCallback<_orderpool_v1_Order__Output>): grpc.ClientUnaryCall;
  
  /**
   * The lender confirms it sent the advance: the financing starts SETTLING
   * and outstanding = approved + fee is repaid from completing orders.
   * Replaying the same confirmation (same lender_reference) returns the
   * financing as it is now. Returns INVALID_ARGUMENT (AMOUNT_MISMATCH) when
   * amount is not the approved amount; PERMISSION_DENIED (LENDER_MISMATCH)
   * for another lender; FAILED_PRECONDITION with FINANCING_NOT_NOTIFIED (not
   * yet authorized, or ended), FINANCING_ALREADY_DISBURSED (confirmed with
   * another lender_reference) or DISBURSEMENT_EXPIRED (the deadline passed;
   * the financing is EXPIRED);
   * NOT_FOUND (MERCHANT_NOT_FOUND, FINANCING_NOT_FOUND).
   */
  ConfirmDisbursement(argument: _orderpool_v1_ConfirmDisbursementRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Financing__Output>): grpc.ClientUnaryCall;
  ConfirmDisbursement(argument: _orderpool_v1_ConfirmDisbursementRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_orderpool_v1_Financing__Output>): grpc.ClientUnaryCall;
  ConfirmDisbursement(argument: _orderpool_v1_ConfirmDisbursementRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Financing__Output>): grpc.ClientUnaryCall;
  ConfirmDisbursement(argument: _orderpool_v1_ConfirmDisbursementRequest, callback: grpc.requestCallback<_orderpool_v1_Financing__Output>): grpc.ClientUnaryCall;
  /**
   * The lender confirms it sent the advance: the financing starts SETTLING
   * and outstanding = approved + fee is repaid from completing orders.
   * Replaying the same confirmation (same lender_reference) returns the
   * financing as it is now. Returns INVALID_ARGUMENT (AMOUNT_MISMATCH) when
   * amount is not the approved amount; PERMISSION_DENIED (LENDER_MISMATCH)
   * for another lender; FAILED_PRECONDITION with FINANCING_NOT_NOTIFIED (not
   * yet authorized, or ended), FINANCING_ALREADY_DISBURSED (confirmed with
   * another lender_reference) or DISBURSEMENT_EXPIRED (the deadline passed;
   * the financing is EXPIRED);
   * NOT_FOUND (MERCHANT_NOT_FOUND, FINANCING_NOT_FOUND).
   */
  confirmDisbursement(argument: _orderpool_v1_ConfirmDisbursementRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Financing__Output>): grpc.ClientUnaryCall;
  confirmDisbursement(argument: _orderpool_v1_ConfirmDisbursementRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_orderpool_v1_Financing__Output>): grpc.ClientUnaryCall;
  confirmDisbursement(argument: _orderpool_v1_ConfirmDisbursementRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Financing__Output>): grpc.ClientUnaryCall;
  confirmDisbursement(argument: _orderpool_v1_ConfirmDisbursementRequest, callback: grpc.requestCallback<_orderpool_v1_Financing__Output>): grpc.ClientUnaryCall;
  
  /**
   * The lender refuses a financing that it has not disbursed; the pool is
   * released and the financing ends DECLINED. Declining a declined financing
   * returns it unchanged. Returns PERMISSION_DENIED (LENDER_MISMATCH);
   * FAILED_PRECONDITION (FINANCING_NOT_NOTIFIED while awaiting verification,
   * FINANCING_ALREADY_DISBURSED, FINANCING_ENDED);
   * NOT_FOUND (MERCHANT_NOT_FOUND, FINANCING_NOT_FOUND).
   */
  DeclineFinancing(argument: _orderpool_v1_DeclineFinancingRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Financing__Output>): grpc.ClientUnaryCall;
  DeclineFinancing(argument: _orderpool_v1_DeclineFinancingRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_orderpool_v1_Financing__Output>): grpc.ClientUnaryCall;
  DeclineFinancing(argument: _orderpool_v1_DeclineFinancingRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Financing__Output>): grpc.ClientUnaryCall;
  DeclineFinancing(argument: _orderpool_v1_DeclineFinancingRequest, callback: grpc.requestCallback<_orderpool_v1_Financing__Output>): grpc.ClientUnaryCall;
  /**
   * The lender refuses a financing that it has not disbursed; the pool is
   * released and the financing ends DECLINED. Declining a declined financing
   * returns it unchanged. Returns PERMISSION_DENIED (LENDER_MISMATCH);
   * FAILED_PRECONDITION (FINANCING_NOT_NOTIFIED while awaiting verification,
   * FINANCING_ALREADY_DISBURSED, FINANCING_ENDED);
   * NOT_FOUND (MERCHANT_NOT_FOUND, FINANCING_NOT_FOUND).
   */
  declineFinancing(argument: _orderpool_v1_DeclineFinancingRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Financing__Output>): grpc.ClientUnaryCall;
  declineFinancing(argument: _orderpool_v1_DeclineFinancingRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_orderpool_v1_Financing__Output>): grpc.ClientUnaryCall;
  declineFinancing(argument: _orderpool_v1_DeclineFinancingRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Financing__Output>): grpc.ClientUnaryCall;
  declineFinancing(argument: _orderpool_v1_DeclineFinancingRequest, callback: grpc.requestCallback<_orderpool_v1_Financing__Output>): grpc.ClientUnaryCall;
  
  /**
   * Reads one financing, active or ended.
   * Returns NOT_FOUND (MERCHANT_NOT_FOUND, FINANCING_NOT_FOUND).
   */
  GetFinancing(argument: _orderpool_v1_GetFinancingRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Financing__Output>): grpc.ClientUnaryCall;
  GetFinancing(argument: _orderpool_v1_GetFinancingRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_orderpool_v1_Financing__Output>): grpc.ClientUnaryCall;
  GetFinancing(argument: _orderpool_v1_GetFinancingRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Financing__Output>): grpc.ClientUnaryCall;
  GetFinancing(argument: _orderpool_v1_GetFinancingRequest, callback: grpc.requestCallback<_orderpool_v1_Financing__Output>): grpc.ClientUnaryCall;
  /**
   * Reads one financing, active or ended.
   * Returns NOT_FOUND (MERCHANT_NOT_FOUND, FINANCING_NOT_FOUND).
   */
  getFinancing(argument: _orderpool_v1_GetFinancingRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Financing__Output>): grpc.ClientUnaryCall;
  getFinancing(argument: _orderpool_v1_GetFinancingRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_orderpool_v1_Financing__Output>): grpc.ClientUnaryCall;
  getFinancing(argument: _orderpool_v1_GetFinancingRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Financing__Output>): grpc.ClientUnaryCall;
  getFinancing(argument: _orderpool_v1_GetFinancingRequest, callback: grpc.requestCallback<_orderpool_v1_Financing__Output>): grpc.ClientUnaryCall;
  
  /**
   * Reads a merchant: its machine state, active financing, open order totals,
   * history counts and last event sequence.
   * Returns NOT_FOUND (MERCHANT_NOT_FOUND).
   */
  GetMerchant(argument: _orderpool_v1_GetMerchantRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Merchant__Output>): grpc.ClientUnaryCall;
  GetMerchant(argument: _orderpool_v1_GetMerchantRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_orderpool_v1_Merchant__Output>): grpc.ClientUnaryCall;
  GetMerchant(argument: _orderpool_v1_GetMerchantRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Merchant__Output>): grpc.ClientUnaryCall;
  GetMerchant(argument: _orderpool_v1_GetMerchantRequest, callback: grpc.requestCallback<_orderpool_v1_Merchant__Output>): grpc.ClientUnaryCall;
  /**
   * Reads a merchant: its machine state, active financing, open order totals,
   * history counts and last event sequence.
   * Returns NOT_FOUND (MERCHANT_NOT_FOUND).
   */
  getMerchant(argument: _orderpool_v1_GetMerchantRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Merchant__Output>): grpc.ClientUnaryCall;
  getMerchant(argument: _orderpool_v1_GetMerchantRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_orderpool_v1_Merchant__Output>): grpc.ClientUnaryCall;
  getMerchant(argument: _orderpool_v1_GetMerchantRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Merchant__Output>): grpc.ClientUnaryCall;
  getMerchant(argument: _orderpool_v1_GetMerchantRequest, callback: grpc.requestCallback<_orderpool_v1_Merchant__Output>): grpc.ClientUnaryCall;
  
  /**
   * Reads one order. Returns NOT_FOUND (MERCHANT_NOT_FOUND, ORDER_NOT_FOUND).
   */
  GetOrder(argument: _orderpool_v1_GetOrderRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Order__Output>): grpc.ClientUnaryCall;
  GetOrder(argument: _orderpool_v1_GetOrderRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_orderpool_v1_Order__Output>): grpc.ClientUnaryCall;
  GetOrder(argument: _orderpool_v1_GetOrderRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Order__Output>): grpc.ClientUnaryCall;
  GetOrder(argument: _orderpool_v1_GetOrderRequest, callback: grpc.requestCallback<_orderpool_v1_Order__Output>): grpc.ClientUnaryCall;
  /**
   * Reads one order. Returns NOT_FOUND (MERCHANT_NOT_FOUND, ORDER_NOT_FOUND).
   */
  getOrder(argument: _orderpool_v1_GetOrderRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Order__Output>): grpc.ClientUnaryCall;
  getOrder(argument: _orderpool_v1_GetOrderRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_orderpool_v1_Order__Output>): grpc.ClientUnaryCall;
  getOrder(argument: _orderpool_v1_GetOrderRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Order__Output>): grpc.ClientUnaryCall;
  getOrder(argument: _orderpool_v1_GetOrderRequest, callback: grpc.requestCallback<_orderpool_v1_Order__Output>): grpc.ClientUnaryCall;
  
  /**
   * Lists a merchant's events in sequence order, from sequence 1.
   * Returns NOT_FOUND (MERCHANT_NOT_FOUND); INVALID_ARGUMENT
   * (INVALID_PAGE_TOKEN).
   */
  ListMerchantEvents(argument: _orderpool_v1_ListMerchantEventsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_ListMerchantEventsResponse__Output>): grpc.ClientUnaryCall;
  ListMerchantEvents(argument: _orderpool_v1_ListMerchantEventsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_orderpool_v1_ListMerchantEventsResponse__Output>): grpc.ClientUnaryCall;
  ListMerchantEvents(argument: _orderpool_v1_ListMerchantEventsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_ListMerchantEventsResponse__Output>): grpc.ClientUnaryCall;
  ListMerchantEvents(argument: _orderpool_v1_ListMerchantEventsRequest, callback: grpc.requestCallback<_orderpool_v1_ListMerchantEventsResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Lists a merchant's events in sequence order, from sequence 1.
   * Returns NOT_FOUND (MERCHANT_NOT_FOUND); INVALID_ARGUMENT
   * (INVALID_PAGE_TOKEN).
   */
  listMerchantEvents(argument: _orderpool_v1_ListMerchantEventsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_ListMerchantEventsResponse__Output>): grpc.ClientUnaryCall;
  listMerchantEvents(argument: _orderpool_v1_ListMerchantEventsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_orderpool_v1_ListMerchantEventsResponse__Output>): grpc.ClientUnaryCall;
  listMerchantEvents(argument: _orderpool_v1_ListMerchantEventsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_ListMerchantEventsResponse__Output>): grpc.ClientUnaryCall;
  listMerchantEvents(argument: _orderpool_v1_ListMerchantEventsRequest, callback: grpc.requestCallback<_orderpool_v1_ListMerchantEventsResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Lists the orders in a financing's pool now, oldest pledged first. An
   * ended financing has an empty pool. Returns NOT_FOUND
   * (MERCHANT_NOT_FOUND, FINANCING_NOT_FOUND); INVALID_ARGUMENT
   * (INVALID_PAGE_TOKEN).
   */
  ListPoolOrders(argument: _orderpool_v1_ListPoolOrdersRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_ListPoolOrdersResponse__Output>): grpc.ClientUnaryCall;
  ListPoolOrders(argument: _orderpool_v1_ListPoolOrdersRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_orderpool_v1_ListPoolOrdersResponse__Output>): grpc.ClientUnaryCall;
  ListPoolOrders(argument: _orderpool_v1_ListPoolOrdersRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_ListPoolOrdersResponse__Output>): grpc.ClientUnaryCall;
  ListPoolOrders(argument: _orderpool_v1_ListPoolOrdersRequest, callback: grpc.requestCallback<_orderpool_v1_ListPoolOrdersResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Lists the orders in a financing's pool now, oldest pledged first. An
   * ended financing has an empty pool. Returns NOT_FOUND
   * (MERCHANT_NOT_FOUND, FINANCING_NOT_FOUND); INVALID_ARGUMENT
   * (INVALID_PAGE_TOKEN).
   */
  listPoolOrders(argument: _orderpool_v1_ListPoolOrdersRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_ListPoolOrdersResponse__Output>): grpc.ClientUnaryCall;
  listPoolOrders(argument: _orderpool_v1_ListPoolOrdersRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_orderpool_v1_ListPoolOrdersResponse__Output>): grpc.ClientUnaryCall;
  listPoolOrders(argument: _orderpool_v1_ListPoolOrdersRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_ListPoolOrdersResponse__Output>): grpc.ClientUnaryCall;
  listPoolOrders(argument: _orderpool_v1_ListPoolOrdersRequest, callback: grpc.requestCallback<_orderpool_v1_ListPoolOrdersResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Records a buyer's order owed to a merchant. The first order of a merchant
   * creates the merchant. Replaying the same order (same merchant_id,
   * order_id, buyer_id and amount) returns the order as it is now.
   * Returns ALREADY_EXISTS (ORDER_ALREADY_EXISTS) when the order_id is known
   * with a different buyer or amount; RESOURCE_EXHAUSTED (TOO_MANY_ORDERS)
   * when the merchant holds the configured maximum of orders (of any state;
   * --max-orders-per-merchant).
   * While the merchant's financing is under-covered, a new order in its
   * currency is pledged to the pool on arrival (state POOLED).
   */
  RecordOrder(argument: _orderpool_v1_RecordOrderRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Order__Output>): grpc.ClientUnaryCall;
  RecordOrder(argument: _orderpool_v1_RecordOrderRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_orderpool_v1_Order__Output>): grpc.ClientUnaryCall;
  RecordOrder(argument: _orderpool_v1_RecordOrderRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Order__Output>): grpc.ClientUnaryCall;
  RecordOrder(argument: _orderpool_v1_RecordOrderRequest, callback: grpc.requestCallback<_orderpool_v1_Order__Output>): grpc.ClientUnaryCall;
  /**
   * Records a buyer's order owed to a merchant. The first order of a merchant
   * creates the merchant. Replaying the same order (same merchant_id,
   * order_id, buyer_id and amount) returns the order as it is now.
   * Returns ALREADY_EXISTS (ORDER_ALREADY_EXISTS) when the order_id is known
   * with a different buyer or amount; RESOURCE_EXHAUSTED (TOO_MANY_ORDERS)
   * when the merchant holds the configured maximum of orders (of any state;
   * --max-orders-per-merchant).
   * While the merchant's financing is under-covered, a new order in its
   * currency is pledged to the pool on arrival (state POOLED).
   */
  recordOrder(argument: _orderpool_v1_RecordOrderRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Order__Output>): grpc.ClientUnaryCall;
  recordOrder(argument: _orderpool_v1_RecordOrderRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_orderpool_v1_Order__Output>): grpc.ClientUnaryCall;
  recordOrder(argument: _orderpool_v1_RecordOrderRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Order__Output>): grpc.ClientUnaryCall;
  recordOrder(argument: _orderpool_v1_RecordOrderRequest, callback: grpc.requestCallback<_orderpool_v1_Order__Output>): grpc.ClientUnaryCall;
  
  /**
   * Marks an order refunded: its money goes back to the buyer. A pooled order
   * leaves the pool and no money moves; the coverage check may pledge more
   * orders. Refunding a refunded order returns it unchanged.
   * Returns NOT_FOUND (MERCHANT_NOT_FOUND, ORDER_NOT_FOUND);
   * FAILED_PRECONDITION (ORDER_COMPLETED) for a completed order.
   */
  RefundOrder(argument: _orderpool_v1_RefundOrderRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Order__Output>): grpc.ClientUnaryCall;
  RefundOrder(argument: _orderpool_v1_RefundOrderRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_orderpool_v1_Order__Output>): grpc.ClientUnaryCall;
  RefundOrder(argument: _orderpool_v1_RefundOrderRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Order__Output>): grpc.ClientUnaryCall;
  RefundOrder(argument: _orderpool_v1_RefundOrderRequest, callback: grpc.requestCallback<_orderpool_v1_Order__Output>): grpc.ClientUnaryCall;
  /**
   * Marks an order refunded: its money goes back to the buyer. A pooled order
   * leaves the pool and no money moves; the coverage check may pledge more
   * orders. Refunding a refunded order returns it unchanged.
   * Returns NOT_FOUND (MERCHANT_NOT_FOUND, ORDER_NOT_FOUND);
   * FAILED_PRECONDITION (ORDER_COMPLETED) for a completed order.
   */
  refundOrder(argument: _orderpool_v1_RefundOrderRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Order__Output>): grpc.ClientUnaryCall;
  refundOrder(argument: _orderpool_v1_RefundOrderRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_orderpool_v1_Order__Output>): grpc.ClientUnaryCall;
  refundOrder(argument: _orderpool_v1_RefundOrderRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Order__Output>): grpc.ClientUnaryCall;
  refundOrder(argument: _orderpool_v1_RefundOrderRequest, callback: grpc.requestCallback<_orderpool_v1_Order__Output>): grpc.ClientUnaryCall;
  
  /**
   * A merchant asks a lender for an advance. Open orders in the amount's
   * currency are pledged oldest first until pool total x advance rate covers
   * the request; approved = min(requested, floor(pool total x advance rate)).
   * At or above the lender's verification threshold a one-time code is sent
   * to the merchant (state AWAITING_VERIFICATION); otherwise the lender's
   * gateway is told it may disburse (state NOTIFIED).
   * Replaying the same request_id returns the first answer.
   * Returns NOT_FOUND (MERCHANT_NOT_FOUND, LENDER_NOT_FOUND);
   * FAILED_PRECONDITION with FINANCING_IN_PROGRESS (one active financing per
   * merchant), NOT_ELIGIBLE (the merchant's history fails the lender's
   * policy), INSUFFICIENT_ORDERS (nothing could be approved) or
   * CURRENCY_NOT_SUPPORTED (the lender's threshold is in another currency);
   * the last three record the financing as REJECTED, and the error's
   * ErrorInfo carries its financing_id. ALREADY_EXISTS
   * (REQUEST_ID_REUSED) when request_id was used with different content.
   */
  RequestFinancing(argument: _orderpool_v1_RequestFinancingRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Financing__Output>): grpc.ClientUnaryCall;
  RequestFinancing(argument: _orderpool_v1_RequestFinancingRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_orderpool_v1_Financing__Output>): grpc.ClientUnaryCall;
  RequestFinancing(argument: _orderpool_v1_RequestFinancingRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Financing__Output>): grpc.ClientUnaryCall;
  RequestFinancing(argument: _orderpool_v1_RequestFinancingRequest, callback: grpc.requestCallback<_orderpool_v1_Financing__Output>): grpc.ClientUnaryCall;
  /**
   * A merchant asks a lender for an advance. Open orders in the amount's
   * currency are pledged oldest first until pool total x advance rate covers
   * the request; approved = min(requested, floor(pool total x advance rate)).
   * At or above the lender's verification threshold a one-time code is sent
   * to the merchant (state AWAITING_VERIFICATION); otherwise the lender's
   * gateway is told it may disburse (state NOTIFIED).
   * Replaying the same request_id returns the first answer.
   * Returns NOT_FOUND (MERCHANT_NOT_FOUND, LENDER_NOT_FOUND);
   * FAILED_PRECONDITION with FINANCING_IN_PROGRESS (one active financing per
   * merchant), NOT_ELIGIBLE (the merchant's history fails the lender's
   * policy), INSUFFICIENT_ORDERS (nothing could be approved) or
   * CURRENCY_NOT_SUPPORTED (the lender's threshold is in another currency);
   * the last three record the financing as REJECTED, and the error's
   * ErrorInfo carries its financing_id. ALREADY_EXISTS
   * (REQUEST_ID_REUSED) when request_id was used with different content.
   */
  requestFinancing(argument: _orderpool_v1_RequestFinancingRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Financing__Output>): grpc.ClientUnaryCall;
  requestFinancing(argument: _orderpool_v1_RequestFinancingRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_orderpool_v1_Financing__Output>): grpc.ClientUnaryCall;
  requestFinancing(argument: _orderpool_v1_RequestFinancingRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Financing__Output>): grpc.ClientUnaryCall;
  requestFinancing(argument: _orderpool_v1_RequestFinancingRequest, callback: grpc.requestCallback<_orderpool_v1_Financing__Output>): grpc.ClientUnaryCall;
  
  /**
   * Bulk ingestion: a stream of record / complete / refund events. Each event
   * is answered by exactly one OrderEventAck, in the order the events were
   * sent, once the event is durable. A bad event gets its error in its ack
   * (same codes and reasons as the unary RPCs) and the stream goes on.
   */
  StreamOrderEvents(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_orderpool_v1_OrderEvent, _orderpool_v1_OrderEventAck__Output>;
  StreamOrderEvents(options?: grpc.CallOptions): grpc.ClientDuplexStream<_orderpool_v1_OrderEvent, _orderpool_v1_OrderEventAck__Output>;
  /**
   * Bulk ingestion: a stream of record / complete / refund events. Each event
   * is answered by exactly one OrderEventAck, in the order the events were
   * sent, once the event is durable. A bad event gets its error in its ack
   * (same codes and reasons as the unary RPCs) and the stream goes on.
   */
  streamOrderEvents(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_orderpool_v1_OrderEvent, _orderpool_v1_OrderEventAck__Output>;
  streamOrderEvents(options?: grpc.CallOptions): grpc.ClientDuplexStream<_orderpool_v1_OrderEvent, _orderpool_v1_OrderEventAck__Output>;
  
  /**
   * Submits the one-time code of a financing awaiting verification. The right
   * code moves it to NOTIFIED. Returns INVALID_ARGUMENT (INVALID_CODE when
   * the code is not 6 digits; no attempt is used) or
   * (VERIFICATION_CODE_MISMATCH, with attempts_left in the ErrorInfo
   * metadata) for a wrong code; after the last allowed attempt the financing
   * is CANCELLED and the reason is VERIFICATION_ATTEMPTS_EXHAUSTED.
   * FAILED_PRECONDITION (VERIFICATION_EXPIRED) when the code expired (the
   * financing is EXPIRED), or (FINANCING_NOT_AWAITING_VERIFICATION) in any
   * other state. NOT_FOUND (MERCHANT_NOT_FOUND, FINANCING_NOT_FOUND).
   */
  VerifyFinancing(argument: _orderpool_v1_VerifyFinancingRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Financing__Output>): grpc.ClientUnaryCall;
  VerifyFinancing(argument: _orderpool_v1_VerifyFinancingRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_orderpool_v1_Financing__Output>): grpc.ClientUnaryCall;
  VerifyFinancing(argument: _orderpool_v1_VerifyFinancingRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Financing__Output>): grpc.ClientUnaryCall;
  VerifyFinancing(argument: _orderpool_v1_VerifyFinancingRequest, callback: grpc.requestCallback<_orderpool_v1_Financing__Output>): grpc.ClientUnaryCall;
  /**
   * Submits the one-time code of a financing awaiting verification. The right
   * code moves it to NOTIFIED. Returns INVALID_ARGUMENT (INVALID_CODE when
   * the code is not 6 digits; no attempt is used) or
   * (VERIFICATION_CODE_MISMATCH, with attempts_left in the ErrorInfo
   * metadata) for a wrong code; after the last allowed attempt the financing
   * is CANCELLED and the reason is VERIFICATION_ATTEMPTS_EXHAUSTED.
   * FAILED_PRECONDITION (VERIFICATION_EXPIRED) when the code expired (the
   * financing is EXPIRED), or (FINANCING_NOT_AWAITING_VERIFICATION) in any
   * other state. NOT_FOUND (MERCHANT_NOT_FOUND, FINANCING_NOT_FOUND).
   */
  verifyFinancing(argument: _orderpool_v1_VerifyFinancingRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Financing__Output>): grpc.ClientUnaryCall;
  verifyFinancing(argument: _orderpool_v1_VerifyFinancingRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_orderpool_v1_Financing__Output>): grpc.ClientUnaryCall;
  verifyFinancing(argument: _orderpool_v1_VerifyFinancingRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Financing__Output>): grpc.ClientUnaryCall;
  verifyFinancing(argument: _orderpool_v1_VerifyFinancingRequest, callback: grpc.requestCallback<_orderpool_v1_Financing__Output>): grpc.ClientUnaryCall;
  
  /**
   * Replays a merchant's events from from_sequence (0 means from the first
   * event), then follows live events, without a gap or a duplicate at the
   * switch-over. A watcher that does not read fast enough is ended with
   * RESOURCE_EXHAUSTED (WATCHER_TOO_SLOW, with last_sequence in the
   * ErrorInfo metadata) and can resume from last_sequence + 1.
   * Returns NOT_FOUND (MERCHANT_NOT_FOUND); UNAVAILABLE (SHUTTING_DOWN) when
   * the server drains.
   */
  WatchMerchant(argument: _orderpool_v1_WatchMerchantRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_orderpool_v1_MerchantEvent__Output>;
  WatchMerchant(argument: _orderpool_v1_WatchMerchantRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_orderpool_v1_MerchantEvent__Output>;
  /**
   * Replays a merchant's events from from_sequence (0 means from the first
   * event), then follows live events, without a gap or a duplicate at the
   * switch-over. A watcher that does not read fast enough is ended with
   * RESOURCE_EXHAUSTED (WATCHER_TOO_SLOW, with last_sequence in the
   * ErrorInfo metadata) and can resume from last_sequence + 1.
   * Returns NOT_FOUND (MERCHANT_NOT_FOUND); UNAVAILABLE (SHUTTING_DOWN) when
   * the server drains.
   */
  watchMerchant(argument: _orderpool_v1_WatchMerchantRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_orderpool_v1_MerchantEvent__Output>;
  watchMerchant(argument: _orderpool_v1_WatchMerchantRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_orderpool_v1_MerchantEvent__Output>;
  
}

/**
 * OrderPoolService is the service's main surface: orders from the commerce
 * platform, financings from merchants, disbursement answers from lenders, and
 * reads and watches for everyone.
 */
export interface OrderPoolServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * The merchant withdraws a financing that has not been disbursed yet; its
   * pool is released. Cancelling a cancelled financing returns it unchanged.
   * Returns FAILED_PRECONDITION (FINANCING_ALREADY_DISBURSED,
   * FINANCING_ENDED); NOT_FOUND (MERCHANT_NOT_FOUND, FINANCING_NOT_FOUND).
   */
  CancelFinancing: grpc.handleUnaryCall<_orderpool_v1_CancelFinancingRequest__Output, _orderpool_v1_Financing>;
  
  /**
   * Marks an order completed: the buyer confirmed and its money is released.
   * A pooled order of a settling financing leaves the pool and its repayment
   * (amount x repayment share, at most the outstanding) is routed to the
   * lender. Completing a completed order returns it unchanged.
   * Returns NOT_FOUND (MERCHANT_NOT_FOUND, ORDER_NOT_FOUND);
   * FAILED_PRECONDITION (ORDER_REFUNDED) for a refunded order.
   */
  CompleteOrder: grpc.handleUnaryCall<_orderpool_v1_CompleteOrderRequest__Output, _orderpool_v1_Order>;
  
  /**
   * The lender confirms it sent the advance: the financing starts SETTLING
   * and outstanding = approved + fee is repaid from completing orders.
   * Replaying the same confirmation (same lender_reference) returns the
   * financing as it is now. Returns INVALID_ARGUMENT (AMOUNT_MISMATCH) when
   * amount is not the approved amount; PERMISSION_DENIED (LENDER_MISMATCH)
   * for another lender; FAILED_PRECONDITION with FINANCING_NOT_NOTIFIED (not
   * yet authorized, or ended), FINANCING_ALREADY_DISBURSED (confirmed with
   * another lender_reference) or DISBURSEMENT_EXPIRED (the deadline passed;
   * the financing is EXPIRED);
   * NOT_FOUND (MERCHANT_NOT_FOUND, FINANCING_NOT_FOUND).
   */
  ConfirmDisbursement: grpc.handleUnaryCall<_orderpool_v1_ConfirmDisbursementRequest__Output, _orderpool_v1_Financing>;
  
  /**
   * The lender refuses a financing that it has not disbursed; the pool is
   * released and the financing ends DECLINED. Declining a declined financing
   * returns it unchanged. Returns PERMISSION_DENIED (LENDER_MISMATCH);
   * FAILED_PRECONDITION (FINANCING_NOT_NOTIFIED while awaiting verification,
   * FINANCING_ALREADY_DISBURSED, FINANCING_ENDED);
   * NOT_FOUND (MERCHANT_NOT_FOUND, FINANCING_NOT_FOUND).
   */
  DeclineFinancing: grpc.handleUnaryCall<_orderpool_v1_DeclineFinancingRequest__Output, _orderpool_v1_Financing>;
  
  /**
   * Reads one financing, active or ended.
   * Returns NOT_FOUND (MERCHANT_NOT_FOUND, FINANCING_NOT_FOUND).
   */
  GetFinancing: grpc.handleUnaryCall<_orderpool_v1_GetFinancingRequest__Output, _orderpool_v1_Financing>;
  
  /**
   * Reads a merchant: its machine state, active financing, open order totals,
   * history counts and last event sequence.
   * Returns NOT_FOUND (MERCHANT_NOT_FOUND).
   */
  GetMerchant: grpc.handleUnaryCall<_orderpool_v1_GetMerchantRequest__Output, _orderpool_v1_Merchant>;
  
  /**
   * Reads one order. Returns NOT_FOUND (MERCHANT_NOT_FOUND, ORDER_NOT_FOUND).
   */
  GetOrder: grpc.handleUnaryCall<_orderpool_v1_GetOrderRequest__Output, _orderpool_v1_Order>;
  
  /**
   * Lists a merchant's events in sequence order, from sequence 1.
   * Returns NOT_FOUND (MERCHANT_NOT_FOUND); INVALID_ARGUMENT
   * (INVALID_PAGE_TOKEN).
   */
  ListMerchantEvents: grpc.handleUnaryCall<_orderpool_v1_ListMerchantEventsRequest__Output, _orderpool_v1_ListMerchantEventsResponse>;
  
  /**
   * Lists the orders in a financing's pool now, oldest pledged first. An
   * ended financing has an empty pool. Returns NOT_FOUND
   * (MERCHANT_NOT_FOUND, FINANCING_NOT_FOUND); INVALID_ARGUMENT
   * (INVALID_PAGE_TOKEN).
   */
  ListPoolOrders: grpc.handleUnaryCall<_orderpool_v1_ListPoolOrdersRequest__Output, _orderpool_v1_ListPoolOrdersResponse>;
  
  /**
   * Records a buyer's order owed to a merchant. The first order of a merchant
   * creates the merchant. Replaying the same order (same merchant_id,
   * order_id, buyer_id and amount) returns the order as it is now.
   * Returns ALREADY_EXISTS (ORDER_ALREADY_EXISTS) when the order_id is known
   * with a different buyer or amount; RESOURCE_EXHAUSTED (TOO_MANY_ORDERS)
   * when the merchant holds the configured maximum of orders (of any state;
   * --max-orders-per-merchant).
   * While the merchant's financing is under-covered, a new order in its
   * currency is pledged to the pool on arrival (state POOLED).
   */
  RecordOrder: grpc.handleUnaryCall<_orderpool_v1_RecordOrderRequest__Output, _orderpool_v1_Order>;
  
  /**
   * Marks an order refunded: its money goes back to the buyer. A pooled order
   * leaves the pool and no money moves; the coverage check may pledge more
   * orders. Refunding a refunded order returns it unchanged.
   * Returns NOT_FOUND (MERCHANT_NOT_FOUND, ORDER_NOT_FOUND);
   * FAILED_PRECONDITION (ORDER_COMPLETED) for a completed order.
   */
  RefundOrder: grpc.handleUnaryCall<_orderpool_v1_RefundOrderRequest__Output, _orderpool_v1_Order>;
  
  /**
   * A merchant asks a lender for an advance. Open orders in the amount's
   * currency are pledged oldest first until pool total x advance rate covers
   * the request; approved = min(requested, floor(pool total x advance rate)).
   * At or above the lender's verification threshold a one-time code is sent
   * to the merchant (state AWAITING_VERIFICATION); otherwise the lender's
   * gateway is told it may disburse (state NOTIFIED).
   * Replaying the same request_id returns the first answer.
   * Returns NOT_FOUND (MERCHANT_NOT_FOUND, LENDER_NOT_FOUND);
   * FAILED_PRECONDITION with FINANCING_IN_PROGRESS (one active financing per
   * merchant), NOT_ELIGIBLE (the merchant's history fails the lender's
   * policy), INSUFFICIENT_ORDERS (nothing could be approved) or
   * CURRENCY_NOT_SUPPORTED (the lender's threshold is in another currency);
   * the last three record the financing as REJECTED, and the error's
   * ErrorInfo carries its financing_id. ALREADY_EXISTS
   * (REQUEST_ID_REUSED) when request_id was used with different content.
   */
  RequestFinancing: grpc.handleUnaryCall<_orderpool_v1_RequestFinancingRequest__Output, _orderpool_v1_Financing>;
  
  /**
   * Bulk ingestion: a stream of record / complete / refund events. Each event
   * is answered by exactly one OrderEventAck, in the order the events were
   * sent, once the event is durable. A bad event gets its error in its ack
   * (same codes and reasons as the unary RPCs) and the stream goes on.
   */
  StreamOrderEvents: grpc.handleBidiStreamingCall<_orderpool_v1_OrderEvent__Output, _orderpool_v1_OrderEventAck>;
  
  /**
   * Submits the one-time code of a financing awaiting verification. The right
   * code moves it to NOTIFIED. Returns INVALID_ARGUMENT (INVALID_CODE when
   * the code is not 6 digits; no attempt is used) or
   * (VERIFICATION_CODE_MISMATCH, with attempts_left in the ErrorInfo
   * metadata) for a wrong code; after the last allowed attempt the financing
   * is CANCELLED and the reason is VERIFICATION_ATTEMPTS_EXHAUSTED.
   * FAILED_PRECONDITION (VERIFICATION_EXPIRED) when the code expired (the
   * financing is EXPIRED), or (FINANCING_NOT_AWAITING_VERIFICATION) in any
   * other state. NOT_FOUND (MERCHANT_NOT_FOUND, FINANCING_NOT_FOUND).
   */
  VerifyFinancing: grpc.handleUnaryCall<_orderpool_v1_VerifyFinancingRequest__Output, _orderpool_v1_Financing>;
  
  /**
   * Replays a merchant's events from from_sequence (0 means from the first
   * event), then follows live events, without a gap or a duplicate at the
   * switch-over. A watcher that does not read fast enough is ended with
   * RESOURCE_EXHAUSTED (WATCHER_TOO_SLOW, with last_sequence in the
   * ErrorInfo metadata) and can resume from last_sequence + 1.
   * Returns NOT_FOUND (MERCHANT_NOT_FOUND); UNAVAILABLE (SHUTTING_DOWN) when
   * the server drains.
   */
  WatchMerchant: grpc.handleServerStreamingCall<_orderpool_v1_WatchMerchantRequest__Output, _orderpool_v1_MerchantEvent>;
  
}

export interface OrderPoolServiceDefinition extends grpc.ServiceDefinition {
  CancelFinancing: MethodDefinition<_orderpool_v1_CancelFinancingRequest, _orderpool_v1_Financing, _orderpool_v1_CancelFinancingRequest__Output, _orderpool_v1_Financing__Output>
  CompleteOrder: MethodDefinition<_orderpool_v1_CompleteOrderRequest, _orderpool_v1_Order, _orderpool_v1_CompleteOrderRequest__Output, _orderpool_v1_Order__Output>
  ConfirmDisbursement: MethodDefinition<_orderpool_v1_ConfirmDisbursementRequest, _orderpool_v1_Financing, _orderpool_v1_ConfirmDisbursementRequest__Output, _orderpool_v1_Financing__Output>
  DeclineFinancing: MethodDefinition<_orderpool_v1_DeclineFinancingRequest, _orderpool_v1_Financing, _orderpool_v1_DeclineFinancingRequest__Output, _orderpool_v1_Financing__Output>
  GetFinancing: MethodDefinition<_orderpool_v1_GetFinancingRequest, _orderpool_v1_Financing, _orderpool_v1_GetFinancingRequest__Output, _orderpool_v1_Financing__Output>
  GetMerchant: MethodDefinition<_orderpool_v1_GetMerchantRequest, _orderpool_v1_Merchant, _orderpool_v1_GetMerchantRequest__Output, _orderpool_v1_Merchant__Output>
  GetOrder: MethodDefinition<_orderpool_v1_GetOrderRequest, _orderpool_v1_Order, _orderpool_v1_GetOrderRequest__Output, _orderpool_v1_Order__Output>
  ListMerchantEvents: MethodDefinition<_orderpool_v1_ListMerchantEventsRequest, _orderpool_v1_ListMerchantEventsResponse, _orderpool_v1_ListMerchantEventsRequest__Output, _orderpool_v1_ListMerchantEventsResponse__Output>
  ListPoolOrders: MethodDefinition<_orderpool_v1_ListPoolOrdersRequest, _orderpool_v1_ListPoolOrdersResponse, _orderpool_v1_ListPoolOrdersRequest__Output, _orderpool_v1_ListPoolOrdersResponse__Output>
  RecordOrder: MethodDefinition<_orderpool_v1_RecordOrderRequest, _orderpool_v1_Order, _orderpool_v1_RecordOrderRequest__Output, _orderpool_v1_Order__Output>
  RefundOrder: MethodDefinition<_orderpool_v1_RefundOrderRequest, _orderpool_v1_Order, _orderpool_v1_RefundOrderRequest__Output, _orderpool_v1_Order__Output>
  RequestFinancing: MethodDefinition<_orderpool_v1_RequestFinancingRequest, _orderpool_v1_Financing, _orderpool_v1_RequestFinancingRequest__Output, _orderpool_v1_Financing__Output>
  StreamOrderEvents: MethodDefinition<_orderpool_v1_OrderEvent, _orderpool_v1_OrderEventAck, _orderpool_v1_OrderEvent__Output, _orderpool_v1_OrderEventAck__Output>
  VerifyFinancing: MethodDefinition<_orderpool_v1_VerifyFinancingRequest, _orderpool_v1_Financing, _orderpool_v1_VerifyFinancingRequest__Output, _orderpool_v1_Financing__Output>
  WatchMerchant: MethodDefinition<_orderpool_v1_WatchMerchantRequest, _orderpool_v1_MerchantEvent, _orderpool_v1_WatchMerchantRequest__Output, _orderpool_v1_MerchantEvent__Output>
}
