/**
 * What the gRPC edge (src/api) needs from the runtime, and nothing more:
 * every argument and answer is plain data (structured-clone safe), so the
 * runtime can live in this thread (`Core`) or in a runtime thread
 * (`RuntimeThread`, ./runtime-thread.ts) behind the same calls.
 */
import type { History, RecordOrderCommand, RequestFinancingCommand } from '../domain/merchant';
import type { MachineStateName } from '../domain/merchant-machine';
import type { Financing, Lender, MerchantEvent, Order } from '../domain/types';
import type { CopyResult, Target } from '../store/backup';
import { notFound } from '../domain/errors';

/** A merchant as GetMerchant shows it: a copy, not the live actor. */
export interface MerchantView {
  merchantId: string;
  state: MachineStateName;
  active: Financing | null;
  openTotals: ReadonlyMap<string, { total: bigint; count: number }>;
  firstCurrency: string;
  history: History;
  seq: number;
}

export interface PoolPage {
  orders: Order[];
  more: boolean;
  financing: Financing;
}

export type LenderInput = Omit<Lender, 'createTime' | 'updateTime'>;

export interface Backend {
  recordOrder(merchantId: string, cmd: RecordOrderCommand): Promise<Order>;
  completeOrder(merchantId: string, orderId: string): Promise<Order>;
  refundOrder(merchantId: string, orderId: string, reason: string): Promise<Order>;

  requestFinancing(merchantId: string, cmd: RequestFinancingCommand): Promise<Financing>;
  verifyFinancing(merchantId: string, financingId: string, code: string): Promise<Financing>;
  cancelFinancing(merchantId: string, financingId: string, reason: string): Promise<Financing>;
  confirmDisbursement(merchantId: string, financingId: string, lenderId: string, currency: string, amount: bigint, ref: string): Promise<Financing>;
  declineFinancing(merchantId: string, financingId: string, lenderId: string, reason: string): Promise<Financing>;

  /** NOT_FOUND (MERCHANT_NOT_FOUND) for a merchant with no event. */
  getMerchant(merchantId: string): Promise<MerchantView>;
  getOrder(merchantId: string, orderId: string): Promise<Order>;
  getFinancing(merchantId: string, financingId: string): Promise<Financing>;
  /** The pool's orders after `afterPledgeSeq`, oldest pledged first. */
  listPoolOrders(merchantId: string, financingId: string, afterPledgeSeq: number, limit: number): Promise<PoolPage>;
  listEvents(merchantId: string, fromSeq: number, limit: number): Promise<{ events: MerchantEvent[]; lastSeq: number }>;
  /** Journal events from `fromSeq` (no existence check; for watch replay). */
  readEvents(merchantId: string, fromSeq: number, limit: number): Promise<MerchantEvent[]>;

  /**
   * Live events of a merchant, each batch once it is durable, in sequence
   * order. A subscription made before a readEvents call sees every event the
   * read does not return.
   */
  subscribe(merchantId: string, listener: (events: MerchantEvent[]) => void): () => void;
  /** Live subscriptions (of one merchant, or all). */
  watchers(merchantId?: string): number;

  upsertLender(lender: LenderInput): Promise<Lender>;
  /** From memory; NOT_FOUND (LENDER_NOT_FOUND) when unknown. */
  getLender(lenderId: string): Lender;
  listLenders(): Lender[];

  /** Copies the store, as of one snapshot, into the prepared target. */
  backupTo(target: Target): Promise<CopyResult>;
}

/** A lender from an in-memory mirror, or NOT_FOUND (LENDER_NOT_FOUND). */
export function lenderFrom(lenders: ReadonlyMap<string, Lender>, lenderId: string): Lender {
  const l = lenders.get(lenderId);
  if (!l) throw notFound('LENDER_NOT_FOUND', `lender ${lenderId} not found`, { lender_id: lenderId });
  return l;
}
