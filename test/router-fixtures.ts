/** What the tests that drive a Router over a LevelStore directly share: its configuration and a lender. */
import type { RuntimeConfig } from '../src/runtime/router';
import { DEFAULT_DOMAIN_CONFIG } from '../src/domain/merchant';
import type { Lender } from '../src/domain/types';

/** A router that keeps every merchant active and never passivates them on its own. */
export const routerConfig = (shards: number): RuntimeConfig => ({
  shards, maxActive: 1000, maxOrders: 1_000_000, idleMs: 0, maxMailbox: 100, maxShardQueue: 1000, domain: DEFAULT_DOMAIN_CONFIG,
});

/** Lender L1: 80 % advance rate, half of each completion repaid, a 2 % fee, no verification. */
export const LENDER: Lender = {
  lenderId: 'L1', gatewayTarget: '127.0.0.1:1', advanceRateBps: 8000, repaymentShareBps: 5000, feeBps: 200,
  verificationThreshold: null, minCompletedOrders: 0, maxRefundRateBps: null, verificationTtlMs: 0, disbursementTimeoutMs: 0,
  createTime: 1, updateTime: 1,
};
