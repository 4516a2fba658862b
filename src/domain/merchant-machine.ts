/**
 * The merchant's lifecycle as an XState v5 machine. It is used only through
 * pure transitions (`step`): the machine decides which journal events the
 * current state allows and which effects they cause (its actions are returned,
 * never executed here; src/domain/merchant.ts turns them into outbox rows).
 *
 * Context holds only the active financing's scalars (DESIGN.md: keep large
 * collections out of copied context); the order book lives in MerchantState.
 */
import { assign, createActor, initialTransition, setup, type SnapshotFrom } from 'xstate';
import type { EventType, Financing } from './types';

export interface MachineContext {
  financing: Financing | null;
}

export type MachineEvent = { type: EventType; financing: Financing; amount: bigint };

export type EffectAction =
  | 'authorizeDisbursement'
  | 'sendVerificationCode'
  | 'receiveRepayment'
  | 'coverageAlert'
  | 'financingClosed';

const EFFECTS: ReadonlySet<string> = new Set<EffectAction>([
  'authorizeDisbursement', 'sendVerificationCode', 'receiveRepayment', 'coverageAlert', 'financingClosed',
]);
const take = 'take' as const;
const clear = 'clear' as const;

/** Pool changes allowed while a financing is active (after totaling). */
const poolChanges = {
  ORDER_PLEDGED: { actions: take },
  ORDER_REFUNDED: { actions: take },
  ORDER_RELEASED: { actions: take },
  COVERAGE_LOST: { actions: [take, 'coverageAlert' as const] },
  COVERAGE_RESTORED: { actions: [take, 'coverageAlert' as const] },
};

/** The same before the lender has heard of the financing: no alerts to it. */
const quietPoolChanges = {
  ...poolChanges,
  COVERAGE_LOST: { actions: take },
  COVERAGE_RESTORED: { actions: take },
};

export const merchantMachine = setup({
  types: {
    context: {} as MachineContext,
    events: {} as MachineEvent,
  },
  actions: {
    take: assign({ financing: ({ event }) => event.financing }),
    clear: assign({ financing: () => null }),
    // Effects: returned by transition(), persisted as outbox rows, then sent.
    authorizeDisbursement: () => {},
    sendVerificationCode: () => {},
    receiveRepayment: () => {},
    coverageAlert: () => {},
    financingClosed: () => {},
  },
  guards: {
    repays: ({ event }) => event.amount > 0n,
  },
}).createMachine({
  id: 'merchant',
  context: { financing: null },
  initial: 'idle',
  states: {
    idle: {
      on: { FINANCING_REQUESTED: { target: 'collecting', actions: take } },
    },
    collecting: {
      on: {
        ORDER_PLEDGED: { actions: take },
        POOL_TOTALED: { target: 'totaling', actions: take },
        FINANCING_REJECTED: { target: 'idle', actions: clear },
      },
    },
    totaling: {
      on: {
        VERIFICATION_REQUESTED: { target: 'awaiting_verification', actions: [take, 'sendVerificationCode'] },
        DISBURSEMENT_AUTHORIZED: { target: 'notified', actions: [take, 'authorizeDisbursement'] },
        FINANCING_REJECTED: { target: 'idle', actions: clear },
      },
    },
    awaiting_verification: {
      on: {
        ...quietPoolChanges,
        ORDER_COMPLETED: { actions: take },
        VERIFICATION_FAILED: { actions: take },
        DISBURSEMENT_AUTHORIZED: { target: 'notified', actions: [take, 'authorizeDisbursement'] },
        // The lender was never told: nothing to close at the lender.
        FINANCING_CANCELLED: { target: 'idle', actions: clear },
        FINANCING_EXPIRED: { target: 'idle', actions: clear },
      },
    },
    notified: {
      on: {
        ...poolChanges,
        ORDER_COMPLETED: { actions: take },
        DISBURSEMENT_CONFIRMED: { target: 'settling', actions: take },
        FINANCING_DECLINED: { target: 'idle', actions: clear },
        FINANCING_CANCELLED: { target: 'idle', actions: [clear, 'financingClosed'] },
        FINANCING_EXPIRED: { target: 'idle', actions: [clear, 'financingClosed'] },
      },
    },
    settling: {
      on: {
        ...poolChanges,
        ORDER_COMPLETED: [
          { guard: 'repays', actions: [take, 'receiveRepayment'] },
          { actions: take },
        ],
        FINANCING_REPAID: { target: 'idle', actions: [clear, 'financingClosed'] },
      },
    },
  },
});

export type MachineSnapshot = SnapshotFrom<typeof merchantMachine>;
export type MachineStateName = 'idle' | 'collecting' | 'totaling' | 'awaiting_verification' | 'notified' | 'settling';

/** Snapshots are immutable, so every new merchant can share one start state. */
let initial: MachineSnapshot | undefined;

export function initialMachine(): MachineSnapshot {
  return (initial ??= initialTransition(merchantMachine)[0]);
}

/** Restores a snapshot from its persisted parts. */
export function restoreMachine(value: MachineStateName, context: MachineContext): MachineSnapshot {
  return merchantMachine.resolveState({ value, context });
}

type Scope = Parameters<typeof merchantMachine.transition>[2];

/**
 * The inert actor scope every step runs in. xstate's pure `transition()`
 * builds a new one per call, and with it an actor whose constructor computes
 * the machine's initial snapshot: more than half of a step's cost. This
 * machine spawns no actors and its actions are only collected, never run, so
 * one scope serves every step; a step is synchronous, so its actions go to
 * the array of the step that is running.
 */
let scope: Scope | undefined;
let collecting: string[] = [];

function inertScope(): Scope {
  if (!scope) {
    const self = createActor(merchantMachine);
    scope = {
      self, id: '', sessionId: '', system: self.system,
      logger: () => {}, defer: () => {}, emit: () => {}, stopChild: () => {},
      actionExecutor: (action) => {
        collecting.push(action.type);
      },
    };
  }
  return scope;
}

/**
 * Applies one event; returns the next snapshot and the effect actions it
 * caused, or null when the current state does not allow the event. The same
 * as xstate's `transition(merchantMachine, snapshot, event)`.
 */
export function step(snapshot: MachineSnapshot, event: MachineEvent): { next: MachineSnapshot; effects: EffectAction[] } | null {
  if (!snapshot.can(event)) return null;
  const actions: string[] = [];
  collecting = actions;
  const next = merchantMachine.transition(snapshot, event, inertScope());
  const effects: EffectAction[] = [];
  for (const a of actions) {
    if (EFFECTS.has(a)) effects.push(a as EffectAction);
  }
  return { next, effects };
}

export function stateName(snapshot: MachineSnapshot): MachineStateName {
  return snapshot.value as MachineStateName;
}
