// Original file: proto/orderpool/v1/orderpool.proto

import type { Long } from '@grpc/proto-loader';

/**
 * An amount of money in integer minor units of one currency.
 */
export interface Money {
  /**
   * ISO 4217 alphabetic code, e.g. "USD".
   */
  'currencyCode'?: (string);
  /**
   * Amount in the currency's minor units (cents for USD). Order and request
   * amounts must be positive.
   */
  'minorUnits'?: (number | string | Long);
}

/**
 * An amount of money in integer minor units of one currency.
 */
export interface Money__Output {
  /**
   * ISO 4217 alphabetic code, e.g. "USD".
   */
  'currencyCode': (string);
  /**
   * Amount in the currency's minor units (cents for USD). Order and request
   * amounts must be positive.
   */
  'minorUnits': (string);
}
