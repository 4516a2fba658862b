/**
 * Promise-returning typed clients of OrderPoolService and LenderAdminService,
 * for the tests, the demo and scripts.
 */
import * as grpc from '@grpc/grpc-js';
import { v1 } from '../api/proto';
import type { OrderPoolServiceClient } from '../generated/orderpool/v1/OrderPoolService';
import type { LenderAdminServiceClient } from '../generated/orderpool/v1/LenderAdminService';
import type { RecordOrderRequest } from '../generated/orderpool/v1/RecordOrderRequest';
import type { CompleteOrderRequest } from '../generated/orderpool/v1/CompleteOrderRequest';
import type { RefundOrderRequest } from '../generated/orderpool/v1/RefundOrderRequest';
import type { RequestFinancingRequest } from '../generated/orderpool/v1/RequestFinancingRequest';
import type { VerifyFinancingRequest } from '../generated/orderpool/v1/VerifyFinancingRequest';
import type { CancelFinancingRequest } from '../generated/orderpool/v1/CancelFinancingRequest';
import type { ConfirmDisbursementRequest } from '../generated/orderpool/v1/ConfirmDisbursementRequest';
import type { DeclineFinancingRequest } from '../generated/orderpool/v1/DeclineFinancingRequest';
import type { GetMerchantRequest } from '../generated/orderpool/v1/GetMerchantRequest';
import type { GetOrderRequest } from '../generated/orderpool/v1/GetOrderRequest';
import type { GetFinancingRequest } from '../generated/orderpool/v1/GetFinancingRequest';
import type { ListPoolOrdersRequest } from '../generated/orderpool/v1/ListPoolOrdersRequest';
import type { ListMerchantEventsRequest } from '../generated/orderpool/v1/ListMerchantEventsRequest';
import type { UpsertLenderRequest } from '../generated/orderpool/v1/UpsertLenderRequest';
import type { GetLenderRequest } from '../generated/orderpool/v1/GetLenderRequest';
import type { ListLendersRequest } from '../generated/orderpool/v1/ListLendersRequest';
import type { Order__Output } from '../generated/orderpool/v1/Order';
import type { Financing__Output } from '../generated/orderpool/v1/Financing';
import type { Merchant__Output } from '../generated/orderpool/v1/Merchant';
import type { Lender__Output } from '../generated/orderpool/v1/Lender';
import type { ListPoolOrdersResponse__Output } from '../generated/orderpool/v1/ListPoolOrdersResponse';
import type { ListMerchantEventsResponse__Output } from '../generated/orderpool/v1/ListMerchantEventsResponse';
import type { ListLendersResponse__Output } from '../generated/orderpool/v1/ListLendersResponse';
import type { MerchantEvent__Output } from '../generated/orderpool/v1/MerchantEvent';

type Unary<Req, Res> = (req: Req, metadata: grpc.Metadata, cb: (e: grpc.ServiceError | null, r?: Res) => void) => unknown;

function p<Req, Res>(client: grpc.Client, fn: Unary<Req, Res>, md: () => grpc.Metadata) {
  return (req: Req): Promise<Res> =>
    new Promise((resolve, reject) => fn.call(client, req, md(), (e, r) => (e ? reject(e) : resolve(r as Res))));
}

export interface Clients {
  raw: OrderPoolServiceClient;
  rawAdmin: LenderAdminServiceClient;
  metadata(): grpc.Metadata;
  recordOrder(r: RecordOrderRequest): Promise<Order__Output>;
  completeOrder(r: CompleteOrderRequest): Promise<Order__Output>;
  refundOrder(r: RefundOrderRequest): Promise<Order__Output>;
  requestFinancing(r: RequestFinancingRequest): Promise<Financing__Output>;
  verifyFinancing(r: VerifyFinancingRequest): Promise<Financing__Output>;
  cancelFinancing(r: CancelFinancingRequest): Promise<Financing__Output>;
  confirmDisbursement(r: ConfirmDisbursementRequest): Promise<Financing__Output>;
  declineFinancing(r: DeclineFinancingRequest): Promise<Financing__Output>;
  getMerchant(r: GetMerchantRequest): Promise<Merchant__Output>;
  getOrder(r: GetOrderRequest): Promise<Order__Output>;
  getFinancing(r: GetFinancingRequest): Promise<Financing__Output>;
  listPoolOrders(r: ListPoolOrdersRequest): Promise<ListPoolOrdersResponse__Output>;
  listMerchantEvents(r: ListMerchantEventsRequest): Promise<ListMerchantEventsResponse__Output>;
  upsertLender(r: UpsertLenderRequest): Promise<Lender__Output>;
  getLender(r: GetLenderRequest): Promise<Lender__Output>;
  listLenders(r: ListLendersRequest): Promise<ListLendersResponse__Output>;
  close(): void;
}

