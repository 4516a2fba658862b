/**
 * `npm run demo`: one whole financing against a running orderpool server.
 *
 * Starts the bundled fake LenderGatewayService + MerchantNotifierService
 * in-process (default 127.0.0.1:50061), registers lender "demo-lender" with
 * its gateway_target pointing there, and walks a fresh merchant through:
 * record orders → RequestFinancing → step-up code at the notifier →
 * VerifyFinancing → AuthorizeDisbursement at the lender → ConfirmDisbursement
 * → completions, one refund (with a top-up), completions until REPAID. It
 * prints the pool after every change and, at the end, the repayments the
 * lender received (their sum must equal `repaid`).
 *
 * The server only sends codes to the notifier when it was started with
 * `npm start -- --notifier 127.0.0.1:50061`.
 *
 *   npm run demo -- [--target host:port] [--gateway-port n] [--token t]
 */
import * as grpc from '@grpc/grpc-js';
import { Command, InvalidArgumentError, Option } from 'commander';
import { allPoolOrders, connect, usd, type Clients } from '../src/testing/client';
import { startFakeGateway, type FakeGateway, type ReceivedCall } from '../src/testing/fake-lender';
import type { Financing__Output } from '../src/generated/orderpool/v1/Financing';
import type { Order__Output } from '../src/generated/orderpool/v1/Order';
import type { Money__Output } from '../src/generated/orderpool/v1/Money';

export const DEMO_LENDER = 'demo-lender';

export interface DemoOptions {
  /** orderpool's gRPC target. */
  target: string;
  /** Port of the in-process fake lender gateway + notifier. */
  gatewayPort: number;
  gatewayHost?: string;
  /** Where readable lines go (default: stdout). */
  log?: (line: string) => void;
  /** Bearer token, when the server runs with --auth-file (needs admin, platform, merchant and lender roles). */
  token?: string;
  /** How long to wait for the verification code at the fake notifier. */
  codeTimeoutMs?: number;
  /** Defaults to `demo-<timestamp>`. */
  merchantId?: string;
}

export interface DemoRepayment {
  idempotencyKey: string;
  amount: bigint;
  orderIds: string[];
}

export interface DemoResult {
  merchantId: string;
  financingId: string;
  state: string;
  approved: bigint;
  fee: bigint;
  repaid: bigint;
  outstanding: bigint;
  /** Deduplicated (by idempotency key) repayments the fake lender received. */
  repayments: DemoRepayment[];
  lenderReceived: bigint;
  topUps: string[];
}

/** A failure the user can act on; main() prints its message without a stack. */
export class DemoError extends Error {}

const ORDERS: [string, number][] = [
  ['O1', 25_000],
  ['O2', 18_000],
  ['O3', 22_000],
  ['O4', 15_000],
  ['O5', 30_000],
  ['O6', 12_000],
];
const REQUEST = 40_000n;
const THRESHOLD = 50_000n;

const big = (m: Money__Output | null | undefined): bigint => BigInt(m?.minorUnits ?? '0');
const short = (state: string) => state.replace(/^(FINANCING|ORDER|MERCHANT)_STATE_/, '');
const pct = (bps: number) => `${(bps / 100).toFixed(2)}%`;

