/**
 * The fake lender gateway (and merchant notifier) in its own process, so
 * the lender calls have somewhere to go without taking the orchestrator's
 * CPU. It is src/testing/fake-lender.ts (deduplicates on idempotency keys,
 * records conflicts); this wrapper counts calls by method and, for
 * ReceiveRepayment, the first arrival time of each repaid order of a
 * tracked order-id prefix (repayment delivery delay).
 */
import { startFakeGateway, type FakeGateway } from '../../src/testing/fake-lender';
import { serve } from './ipc';
import { epochNow } from './wire';
import type { GatewayCounts, TrackReport } from './types';

let gw: FakeGateway | undefined;
const byMethod: Record<string, number> = {};
interface Tracked {
  prefix: string;
  calls: number;
  orders: number;
  arrivals: Float64Array;
}
const tracked = new Map<string, Tracked>();

async function start(): Promise<{ target: string }> {
  gw = await startFakeGateway('127.0.0.1', 0);
  gw.onCall = (c) => {
    byMethod[c.method] = (byMethod[c.method] ?? 0) + 1;
    if (c.method === 'ReceiveRepayment') {
      const now = epochNow();
      const ids = (c.request.orderIds as string[] | undefined) ?? [];
      const hit = new Set<Tracked>();
      for (const id of ids) {
        const cut = id.lastIndexOf('o');
        const t = tracked.get(id.slice(0, cut));
        if (!t) continue;
        hit.add(t);
        const g = Number(id.slice(cut + 1));
        if (g < t.arrivals.length && Number.isNaN(t.arrivals[g]!)) {
          t.arrivals[g] = now;
          t.orders++;
        }
      }
      for (const t of hit) t.calls++;
    }
    // The fake keeps every call for the tests; a long benchmark must not.
    if (gw!.calls.length > 10_000) gw!.calls.length = 0;
  };
  return { target: gw.target };
}

serve({
  start: () => start(),
  counts: (): GatewayCounts => ({ byMethod: { ...byMethod }, distinctKeys: gw?.byKey.size ?? 0, conflicts: gw?.conflicts.length ?? 0 }),
  track: ({ prefix, size }: { prefix: string; size: number }) => {
    tracked.set(prefix, { prefix, calls: 0, orders: 0, arrivals: new Float64Array(size).fill(NaN) });
  },
  trackReport: ({ prefix }: { prefix: string }): TrackReport => {
    const t = tracked.get(prefix);
    if (!t) throw new Error(`prefix ${prefix} is not tracked`);
    return { calls: t.calls, orders: t.orders, arrivals: t.arrivals };
  },
  untrack: ({ prefix }: { prefix: string }) => {
    tracked.delete(prefix);
  },
  exit: () => gw?.stop(),
});
