/**
 * A grpc-js client process for the scale benchmark's serving load: a closed
 * loop of GetMerchant and GetOrder on uniformly random merchants of the data
 * set, every answer checked against ./dataset.ts (so the run also proves the
 * loaded data reads back through the server as written).
 */
import type { ServiceError } from '@grpc/grpc-js';
import { connect } from '../../src/testing/client';
import { serve } from '../bench/ipc';
import { MAX_ORDERS_PER_MERCHANT, merchantId, orderCounts, ordersOf, rng, mix, widthOf, type DatasetSpec } from './dataset';

export interface ClientJob {
  target: string;
  spec: DatasetSpec;
  calls: number;
  concurrency: number;
  /** Seeds this process's choice of merchants. */
  seed: number;
}

export interface ClientResult {
  calls: number;
  ok: number;
  errors: Record<string, number>;
  errorSample: string;
  /** Answers that differ from the data set. */
  mismatches: number;
  mismatchSample: string;
  /** Latency of each OK call, µs. */
  latencyUs: Float64Array;
  /** Merchant index of each call. */
  merchants: Uint32Array;
  ms: number;
  cpuMs: number;
}

let counts: Uint32Array | undefined;
let countsKey = '';

async function run(job: ClientJob): Promise<ClientResult> {
  const key = JSON.stringify(job.spec);
  if (countsKey !== key) {
    counts = orderCounts(job.spec, MAX_ORDERS_PER_MERCHANT);
    countsKey = key;
  }
  const c = counts!;
  const width = widthOf(job.spec.merchants);
  const api = connect(job.target);
  const r = rng(mix(job.seed, 0xc11e));
  const latency = new Float64Array(job.calls);
  const merchants = new Uint32Array(job.calls);
  const errors: Record<string, number> = {};
  let errorSample = '';
  let mismatches = 0;
  let mismatchSample = '';
  let next = 0;
  let ok = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const mismatch = (what: string) => {
    mismatches++;
    if (!mismatchSample) mismatchSample = what;
  };
  const loop = async () => {
    for (;;) {
      const n = next++;
      if (n >= job.calls) return;
      const i = Math.floor(r() * job.spec.merchants);
      merchants[n] = i;
      const mid = merchantId(i, width);
      const count = c[i]!;
      const s = performance.now();
      try {
        if (n % 2 === 0) {
          const m = await api.getMerchant({ merchantId: mid });
          latency[ok++] = (performance.now() - s) * 1000;
          if (m.ordersRecorded !== String(count) || m.lastSequence !== String(count) || m.openOrderCount !== String(count)) {
            mismatch(`${mid}: ordersRecorded ${m.ordersRecorded}, lastSequence ${m.lastSequence}, open ${m.openOrderCount}; expected ${count}`);
          }
        } else {
          const j = 1 + Math.floor(r() * count);
          const want = ordersOf(job.spec, mid, i, count)[j - 1]!;
          const o = await api.getOrder({ merchantId: mid, orderId: want.orderId });
          latency[ok++] = (performance.now() - s) * 1000;
          if (o.amount?.minorUnits !== String(want.amount) || o.buyerId !== want.buyerId || o.state !== 'ORDER_STATE_OPEN') {
            mismatch(`${mid}/${want.orderId}: amount ${o.amount?.minorUnits} buyer ${o.buyerId} state ${o.state}; expected ${want.amount} ${want.buyerId} OPEN`);
          }
        }
      } catch (e) {
        const err = e as ServiceError;
        const code = String(err.code ?? 'other');
        errors[code] = (errors[code] ?? 0) + 1;
        if (!errorSample) errorSample = `${code}: ${err.details ?? err.message}`;
      }
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, loop));
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  api.close();
  return {
    calls: job.calls, ok, errors, errorSample, mismatches, mismatchSample,
    latencyUs: latency.slice(0, ok), merchants, ms, cpuMs: (cpu.user + cpu.system) / 1000,
  };
}

serve({
  run: (job: ClientJob) => run(job),
  ping: () => 'pong',
});
