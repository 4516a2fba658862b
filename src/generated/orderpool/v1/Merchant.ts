// Original file: proto/orderpool/v1/orderpool.proto

import type { MerchantState as _orderpool_v1_MerchantState, MerchantState__Output as _orderpool_v1_MerchantState__Output } from '../../orderpool/v1/MerchantState';
import type { Financing as _orderpool_v1_Financing, Financing__Output as _orderpool_v1_Financing__Output } from '../../orderpool/v1/Financing';
import type { Money as _orderpool_v1_Money, Money__Output as _orderpool_v1_Money__Output } from '../../orderpool/v1/Money';
import type { Long } from '@grpc/proto-loader';

/**
 * A seller who records orders and borrows against them.
 */
export interface Merchant {
  /**
   * The merchant's id.
   */
  'merchantId'?: (string);
  /**
   * The machine's state.
   */
  'state'?: (_orderpool_v1_MerchantState);
  /**
   * The active financing, if any.
   */
  'activeFinancing'?: (_orderpool_v1_Financing | null);
  /**
   * The total of OPEN orders in the currency of the merchant's first order.
   */
  'openOrderTotal'?: (_orderpool_v1_Money | null);
  /**
   * The total of OPEN orders per currency.
   */
  'openOrderTotals'?: (_orderpool_v1_Money)[];
  /**
   * How many orders are OPEN.
   */
  'openOrderCount'?: (number | string | Long);
  /**
   * How many orders were ever recorded.
   */
  'ordersRecorded'?: (number | string | Long);
  /**
   * How many orders completed.
   */
  'ordersCompleted'?: (number | string | Long);
  /**
   * How many orders were refunded.
   */
  'ordersRefunded'?: (number | string | Long);
  /**
   * How many financings were requested.
   */
  'financingsRequested'?: (number | string | Long);
  /**
   * How many financings were repaid.
   */
  'financingsRepaid'?: (number | string | Long);
  /**
   * The sequence of the merchant's last event (0 before any).
   */
  'lastSequence'?: (number | string | Long);
}

/**
 * A seller who records orders and borrows against them.
 */
export interface Merchant__Output {
  /**
   * The merchant's id.
   */
  'merchantId': (string);
  /**
   * The machine's state.
   */
  'state': (_orderpool_v1_MerchantState__Output);
  /**
   * The active financing, if any.
   */
  'activeFinancing': (_orderpool_v1_Financing__Output | null);
  /**
   * The total of OPEN orders in the currency of the merchant's first order.
   */
  'openOrderTotal': (_orderpool_v1_Money__Output | null);
  /**
   * The total of OPEN orders per currency.
   */
  'openOrderTotals': (_orderpool_v1_Money__Output)[];
  /**
   * How many orders are OPEN.
   */
  'openOrderCount': (string);
  /**
   * How many orders were ever recorded.
   */
  'ordersRecorded': (string);
  /**
   * How many orders completed.
   */
  'ordersCompleted': (string);
  /**
   * How many orders were refunded.
   */
  'ordersRefunded': (string);
  /**
   * How many financings were requested.
   */
  'financingsRequested': (string);
  /**
   * How many financings were repaid.
   */
  'financingsRepaid': (string);
  /**
   * The sequence of the merchant's last event (0 before any).
   */
  'lastSequence': (string);
}