/** TLS for connect(): the CA to trust (else the system roots) and, for mutual TLS, a client certificate and key (PEM). */
export interface TlsOptions {
  ca?: Buffer | string;
  cert?: Buffer | string;
  key?: Buffer | string;
  /** Overrides the name checked against the server certificate (and sent as SNI). */
  serverName?: string;
}

const pem = (v: Buffer | string | undefined) => (v === undefined ? null : Buffer.from(v));

/** Plaintext unless `tls` is given. */
export function connect(target: string, token?: string, tls?: TlsOptions): Clients {
  const creds = tls ? grpc.credentials.createSsl(pem(tls.ca), pem(tls.key), pem(tls.cert)) : grpc.credentials.createInsecure();
  const options: grpc.ClientOptions = tls?.serverName ? { 'grpc.ssl_target_name_override': tls.serverName, 'grpc.default_authority': tls.serverName } : {};
  const raw = new v1.OrderPoolService(target, creds, options);
  const rawAdmin = new v1.LenderAdminService(target, creds, options);
  const metadata = () => {
    const m = new grpc.Metadata();
    if (token) m.set('authorization', `Bearer ${token}`);
    return m;
  };
  return {
    raw,
    rawAdmin,
    metadata,
    recordOrder: p(raw, raw.recordOrder as Unary<RecordOrderRequest, Order__Output>, metadata),
    completeOrder: p(raw, raw.completeOrder as Unary<CompleteOrderRequest, Order__Output>, metadata),
    refundOrder: p(raw, raw.refundOrder as Unary<RefundOrderRequest, Order__Output>, metadata),
    requestFinancing: p(raw, raw.requestFinancing as Unary<RequestFinancingRequest, Financing__Output>, metadata),
    verifyFinancing: p(raw, raw.verifyFinancing as Unary<VerifyFinancingRequest, Financing__Output>, metadata),
    cancelFinancing: p(raw, raw.cancelFinancing as Unary<CancelFinancingRequest, Financing__Output>, metadata),
    confirmDisbursement: p(raw, raw.confirmDisbursement as Unary<ConfirmDisbursementRequest, Financing__Output>, metadata),
    declineFinancing: p(raw, raw.declineFinancing as Unary<DeclineFinancingRequest, Financing__Output>, metadata),
    getMerchant: p(raw, raw.getMerchant as Unary<GetMerchantRequest, Merchant__Output>, metadata),
    getOrder: p(raw, raw.getOrder as Unary<GetOrderRequest, Order__Output>, metadata),
    getFinancing: p(raw, raw.getFinancing as Unary<GetFinancingRequest, Financing__Output>, metadata),
    listPoolOrders: p(raw, raw.listPoolOrders as Unary<ListPoolOrdersRequest, ListPoolOrdersResponse__Output>, metadata),
    listMerchantEvents: p(raw, raw.listMerchantEvents as Unary<ListMerchantEventsRequest, ListMerchantEventsResponse__Output>, metadata),
    upsertLender: p(rawAdmin, rawAdmin.upsertLender as Unary<UpsertLenderRequest, Lender__Output>, metadata),
    getLender: p(rawAdmin, rawAdmin.getLender as Unary<GetLenderRequest, Lender__Output>, metadata),
    listLenders: p(rawAdmin, rawAdmin.listLenders as Unary<ListLendersRequest, ListLendersResponse__Output>, metadata),
    close: () => {
      raw.close();
      rawAdmin.close();
    },
  };
}

/** Every event of a merchant, following page tokens. */
export async function allEvents(api: Clients, merchantId: string, pageSize = 1000): Promise<MerchantEvent__Output[]> {
  const events: MerchantEvent__Output[] = [];
  let pageToken = '';
  do {
    const page = await api.listMerchantEvents({ merchantId, pageSize, pageToken });
    events.push(...page.events);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return events;
}

/** Every order in a financing's pool, following page tokens. */
export async function allPoolOrders(api: Clients, merchantId: string, financingId: string, pageSize = 500): Promise<Order__Output[]> {
  const orders: Order__Output[] = [];
  let pageToken = '';
  do {
    const page = await api.listPoolOrders({ merchantId, financingId, pageSize, pageToken });
    orders.push(...page.orders);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return orders;
}

export const usd = (minor: bigint | number | string) => ({ currencyCode: 'USD', minorUnits: String(minor) });
