/**
 * The package's public surface for TypeScript callers: typed clients and the
 * generated types of the protos (the same ones the server uses), error
 * decoding, and the server itself for embedding and tests.
 */
export { connect, usd, type Clients } from './testing/client';
export { errorInfoOf, errorInfoOfStatus, DOMAIN as ERROR_DOMAIN } from './api/status';
export { packageDefinition, proto, v1, PROTO_DIR, LOADER_OPTIONS } from './api/proto';
export { startServer, startService, type LocalServer, type RunningServer, type ServerOptions } from './server';
export { DEFAULTS as DEFAULT_CONFIG, type Config } from './config';
export type { ProtoGrpcType } from './generated/orderpool';
export type { Money, Money__Output } from './generated/orderpool/v1/Money';
export type { Order, Order__Output } from './generated/orderpool/v1/Order';
export type { OrderState, OrderState__Output } from './generated/orderpool/v1/OrderState';
export type { Financing, Financing__Output } from './generated/orderpool/v1/Financing';
export type { FinancingState, FinancingState__Output } from './generated/orderpool/v1/FinancingState';
export type { Merchant, Merchant__Output } from './generated/orderpool/v1/Merchant';
export type { MerchantState, MerchantState__Output } from './generated/orderpool/v1/MerchantState';
export type { MerchantEvent, MerchantEvent__Output } from './generated/orderpool/v1/MerchantEvent';
export type { MerchantEventType, MerchantEventType__Output } from './generated/orderpool/v1/MerchantEventType';
export type { Lender, Lender__Output } from './generated/orderpool/v1/Lender';
export type { OrderEvent, OrderEvent__Output } from './generated/orderpool/v1/OrderEvent';
export type { OrderEventAck, OrderEventAck__Output } from './generated/orderpool/v1/OrderEventAck';
export type { OrderPoolServiceClient, OrderPoolServiceHandlers } from './generated/orderpool/v1/OrderPoolService';
export type { LenderAdminServiceClient, LenderAdminServiceHandlers } from './generated/orderpool/v1/LenderAdminService';
export type { LenderGatewayServiceClient, LenderGatewayServiceHandlers } from './generated/orderpool/v1/LenderGatewayService';
export type { MerchantNotifierServiceClient, MerchantNotifierServiceHandlers } from './generated/orderpool/v1/MerchantNotifierService';
export type { AdminServiceClient, AdminServiceHandlers } from './generated/orderpool/v1/AdminService';
