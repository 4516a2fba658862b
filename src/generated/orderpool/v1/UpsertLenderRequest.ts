// Original file: proto/orderpool/v1/orderpool.proto

import type { Lender as _orderpool_v1_Lender, Lender__Output as _orderpool_v1_Lender__Output } from '../../orderpool/v1/Lender';

/**
 * Request of UpsertLender.
 */
export interface UpsertLenderRequest {
  /**
   * The lender to create or replace.
   */
  'lender'?: (_orderpool_v1_Lender | null);
}

/**
 * Request of UpsertLender.
 */
export interface UpsertLenderRequest__Output {
  /**
   * The lender to create or replace.
   */
  'lender': (_orderpool_v1_Lender__Output | null);
}
