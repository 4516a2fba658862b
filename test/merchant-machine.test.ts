/**
 * The merchant machine's step (src/domain/merchant-machine.ts) runs xstate's
 * transition once per state, event type and guard input, with stand-in
 * financings, in one shared inert actor scope, and applies what it decided to
 * every later event of that combination. This checks that step agrees with
 * xstate's own `transition()` on every state and every event type, with real
 * financings and amounts: same next state, same context, same effects, and
 * the same refusals.
 */
import { expect } from 'chai';
import { transition } from 'xstate';
import { merchantMachine, restoreMachine, step, stateName, type MachineStateName } from '../src/domain/merchant-machine';
import type { EventType, Financing } from '../src/domain/types';

const STATES: MachineStateName[] = ['idle', 'collecting', 'totaling', 'awaiting_verification', 'notified', 'settling'];
const EVENTS: EventType[] = [
  'ORDER_RECORDED', 'ORDER_COMPLETED', 'ORDER_REFUNDED', 'FINANCING_REQUESTED', 'ORDER_PLEDGED', 'POOL_TOTALED',
  'FINANCING_REJECTED', 'VERIFICATION_REQUESTED', 'VERIFICATION_FAILED', 'DISBURSEMENT_AUTHORIZED',
  'DISBURSEMENT_CONFIRMED', 'ORDER_RELEASED', 'COVERAGE_LOST', 'COVERAGE_RESTORED', 'FINANCING_REPAID',
  'FINANCING_DECLINED', 'FINANCING_CANCELLED', 'FINANCING_EXPIRED',
];

function financing(tag: string): Financing {
  return {
    merchantId: 'M1', financingId: `F-${tag}`, lenderId: 'L1', requestId: 'r1', state: 'SETTLING', currency: 'USD',
    requested: 1000n, approved: 1000n, fee: 10n, poolTotal: 2000n, poolOrderCount: 2, outstanding: 1010n, repaid: 0n,
    underCovered: false, endReason: '', lenderReference: '', createTime: 1, updateTime: 2, verificationExpireTime: 0,
    verificationAttemptsLeft: 0, verificationCodeHash: '', verificationSalt: '', disbursementDeadline: 0,
    disbursementTimeoutMs: 0, advanceRateBps: 8000, repaymentShareBps: 5000, feeBps: 100,
  };
}

describe('merchant machine: step', () => {
  it("should agree with xstate's transition() on every state and event type", () => {
    let allowed = 0;
    for (const state of STATES) {
      for (const type of EVENTS) {
        for (const amount of [0n, 250n]) {
          const context = { financing: state === 'idle' ? null : financing('before') };
          const from = restoreMachine(state, context);
          const xsFrom = merchantMachine.resolveState({ value: state, context });
          const event = { type, financing: financing(`${state}-${type}`), amount };
          const ours = step(from, event);
          const label = `${state} + ${type} (amount ${amount})`;
          if (!xsFrom.can(event)) {
            expect(ours, label).to.equal(null);
            continue;
          }
          allowed++;
          const [next, actions] = transition(merchantMachine, xsFrom, event);
          expect(ours, label).to.not.equal(null);
          expect(stateName(ours!.next), label).to.equal(stateName(next));
          expect(ours!.next.context, label).to.deep.equal(next.context);
          const effects = actions.map((a) => a.type).filter((t) => !t.startsWith('xstate.')); // assign is xstate's own
          expect(ours!.effects, label).to.deep.equal(effects);
        }
      }
    }
    // Enough of the table is allowed for the comparison to mean something.
    expect(allowed).to.be.greaterThan(40);
  });

  it('should collect the effects of each step apart from those of the steps before it', () => {
    const settling = restoreMachine('settling', { financing: financing('s') });
    const repaid = step(settling, { type: 'ORDER_COMPLETED', financing: financing('s2'), amount: 5n });
    const quiet = step(settling, { type: 'ORDER_COMPLETED', financing: financing('s3'), amount: 0n });
    const closed = step(settling, { type: 'FINANCING_REPAID', financing: financing('s4'), amount: 0n });
    expect(repaid?.effects).to.deep.equal(['receiveRepayment']);
    expect(quiet?.effects).to.deep.equal([]);
    expect(closed?.effects).to.deep.equal(['financingClosed']);
    expect(stateName(closed!.next)).to.equal('idle');
    expect(closed!.next.context.financing).to.equal(null);
    // The snapshot a step started from is left as it was.
    expect(stateName(settling)).to.equal('settling');
    expect(settling.context.financing?.financingId).to.equal('F-s');
  });
});