/** $1,234.56 for USD minor units; "<n> <CUR>" otherwise. */
export function fmt(m: Money__Output | bigint | null | undefined, currency = 'USD'): string {
  const v = typeof m === 'bigint' ? m : big(m);
  const cur = typeof m === 'object' && m ? m.currencyCode || currency : currency;
  const neg = v < 0n;
  const a = neg ? -v : v;
  const whole = (a / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const text = `${whole}.${(a % 100n).toString().padStart(2, '0')}`;
  return `${neg ? '-' : ''}${cur === 'USD' ? '$' : `${cur} `}${text}`;
}

function waitForReady(api: Clients, ms: number): Promise<void> {
  return new Promise((resolve, reject) => api.raw.waitForReady(Date.now() + ms, (e) => (e ? reject(e) : resolve())));
}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const host = options.gatewayHost ?? '127.0.0.1';
  const gatewayTarget = `${host}:${options.gatewayPort}`;
  const merchantId = options.merchantId ?? `demo-${Date.now()}`;
  const codeTimeoutMs = options.codeTimeoutMs ?? 3000;
  const restartHint = `npm start -- --notifier ${gatewayTarget}`;
  let step = 0;
  const say = (text: string) => log(`\n${++step}. ${text}`);
  const info = (text: string) => log(`   ${text}`);

  log(`orderpool demo: server ${options.target}, fake lender gateway + notifier on ${gatewayTarget}, merchant ${merchantId}`);

  let fake: FakeGateway;
  try {
    fake = await startFakeGateway(host, options.gatewayPort);
  } catch (e) {
    throw new DemoError(`could not start the fake lender gateway on ${gatewayTarget} (${(e as Error).message}); is another demo running? Pick another port with --gateway-port (and restart the server with \`npm start -- --notifier ${host}:<port>\`).`);
  }
  const api = connect(options.target, options.token);
  try {
    try {
      await waitForReady(api, 3000);
    } catch {
      throw new DemoError(`cannot reach orderpool at ${options.target}. Start it first: \`${restartHint}\` (or pass --target / ORDERPOOL_TARGET).`);
    }

    let lastPool: Order__Output[] | undefined;
    const topUps: string[] = [];
    /** Prints the pool; orders that joined it since the last look (after disbursement) are top-ups. */
    const showPool = async (financingId: string): Promise<{ f: Financing__Output; pool: Order__Output[] }> => {
      const [f, pool] = await Promise.all([api.getFinancing({ merchantId, financingId }), allPoolOrders(api, merchantId, financingId)]);
      if (lastPool) {
        const before = new Set(lastPool.map((o) => o.orderId));
        for (const o of pool.filter((p) => !before.has(p.orderId))) {
          topUps.push(o.orderId);
          info(`top-up: open order ${o.orderId} (${fmt(o.amount)}) was pledged to restore coverage`);
        }
      }
      if (f.state === 'FINANCING_STATE_SETTLING') lastPool = pool;
      const capacity = (big(f.poolTotal) * BigInt(f.advanceRateBps)) / 10_000n;
      info(`pool: total ${fmt(f.poolTotal)} in ${f.poolOrderCount} order(s) | outstanding ${fmt(f.outstanding)} | repaid ${fmt(f.repaid)} | ` +
        `under_covered ${f.underCovered ? 'YES' : 'no'} (${pct(f.advanceRateBps)} of pool = ${fmt(capacity)}) | ${short(f.state)}`);
      info(`      [${pool.map((o) => `${o.orderId} ${fmt(o.amount)}`).join(', ') || 'empty'}]`);
      return { f, pool };
    };

    // 1. The lender.
    say(`UpsertLender ${DEMO_LENDER}`);
    const lender = await api.upsertLender({
      lender: {
        lenderId: DEMO_LENDER,
        gatewayTarget,
        advanceRateBps: 8000,
        repaymentShareBps: 5000,
        feeBps: 200,
        verificationThreshold: usd(THRESHOLD),
        minCompletedOrders: '0',
      },
    });
    info(`gateway ${lender.gatewayTarget}; advance rate ${pct(lender.advanceRateBps)}, repayment share ${pct(lender.repaymentShareBps)}, ` +
      `fee ${pct(lender.feeBps)}, step-up verification at a pool of ${fmt(lender.verificationThreshold)} or more`);

    // 2. Orders.
    say(`RecordOrder x${ORDERS.length} for merchant ${merchantId}`);
    for (const [orderId, amount] of ORDERS) {
      const o = await api.recordOrder({ merchantId, orderId, buyerId: `buyer-${orderId}`, amount: usd(amount) });
      info(`${o.orderId}  buyer ${o.buyerId}  ${fmt(o.amount).padStart(8)}  ${short(o.state)}`);
    }

    // 3. The request.
    const requestId = `${merchantId}-r1`;
    say(`RequestFinancing ${fmt(REQUEST)} from ${DEMO_LENDER} (request_id ${requestId})`);
    const f0 = await api.requestFinancing({ merchantId, lenderId: DEMO_LENDER, amount: usd(REQUEST), requestId });
    const financingId = f0.financingId;
    info(`financing ${financingId}: ${short(f0.state)}; approved ${fmt(f0.approved)}, fee ${fmt(f0.fee)}, ` +
      `pool ${fmt(f0.poolTotal)} in ${f0.poolOrderCount} order(s)`);
    await showPool(financingId);
    if (f0.state !== 'FINANCING_STATE_AWAITING_VERIFICATION') {
      throw new DemoError(`expected step-up verification (pool ${fmt(f0.poolTotal)} vs threshold ${fmt(THRESHOLD)}), got ${f0.state}`);
    }

    // 4. Step-up verification.
    say(`Waiting up to ${(codeTimeoutMs / 1000).toFixed(1)} s for the verification code at the fake notifier`);
    let codeCall: ReceivedCall;
    try {
      codeCall = await fake.waitFor((c) => c.method === 'SendVerificationCode' && c.financingId === financingId, codeTimeoutMs);
    } catch {
      throw new DemoError(
        `no verification code reached the fake notifier on ${gatewayTarget} within ${(codeTimeoutMs / 1000).toFixed(1)} s.\n` +
        `The server sends codes to a notifier only when started with --notifier (otherwise it just logs them).\n` +
        `Restart the server with:\n\n    ${restartHint}\n\nand run \`npm run demo\` again.`);
    }
    const code = String(codeCall.request.code);
    info(`SendVerificationCode received: code ${code} (idempotency key ${codeCall.idempotencyKey})`);
    say(`VerifyFinancing with code ${code}`);
    const f1 = await api.verifyFinancing({ merchantId, financingId, code });
    info(`financing ${short(f1.state)}; the lender has until ${f1.disbursementDeadline ? new Date(Number(f1.disbursementDeadline.seconds) * 1000).toISOString() : '?'} to disburse`);

    // 5. The lender is told it may disburse.
    say(`Waiting for AuthorizeDisbursement at the fake lender`);
    const slow = setTimeout(() => info('(still waiting: the server may be retrying older calls to this lender with backoff)'), 3000);
    let authCall: ReceivedCall;
    try {
      authCall = await fake.waitFor((c) => c.method === 'AuthorizeDisbursement' && c.financingId === financingId, 45_000);
    } catch {
      throw new DemoError(`the fake lender never received AuthorizeDisbursement for ${financingId}`);
    } finally {
      clearTimeout(slow);
    }
    const authAmount = authCall.request.amount as Money__Output;
    info(`AuthorizeDisbursement received: amount ${fmt(authAmount)}, fee ${fmt(authCall.request.fee as Money__Output)}, ` +
      `pool ${fmt(authCall.request.poolTotal as Money__Output)} in ${String(authCall.request.poolOrderCount)} order(s)`);

    // 6. The lender disburses.
    const reference = `wire-${Date.now()}`;
    say(`ConfirmDisbursement ${fmt(authAmount)} (lender_reference ${reference})`);
    const f2 = await api.confirmDisbursement({ merchantId, financingId, lenderId: DEMO_LENDER, amount: { currencyCode: authAmount.currencyCode, minorUnits: authAmount.minorUnits }, lenderReference: reference });
    info(`financing ${short(f2.state)}; outstanding ${fmt(f2.outstanding)} = approved ${fmt(f2.approved)} + fee ${fmt(f2.fee)}`);
    let view = await showPool(financingId);

    // 7. Completions, one refund, completions until repaid.
    let refunded = false;
    let extra = 0;
    for (let guard = 0; view.f.state === 'FINANCING_STATE_SETTLING'; guard++) {
      if (guard > 50) throw new DemoError('the financing did not reach REPAID within 50 steps');
      const head = view.pool[0];
      if (!head) {
        // Under-covered with nothing left to pledge: a new order is pledged on arrival.
        const orderId = `X${++extra}`;
        say(`RecordOrder ${orderId} ${fmt(20_000n)} (pool is empty; a new order is pledged on arrival while under-covered)`);
        await api.recordOrder({ merchantId, orderId, buyerId: `buyer-${orderId}`, amount: usd(20_000) });
      } else if (!refunded && guard === 1) {
        refunded = true;
        say(`RefundOrder ${head.orderId} (${fmt(head.amount)}): the buyer returned it; it leaves the pool and no money moves`);
        const o = await api.refundOrder({ merchantId, orderId: head.orderId, reason: 'returned by buyer' });
        info(`${o.orderId} ${short(o.state)}`);
      } else {
        say(`CompleteOrder ${head.orderId} (${fmt(head.amount)}): the buyer confirmed`);
        const o = await api.completeOrder({ merchantId, orderId: head.orderId });
        const rest = big(o.amount) - big(o.repayment);
        info(`${o.orderId} ${short(o.state)}: ${fmt(o.repayment)} to the lender, ${fmt(rest)} to the merchant`);
      }
      view = await showPool(financingId);
    }
    const f = view.f;
    if (f.state !== 'FINANCING_STATE_REPAID') throw new DemoError(`the financing ended ${f.state}, not REPAID`);
    const m = await api.getMerchant({ merchantId });
    log(`\nFinancing ${financingId} is REPAID: repaid ${fmt(f.repaid)}, outstanding ${fmt(f.outstanding)}; merchant ${merchantId} is ${short(m.state)} ` +
      `(${m.ordersCompleted} completed, ${m.ordersRefunded} refunded, ${m.openOrderCount} open order(s) worth ${fmt(m.openOrderTotal)})`);

    // 8. What the lender received.
    const repaid = big(f.repaid);
    say('Repayments received by the fake lender (deduplicated by idempotency key)');
    const until = Date.now() + 15_000;
    while (fake.repaidTo(financingId) !== repaid && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    try {
      await fake.waitFor((c) => c.method === 'ReceiveFinancingClosed' && c.financingId === financingId, Math.max(0, until - Date.now()));
    } catch {
      info('(ReceiveFinancingClosed has not arrived yet)');
    }
    const repayments: DemoRepayment[] = [];
    for (const c of fake.byKey.values()) {
      if (c.method !== 'ReceiveRepayment' || c.financingId !== financingId) continue;
      const r = { idempotencyKey: c.idempotencyKey, amount: big(c.request.amount as Money__Output), orderIds: c.request.orderIds as string[] };
      repayments.push(r);
      info(`${fmt(r.amount).padStart(8)}  for ${r.orderIds.join(', ')}  (key ${r.idempotencyKey}; outstanding after: ${fmt(c.request.outstanding as Money__Output)})`);
    }
    const received = repayments.reduce((s, r) => s + r.amount, 0n);
    const calls = fake.calls.filter((c) => c.method === 'ReceiveRepayment' && c.financingId === financingId).length;
    info(`lender received ${fmt(received)} in ${repayments.length} repayment call(s) (${calls} delivered, duplicates included)`);
    info(`financing repaid  ${fmt(repaid)}`);
    const closed = fake.calls.find((c) => c.method === 'ReceiveFinancingClosed' && c.financingId === financingId);
    if (closed) info(`ReceiveFinancingClosed: ${short(String(closed.request.state))}, repaid ${fmt(closed.request.repaid as Money__Output)}`);
    if (fake.conflicts.length) throw new DemoError(`idempotency keys reused with different payloads: ${fake.conflicts.join(', ')}`);
    if (received !== repaid) throw new DemoError(`MISMATCH: the lender received ${fmt(received)} but the financing says repaid ${fmt(repaid)}`);
    log(`\nOK: the lender received exactly what was repaid (${fmt(received)} = ${fmt(repaid)}).`);

    return {
      merchantId, financingId, state: f.state, approved: big(f.approved), fee: big(f.fee), repaid, outstanding: big(f.outstanding),
      repayments, lenderReceived: received, topUps,
    };
  } catch (e) {
    if (!(e instanceof DemoError) && (e as grpc.ServiceError).code !== undefined) {
      const err = e as grpc.ServiceError;
      throw new DemoError(`orderpool answered ${grpc.status[err.code] ?? err.code}: ${err.details || err.message}`);
    }
    throw e;
  } finally {
    api.close();
    await Promise.race([fake.stop(), new Promise((r) => setTimeout(r, 1000).unref())]);
  }
}

function port(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0 || n > 65535) throw new InvalidArgumentError('expected a port number');
  return n;
}

