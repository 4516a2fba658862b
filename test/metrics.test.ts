/**
 * --metrics: Prometheus text on a separate HTTP port, with the RPC, actor,
 * shard, store, outbox, delivery and watcher series and plausible values.
 */
import { expect } from 'chai';
import * as grpc from '@grpc/grpc-js';
import { expectError, LENDER, startHarness, type Harness } from './harness';
import { usd } from '../src/testing/client';

interface Sample { name: string; labels: Record<string, string>; value: number }

function parse(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`unparsable metrics line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** The samples of one series name whose labels include `match`. */
const find = (samples: Sample[], name: string, match: Record<string, string> = {}) =>
  samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v));

/** The single value of a series (throws when it is missing or ambiguous). */
function value(samples: Sample[], name: string, match: Record<string, string> = {}): number {
  const found = find(samples, name, match);
  expect(found, `${name}${JSON.stringify(match)}`).to.have.length(1);
  return found[0]!.value;
}

describe('metrics (--metrics)', () => {
  let h: Harness;
  let batchesSeen = 0;
  const scrape = async () => {
    const res = await fetch(`http://${h.server.metricsAddress}/metrics`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^text\/plain/);
    return parse(await res.text());
  };

  /**
   * Lender L1 and merchant M1 with orders O1–O5, which the later tests use.
   * Idempotent (an upsert, and RecordOrders repeated with the same content),
   * so that a test that needs them can also run alone (`-g`).
   */
  const lenderAndOrders = async () => {
    await h.api.upsertLender({ lender: { ...LENDER, gatewayTarget: h.gw.target } });
    for (let i = 1; i <= 5; i++) await h.api.recordOrder({ merchantId: 'M1', orderId: `O${i}`, buyerId: 'B', amount: usd(1000) });
  };

  before(async () => {
    h = await startHarness({ metrics: '127.0.0.1:0', maxActiveMerchants: 2, store: { onBatch: () => void batchesSeen++ } });
  });
  after(async () => h?.stop());

  it('should be off by default', async () => {
    const plain = await startHarness();
    try {
      expect(plain.server.metricsAddress).to.equal(undefined);
    } finally {
      await plain.stop();
    }
  });

  it('should serve only GET /metrics, on its own port', async () => {
    expect(h.server.metricsAddress).to.match(/^127\.0\.0\.1:\d+$/);
    expect(h.server.metricsAddress).to.not.equal(h.server.address);
    expect((await fetch(`http://${h.server.metricsAddress}/`)).status).to.equal(404);
  });

  it('should count RPCs by method and code, with latency histograms', async () => {
    await lenderAndOrders();
    await expectError(h.api.recordOrder({ merchantId: 'M1', orderId: '', buyerId: 'B', amount: usd(1) }), grpc.status.INVALID_ARGUMENT, 'MISSING_FIELD');
    await expectError(h.api.getOrder({ merchantId: 'M1', orderId: 'nope' }), grpc.status.NOT_FOUND, 'ORDER_NOT_FOUND');
    await h.api.getMerchant({ merchantId: 'M1' });

    const m = await scrape();
    const rec = { grpc_service: 'orderpool.v1.OrderPoolService', grpc_method: 'RecordOrder', grpc_type: 'unary' };
    expect(value(m, 'grpc_server_started_total', rec)).to.equal(6);
    expect(value(m, 'grpc_server_handled_total', { ...rec, grpc_code: 'OK' })).to.equal(5);
    expect(value(m, 'grpc_server_handled_total', { ...rec, grpc_code: 'INVALID_ARGUMENT' })).to.equal(1);
    expect(value(m, 'grpc_server_handled_total', { grpc_method: 'GetOrder', grpc_code: 'NOT_FOUND' })).to.equal(1);
    expect(value(m, 'grpc_server_handled_total', { grpc_method: 'UpsertLender', grpc_service: 'orderpool.v1.LenderAdminService', grpc_code: 'OK' })).to.equal(1);
    expect(value(m, 'grpc_server_handling_seconds_count', rec)).to.equal(6);
    const sum = value(m, 'grpc_server_handling_seconds_sum', rec);
    expect(sum).to.be.greaterThan(0).and.lessThan(30);
    const inf = value(m, 'grpc_server_handling_seconds_bucket', { ...rec, le: '+Inf' });
    expect(inf).to.equal(6);
    // Node's process metrics come along.
    expect(find(m, 'process_cpu_user_seconds_total')).to.have.length(1);
    expect(find(m, 'nodejs_eventloop_lag_seconds')).to.have.length(1);
  });

  it('should show actors, passivations, shard queues and the store batches', async () => {
    const before = await scrape();
    for (let i = 1; i <= 5; i++) await h.api.recordOrder({ merchantId: `P${i}`, orderId: 'O1', buyerId: 'B', amount: usd(10) });
    const m = await scrape();
    // What this test's commands added (a series not there before counts from 0).
    const added = (name: string) => value(m, name) - (find(before, name)[0]?.value ?? 0);
    const active = value(m, 'orderpool_actors_active');
    expect(active).to.be.within(1, 3);
    expect(value(m, 'orderpool_actors_passivated_total', { reason: 'capacity' })).to.be.at.least(3);
    expect(value(m, 'orderpool_actors_passivated_total', { reason: 'idle' })).to.equal(0);
    const shards = find(m, 'orderpool_shard_queue_depth');
    expect(shards).to.have.length(h.server.config.shards);
    expect(shards.every((s) => s.value === 0)).to.equal(true);

    // 5 successful order commands (one merchant commit each), in 1 to 5 batches.
    const batches = value(m, 'orderpool_store_batch_commits_count');
    expect(added('orderpool_store_batch_commits_sum')).to.equal(5);
    expect(added('orderpool_store_batch_commits_count')).to.be.within(1, 5);
    // Snapshot + event + order for each merchant's first command.
    expect(added('orderpool_store_batch_ops_sum')).to.be.at.least(5 * 3);
    expect(value(m, 'orderpool_store_fsync_seconds_count')).to.equal(batches);
    expect(value(m, 'orderpool_store_fsync_seconds_sum')).to.be.greaterThan(0);
    // The caller's own onBatch still runs.
    expect(batchesSeen).to.equal(batches);
  });

  it('should show the outbox backlog and oldest age per lender lane, and delivery calls and failures', async () => {
    await lenderAndOrders();
    const f = await h.api.requestFinancing({ merchantId: 'M1', lenderId: 'L1', amount: usd(2000), requestId: 'r1' });
    expect(f.state).to.equal('FINANCING_STATE_NOTIFIED');
    await h.gw.waitFor((c) => c.method === 'AuthorizeDisbursement');
    await h.server.delivery.idle();
    let m = await scrape();
    expect(value(m, 'orderpool_outbox_backlog', { lane: 'lender:L1' })).to.equal(0);
    expect(value(m, 'orderpool_outbox_oldest_age_seconds', { lane: 'lender:L1' })).to.equal(0);
    expect(value(m, 'orderpool_delivery_calls_total')).to.equal(1);
    expect(value(m, 'orderpool_effects_delivered_total')).to.equal(1);
    expect(value(m, 'orderpool_delivery_failures_total')).to.equal(0);

    // The lender goes down: the repayment waits, and ages on the lane.
    h.gw.down = true;
    await h.api.confirmDisbursement({ merchantId: 'M1', financingId: f.financingId, lenderId: 'L1', amount: usd(2000), lenderReference: 'w1' });
    await h.api.completeOrder({ merchantId: 'M1', orderId: 'O1' });
    h.clock.advance(7_000);
    const until = Date.now() + 5000;
    do {
      m = await scrape();
      if (value(m, 'orderpool_delivery_failures_total') >= 1) break;
      await new Promise((r) => setTimeout(r, 20));
    } while (Date.now() < until);
    expect(value(m, 'orderpool_outbox_backlog', { lane: 'lender:L1' })).to.equal(1);
    expect(value(m, 'orderpool_outbox_oldest_age_seconds', { lane: 'lender:L1' })).to.equal(7);
    expect(value(m, 'orderpool_delivery_failures_total')).to.be.at.least(1);
    expect(value(m, 'orderpool_delivery_consecutive_failures', { lane: 'lender:L1' })).to.be.at.least(1);

    h.gw.down = false;
    await h.server.delivery.idle();
    m = await scrape();
    expect(value(m, 'orderpool_outbox_backlog', { lane: 'lender:L1' })).to.equal(0);
    expect(value(m, 'orderpool_effects_delivered_total')).to.equal(2);
    expect(value(m, 'orderpool_delivery_calls_total')).to.equal(2 + value(m, 'orderpool_delivery_failures_total'));
  });

  it('should count open watchers', async () => {
    await lenderAndOrders();
    expect(value(await scrape(), 'orderpool_watchers')).to.equal(0);
    const call = h.api.raw.watchMerchant({ merchantId: 'M1', fromSequence: '1' }, h.api.metadata());
    await new Promise((resolve) => call.once('data', resolve));
    expect(value(await scrape(), 'orderpool_watchers')).to.equal(1);
    call.cancel();
    call.on('error', () => undefined);
    const until = Date.now() + 5000;
    let m = await scrape();
    while (value(m, 'orderpool_watchers') !== 0 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 20));
      m = await scrape();
    }
    expect(value(m, 'orderpool_watchers')).to.equal(0);
    expect(value(m, 'grpc_server_handled_total', { grpc_method: 'WatchMerchant', grpc_type: 'server_stream', grpc_code: 'CANCELLED' })).to.equal(1);
  });

  it('should stop serving metrics when the server stops', async () => {
    const other = await startHarness({ metrics: '127.0.0.1:0' });
    const addr = other.server.metricsAddress!;
    expect((await fetch(`http://${addr}/metrics`)).status).to.equal(200);
    await other.stop();
    let refused = false;
    await fetch(`http://${addr}/metrics`).catch(() => (refused = true));
    expect(refused).to.equal(true);
  });
});
