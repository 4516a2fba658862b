/**
 * The simulated lender gateways and merchant notifier.
 *
 * SimReceiver is the far side (it outlives the server's crashes): it records
 * every call it received, deduplicates on the idempotency key like a careful
 * lender, and notes any key that arrives with two different payloads.
 *
 * SimClients is one life's GatewayClients. A call does not answer by itself:
 * it waits in `pending` until the simulator settles it — answered, failed
 * (never reached the lender), answered-but-lost (reached the lender, the answer
 * timed out: the server will send it again), duplicated (reached the lender
 * twice), or left stalled for later steps. Nothing depends on wall-clock time.
 */
import type { Effect } from '../../domain/types';
import type { GatewayClients } from '../../gateways/clients';

/** What the gRPC client (src/gateways/clients.ts) would put on the wire for an effect. */
export function payloadOf(e: Effect): string {
  const base = { k: e.idempotencyKey, m: e.merchantId, f: e.financingId };
  const money = (v: bigint) => `${v} ${e.currency}`;
  switch (e.method) {
    case 'SendVerificationCode':
      return JSON.stringify({ ...base, code: e.code, expire: e.deadline });
    case 'AuthorizeDisbursement':
      return JSON.stringify({ ...base, amount: money(e.amount), fee: money(e.fee), pool: money(e.poolTotal), count: e.poolOrderCount, deadline: e.deadline });
    case 'ReceiveRepayment':
      return JSON.stringify({ ...base, amount: money(e.amount), orders: e.orderIds, outstanding: money(e.outstanding) });
    case 'ReceiveCoverageAlert':
      return JSON.stringify({ ...base, under: e.underCovered, pool: money(e.poolTotal), outstanding: money(e.outstanding) });
    case 'ReceiveFinancingClosed':
      return JSON.stringify({ ...base, state: e.finalState, repaid: money(e.amount), reason: e.reason });
  }
}

export function laneOf(e: Effect): string {
  return e.method === 'SendVerificationCode' ? 'notifier' : `lender:${e.lenderId}`;
}

export interface Received {
  effect: Effect;
  payload: string;
  /** Position in the receiver's call log. */
  n: number;
}

export class SimReceiver {
  /** Every call received, duplicates included. */
  readonly calls: Received[] = [];
  /** The first payload per idempotency key (what a deduplicating lender keeps). */
  readonly byKey = new Map<string, Received>();
  readonly conflicts: string[] = [];

  receive(effect: Effect): void {
    const r: Received = { effect: structuredClone(effect), payload: payloadOf(effect), n: this.calls.length };
    this.calls.push(r);
    const prior = this.byKey.get(effect.idempotencyKey);
    if (!prior) this.byKey.set(effect.idempotencyKey, r);
    else if (prior.payload !== r.payload) this.conflicts.push(`${effect.idempotencyKey}: ${prior.payload} then ${r.payload}`);
  }

  /** The verification code the notifier received for a financing, if any. */
  codeOf(financingId: string): string | undefined {
    for (const r of this.byKey.values()) if (r.effect.method === 'SendVerificationCode' && r.effect.financingId === financingId) return r.effect.code;
    return undefined;
  }
}

export type Outcome = 'ok' | 'duplicate' | 'lost-answer' | 'fail' | 'stall';

export interface PendingCall {
  effect: Effect;
  lane: string;
  resolve: () => void;
  reject: (e: Error) => void;
}

export class SimClients implements GatewayClients {
  readonly pending: PendingCall[] = [];
  private dead = false;
  sent = 0;

  constructor(private readonly receiver: SimReceiver, private readonly activity: () => void) {}

  send(effect: Effect): Promise<void> {
    if (this.dead) return new Promise(() => {});
    this.sent++;
    this.activity();
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ effect: structuredClone(effect), lane: laneOf(effect), resolve, reject });
    });
  }

  /** Settles one pending call. */
  settle(call: PendingCall, outcome: Outcome): void {
    if (outcome === 'stall') return;
    this.pending.splice(this.pending.indexOf(call), 1);
    this.activity();
    switch (outcome) {
      case 'ok':
        this.receiver.receive(call.effect);
        call.resolve();
        break;
      case 'duplicate':
        this.receiver.receive(call.effect);
        this.receiver.receive(call.effect);
        call.resolve();
        break;
      case 'lost-answer':
        this.receiver.receive(call.effect);
        call.reject(new Error('DEADLINE_EXCEEDED: the answer was lost'));
        break;
      case 'fail':
        call.reject(new Error('UNAVAILABLE: gateway unreachable'));
        break;
    }
  }

  /** The process died: each call in flight reached the far side or not. */
  crash(reached: (c: PendingCall) => boolean): void {
    this.dead = true;
    for (const c of this.pending.splice(0)) if (reached(c)) this.receiver.receive(c.effect);
  }

  close(): void {}
}