export async function main(argv: string[]): Promise<number> {
  const cmd = new Command('demo')
    .description('Walks one whole financing against a running orderpool, with an in-process fake lender gateway and notifier.')
    .addOption(new Option('--target <host:port>', 'orderpool gRPC target').env('ORDERPOOL_TARGET').default('127.0.0.1:50051'))
    .addOption(new Option('--gateway-port <port>', 'port of the fake lender gateway + notifier (the server\'s --notifier)').argParser(port).default(50061))
    .addOption(new Option('--token <token>', 'bearer token, when the server runs with --auth-file').env('ORDERPOOL_TOKEN'))
    .addOption(new Option('--code-timeout <ms>', 'how long to wait for the verification code').argParser(port).default(3000));
  cmd.parse(argv, { from: 'user' });
  const o = cmd.opts<{ target: string; gatewayPort: number; token?: string; codeTimeout: number }>();
  try {
    await runDemo({ target: o.target, gatewayPort: o.gatewayPort, token: o.token, codeTimeoutMs: o.codeTimeout });
    return 0;
  } catch (e) {
    process.stderr.write(`\ndemo failed: ${e instanceof DemoError ? e.message : (e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (e: unknown) => {
    process.stderr.write(`${String(e)}\n`);
    process.exit(1);
  });
}
