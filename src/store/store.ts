/**
 * The storage interface (DESIGN.md "Storage behind one small interface"):
 * commit a merchant's events + snapshot + outbox rows atomically; read a
 * snapshot and the events after it; scan the outbox. LevelDB
 * (./level-store.ts) is the embedded implementation.
 */
import type { MerchantSnapshot } from '../domain/merchant';
import type { Effect, Financing, Lender, MerchantEvent, Order } from '../domain/types';
import type { CopyResult, Target } from './backup';
import type { JournalWriter } from './journal';

/** What RequestFinancing answered the first time, for request_id replays. */
export interface RequestRecord {
  lenderId: string;
  currency: string;
  amount: bigint;
  financingId: string;
  /** The first answer: a financing, or the error it failed with. */
  financing?: Financing;
  error?: { status: string; reason: string; message: string; metadata: Record<string, string> };
}

export interface MerchantCommit {
  merchantId: string;
  /**
   * The new snapshot, or undefined: the store leaves the stored snapshot as
   * it is. A command leaves it out when it left the machine in the same
   * state with the same active financing and the stored snapshot is recent,
   * so loadMerchant's journal tail replays what it lacks (the active
   * financing's figures, history counters, next arrival) on top of the
   * orders, which are always written. Such a commit carries no financing
   * record either: the stored active financing stays the snapshot's. Writing
   * it anyway is always correct.
   */
  snapshot: MerchantSnapshot | undefined;
  events: MerchantEvent[];
  orders: Order[];
  financings: Financing[];
  effects: Effect[];
  request?: { requestId: string; record: RequestRecord };
  /** The merchant's deadline before and after the command (0: none). */
  timer?: { before: number; after: number; financingId: string };
  /**
   * The merchant's journal writer: its events may then be written as rows
   * that refer to other rows (./journal.ts). Without it each is written in
   * full.
   */
  journal?: JournalWriter | undefined;
}

export interface LoadedMerchant {
  snapshot: MerchantSnapshot;
  /** Journal entries after the snapshot's sequence: order-only events of commits that skipped the snapshot. */
  tail: MerchantEvent[];
  orders: Order[];
}

export interface OutboxRow {
  key: string;
  effect: Effect;
}

export interface TimerRow {
  deadline: number;
  merchantId: string;
  financingId: string;
}

export interface Store {
  /**
   * Writes the commits in one synced batch (grouped with concurrent callers);
   * resolves to the outbox keys given to their effects, in order.
   */
  commit(commits: MerchantCommit[]): Promise<string[]>;
  loadMerchant(merchantId: string): Promise<LoadedMerchant | undefined>;
  readEvents(merchantId: string, fromSeq: number, limit: number): Promise<MerchantEvent[]>;
  getFinancing(merchantId: string, financingId: string): Promise<Financing | undefined>;
  getOrder(merchantId: string, orderId: string): Promise<Order | undefined>;
  getRequest(merchantId: string, requestId: string): Promise<RequestRecord | undefined>;
  putLender(lender: Lender): Promise<void>;
  listLenders(): Promise<Lender[]>;
  /** Up to `limit` outbox rows with keys after `afterKey` ('' = from the start), in key order. */
  scanOutboxAfter(afterKey: string, limit: number): Promise<OutboxRow[]>;
  /** Removes delivered rows; need not wait for the write (a lost delete re-sends under the same idempotency key). */
  deleteOutbox(keys: string[]): Promise<void>;
  /** Replaces rows by one coalesced row, atomically, before it is first sent. */
  replaceOutbox(remove: string[], row: OutboxRow): Promise<void>;
  scanTimers(): Promise<TimerRow[]>;
  /** Copies the whole store, as of one snapshot, into a prepared directory (optional: not every store can). */
  backupTo?(target: Target): Promise<CopyResult>;
  close(): Promise<void>;
}
