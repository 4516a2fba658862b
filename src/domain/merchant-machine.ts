/**
 * The merchant's lifecycle as an XState v5 machine. It is used only through
 * pure transitions (`step`): the machine decides which journal events the
 * current state allows and which effects they cause (its actions are returned,
 * never executed here; src/domain/merchant.ts turns them into outbox rows).
 *
 * Context holds only the active financing's scalars (DESIGN.md: keep large
 * collections out of copied context); the order book lives in MerchantState.
 */
import { assign, createActor, initialTransition, setup } from 'xstate';
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

export type MachineStateName = 'idle' | 'collecting' | 'totaling' | 'awaiting_verification' | 'notified' | 'settling';

/**
 * The machine's state as a merchant holds it: its state value and its
 * context, which is all an xstate snapshot of this machine carries that
 * matters here (it spawns no actors and keeps no history).
 */
export interface MachineState {
  readonly value: MachineStateName;
  readonly context: MachineContext;
}

let initial: MachineState | undefined;

export function initialMachine(): MachineState {
  if (!initial) {
    const [snap] = initialTransition(merchantMachine);
    initial = { value: snap.value as MachineStateName, context: snap.context };
  }
  return initial;
}

/** Restores a state from its persisted parts (xstate resolves it: an unknown state value throws). */
export function restoreMachine(value: MachineStateName, context: MachineContext): MachineState {
  const snap = merchantMachine.resolveState({ value, context });
  return { value: snap.value as MachineStateName, context: snap.context };
}

type Scope = Parameters<typeof merchantMachine.transition>[2];

/**
 * The inert actor scope the machine's transitions run in. xstate's pure
 * `transition()` builds a new one per call, and with it an actor whose
 * constructor computes the machine's initial snapshot. This machine spawns no
 * actors and its actions are only collected, never run, so one scope serves
 * every transition; a transition is synchronous, so its actions go to the
 * array of the one that is running.
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

/** What xstate decided for a state, an event type and the guard's input: the next state value, the effects, and the financing the context ends with. */
interface Decision {
  value: MachineStateName;
  effects: readonly EffectAction[];
  financing: 'event' | 'cleared' | 'kept';
}

/** Stand-ins for the context's and the event's financing while xstate decides: which one the next context holds says what the transition assigned. */
const BEFORE = Object.freeze({ financingId: 'before' }) as unknown as Financing;
const INCOMING = Object.freeze({ financingId: 'incoming' }) as unknown as Financing;

const decisions = new Map<string, Decision | null>();

/**
 * Runs xstate's transition for one combination, with stand-in financings,
 * and records its outcome. The machine's transitions depend on the state
 * value, the event type and its one guard (`repays`: the event's amount is
 * positive), never on the context, and its actions only take the event's
 * financing or clear it; so one transition per combination decides every
 * later one, and a step costs a map lookup instead of a macrostep and a new
 * snapshot (3.3 µs and a fifth of what a completion allocated).
 * test/merchant-machine.test.ts checks every combination against xstate's
 * own transition() with real financings. A context change of another kind
 * throws here, so a machine that outgrows this rule fails loudly.
 */
function decide(value: MachineStateName, type: EventType, repays: boolean): Decision | null {
  const key = `${value}|${type}|${repays ? 1 : 0}`;
  let d = decisions.get(key);
  if (d !== undefined) return d;
  const from = merchantMachine.resolveState({ value, context: { financing: BEFORE } });
  const event = { type, financing: INCOMING, amount: repays ? 1n : 0n };
  if (!from.can(event)) {
    d = null;
  } else {
    const actions: string[] = [];
    collecting = actions;
    const next = merchantMachine.transition(from, event, inertScope());
    const f = next.context.financing;
    const financing = f === INCOMING ? 'event' : f === null ? 'cleared' : f === BEFORE ? 'kept' : undefined;
    if (!financing) throw new Error(`merchant machine: ${value} + ${type} changed the context in a way step() does not know`);
    d = { value: next.value as MachineStateName, effects: actions.filter((a): a is EffectAction => EFFECTS.has(a)), financing };
  }
  decisions.set(key, d);
  return d;
}

/**
 * Applies one event; returns the next state and the effect actions it
 * caused, or null when the current state does not allow the event. The same
 * as xstate's `transition(merchantMachine, snapshot, event)` (see decide()).
 */
export function step(state: MachineState, event: MachineEvent): { next: MachineState; effects: EffectAction[] } | null {
  const d = decide(state.value, event.type, event.amount > 0n);
  if (!d) return null;
  const financing = d.financing === 'event' ? event.financing : d.financing === 'cleared' ? null : state.context.financing;
  return { next: { value: d.value, context: { financing } }, effects: [...d.effects] };
}

export function stateName(state: MachineState): MachineStateName {
  return state.value;
}
