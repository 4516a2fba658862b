// Original file: proto/orderpool/v1/orderpool.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';
import type { MerchantEventType as _orderpool_v1_MerchantEventType, MerchantEventType__Output as _orderpool_v1_MerchantEventType__Output } from '../../orderpool/v1/MerchantEventType';
import type { Order as _orderpool_v1_Order, Order__Output as _orderpool_v1_Order__Output } from '../../orderpool/v1/Order';
import type { Financing as _orderpool_v1_Financing, Financing__Output as _orderpool_v1_Financing__Output } from '../../orderpool/v1/Financing';
import type { Money as _orderpool_v1_Money, Money__Output as _orderpool_v1_Money__Output } from '../../orderpool/v1/Money';
import type { Long } from '@grpc/proto-loader';

/**
 * One event in a merchant's journal.
 */
export interface MerchantEvent {
  /**
   * 1, 2, 3, ... per merchant, without gaps.
   */
  'sequence'?: (number | string | Long);
  /**
   * The merchant.
   */
  'merchantId'?: (string);
  /**
   * When the event was recorded.
   */
  'eventTime'?: (_google_protobuf_Timestamp | null);
  /**
   * What happened.
   */
  'type'?: (_orderpool_v1_MerchantEventType);
  /**
   * The order concerned, as it was after the event.
   */
  'order'?: (_orderpool_v1_Order | null);
  /**
   * The financing concerned, as it was after the event.
   */
  'financing'?: (_orderpool_v1_Financing | null);
  /**
   * The amount moved, where the type names one.
   */
  'amount'?: (_orderpool_v1_Money | null);
  /**
   * A reason or note.
   */
  'detail'?: (string);
}

/**
 * One event in a merchant's journal.
 */
export interface MerchantEvent__Output {
  /**
   * 1, 2, 3, ... per merchant, without gaps.
   */
  'sequence': (string);
  /**
   * The merchant.
   */
  'merchantId': (string);
  /**
   * When the event was recorded.
   */
  'eventTime': (_google_protobuf_Timestamp__Output | null);
  /**
   * What happened.
   */
  'type': (_orderpool_v1_MerchantEventType__Output);
  /**
   * The order concerned, as it was after the event.
   */
  'order': (_orderpool_v1_Order__Output | null);
  /**
   * The financing concerned, as it was after the event.
   */
  'financing': (_orderpool_v1_Financing__Output | null);
  /**
   * The amount moved, where the type names one.
   */
  'amount': (_orderpool_v1_Money__Output | null);
  /**
   * A reason or note.
   */
  'detail': (string);
}
