/**
 * The error contract of every RPC (proto/orderpool/v1/orderpool.proto):
 * the gRPC code, the ErrorInfo reason and domain, the BadRequest of field
 * errors, and that a rejected request changes nothing.
 */
import { expect } from 'chai';
import * as grpc from '@grpc/grpc-js';
import { expectError, LENDER, startHarness, type Harness } from './harness';
import { usd, type Clients } from '../src/testing/client';
import { errorInfoOf, errorInfoOfStatus } from '../src/api/status';
import { pb } from '../src/api/proto';
import { encodeToken } from '../src/api/page-token';
import type { OrderEvent } from '../src/generated/orderpool/v1/OrderEvent';
import type { OrderEventAck__Output } from '../src/generated/orderpool/v1/OrderEventAck';
import type { Lender } from '../src/generated/orderpool/v1/Lender';
import type { Financing__Output } from '../src/generated/orderpool/v1/Financing';

const { status } = grpc;

// ------------------------------------------------------------------ helpers

interface FieldViolation { field: string; description: string }

/** Decodes grpc-status-details-bin: the google.rpc.Status and its BadRequest violations. */
function detailsOf(err: grpc.ServiceError): { code: number; message: string; violations: FieldViolation[] | undefined } | undefined {
  const raw = err.metadata?.get('grpc-status-details-bin')[0];
  if (!raw || typeof raw === 'string') return undefined;
  const st = pb.Status.toObject(pb.Status.decode(raw), { defaults: true }) as { code: number; message: string; details: { type_url: string; value: Uint8Array }[] };
  let violations: FieldViolation[] | undefined;
  for (const d of st.details) {
    if (d.type_url === 'type.googleapis.com/google.rpc.BadRequest') {
      violations = (pb.BadRequest.toObject(pb.BadRequest.decode(d.value), { defaults: true }) as { field_violations: FieldViolation[] }).field_violations;
    }
  }
  return { code: st.code, message: st.message, violations };
}

interface Case {
  label: string;
  run: () => Promise<unknown>;
  code: grpc.status;
  reason: string;
  /** For field errors: the BadRequest field (snake_case path) that must be named. */
  field?: string;
}

/** Runs a case; returns what was wrong with the answer, or null. */
async function check(c: Case): Promise<string | null> {
  let err: grpc.ServiceError;
  try {
    await c.run();
    return `${c.label}: expected ${status[c.code]} ${c.reason}, but the call succeeded`;
  } catch (e) {
    err = e as grpc.ServiceError;
  }
  const info = errorInfoOf(err);
  const got = `${status[err.code]} ${info?.reason} ${info?.domain}`;
  const want = `${status[c.code]} ${c.reason} orderpool.v1`;
  if (got !== want) return `${c.label}: expected ${want}, got ${got} (${err.details})`;
  const d = detailsOf(err)!;
  if (d.code !== c.code) return `${c.label}: google.rpc.Status.code ${d.code} != ${c.code}`;
  if (c.field !== undefined) {
    if (!d.violations?.some((v) => v.field === c.field && v.description !== '')) {
      return `${c.label}: BadRequest does not name ${c.field}: ${JSON.stringify(d.violations)}`;
    }
    if (info!.metadata.field !== c.field) return `${c.label}: ErrorInfo metadata.field ${info!.metadata.field} != ${c.field}`;
  }
  return null;
}

const snake = (s: string) => s.replace(/[A-Z]/g, (ch) => `_${ch.toLowerCase()}`);

/** Bad ids and the reason each must get. */
const BAD_IDS: [string, string, string][] = [
  ['', 'MISSING_FIELD', 'empty'],
  ['x'.repeat(129), 'INVALID_ID', '129 chars'],
  ['Mé', 'INVALID_ID', 'non-ASCII'],
  ['日本', 'INVALID_ID', 'non-ASCII (CJK)'],
  ['a b', 'INVALID_ID', 'space'],
  ['tab\t', 'INVALID_ID', 'control char'],
];

/** Bad Money values: value, reason, the sub-field named in BadRequest. */
const BAD_MONEY: [unknown, string, string, string][] = [
  [null, 'INVALID_AMOUNT', '', 'missing'],
  [usd(0), 'INVALID_AMOUNT', '.minor_units', 'zero'],
  [usd(-1), 'INVALID_AMOUNT', '.minor_units', 'negative'],
  [usd(10n ** 13n + 1n), 'INVALID_AMOUNT', '.minor_units', 'over the 10^13 limit'],
  [usd('9223372036854775807'), 'INVALID_AMOUNT', '.minor_units', 'INT64_MAX'],
  // Past int64: the client's encoder wraps these (to INT64_MIN and to a large positive value).
  [usd('9223372036854775808'), 'INVALID_AMOUNT', '.minor_units', '2^63 (not an int64)'],
  [usd('99999999999999999999999'), 'INVALID_AMOUNT', '.minor_units', '10^23 (not an int64)'],
  [{ currencyCode: 'XYZ', minorUnits: '100' }, 'INVALID_CURRENCY', '.currency_code', 'unknown currency XYZ'],
  [{ currencyCode: 'usd', minorUnits: '100' }, 'INVALID_CURRENCY', '.currency_code', 'lowercase usd'],
  [{ currencyCode: '', minorUnits: '100' }, 'INVALID_CURRENCY', '.currency_code', 'empty currency'],
  [{ currencyCode: 'USDX', minorUnits: '100' }, 'INVALID_CURRENCY', '.currency_code', 'USDX'],
];

const TOO_LONG_TEXT = 'r'.repeat(513);

function idCases<R extends object>(rpc: string, base: () => R, fields: (keyof R & string)[], call: (r: R) => Promise<unknown>): Case[] {
  const out: Case[] = [];
  for (const f of fields) {
    for (const [bad, reason, what] of BAD_IDS) {
      out.push({ label: `${rpc} ${snake(f)} ${what}`, run: () => call({ ...base(), [f]: bad }), code: status.INVALID_ARGUMENT, reason, field: snake(f) });
    }
  }
  return out;
}

function moneyCases<R extends object>(rpc: string, base: () => R, field: keyof R & string, call: (r: R) => Promise<unknown>): Case[] {
  return BAD_MONEY.map(([bad, reason, sub, what]) => ({
    label: `${rpc} ${snake(field)} ${what}`,
    run: () => call({ ...base(), [field]: bad }),
    code: status.INVALID_ARGUMENT,
    reason,
    field: `${snake(field)}${sub}`,
  }));
}

function textCase<R extends object>(rpc: string, base: () => R, field: keyof R & string, call: (r: R) => Promise<unknown>): Case {
  return { label: `${rpc} ${snake(field)} too long`, run: () => call({ ...base(), [field]: TOO_LONG_TEXT }), code: status.INVALID_ARGUMENT, reason: 'INVALID_FIELD', field: snake(field) };
}

/** Everything a bad request could have changed, as seen through the API. */
async function world(api: Clients, merchants: string[], financings: [string, string][] = []): Promise<unknown> {
  const out: Record<string, unknown> = {};
  for (const m of merchants) {
    out[m] = await api.getMerchant({ merchantId: m }).catch((e: grpc.ServiceError) => `${status[e.code]} ${errorInfoOf(e)?.reason}`);
  }
  for (const [m, f] of financings) out[`${m}/${f}`] = await api.getFinancing({ merchantId: m, financingId: f });
  out.lenders = await api.listLenders({ pageSize: 1000, pageToken: '' });
  return out;
}

/** Runs the cases one by one, checking the world is unchanged after each; reports every problem at once. */
async function runCases(cases: Case[], snapshot: () => Promise<unknown>): Promise<void> {
  expect(cases.length).to.be.greaterThan(0);
  const problems: string[] = [];
  const before = await snapshot();
  for (const c of cases) {
    const p = await check(c);
    if (p) problems.push(p);
    const after = await snapshot();
    try {
      expect(after).to.deep.equal(before);
    } catch {
      problems.push(`${c.label}: the rejected request changed state`);
      break;
    }
  }
  expect(problems).to.deep.equal([]);
}

/** A WatchMerchant call as a promise: rejects with its error, resolves with the first event. */
function watchFirst(api: Clients, req: { merchantId: string; fromSequence: string }): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const call = api.raw.watchMerchant(req, api.metadata());
    call.on('data', (ev) => {
      resolve(ev);
      call.cancel();
    });
    call.on('error', reject);
  });
}

/** Sends events on one StreamOrderEvents call; resolves with every ack once the server ends the stream. */
function streamEvents(api: Clients, events: OrderEvent[]): Promise<OrderEventAck__Output[]> {
  return new Promise((resolve, reject) => {
    const call = api.raw.streamOrderEvents(api.metadata());
    const acks: OrderEventAck__Output[] = [];
    call.on('data', (a: OrderEventAck__Output) => acks.push(a));
    call.on('error', reject);
    call.on('end', () => resolve(acks));
    for (const ev of events) call.write(ev);
    call.end();
  });
}

async function recordOrders(api: Clients, merchantId: string, n: number, amount = 20000, prefix = 'O'): Promise<void> {
  for (let i = 1; i <= n; i++) await api.recordOrder({ merchantId, orderId: `${prefix}${i}`, buyerId: `B${i}`, amount: usd(amount) });
}

async function codeFor(h: Harness, financingId: string): Promise<string> {
  const c = await h.gw.waitFor((x) => x.method === 'SendVerificationCode' && x.financingId === financingId);
  return String(c.request.code);
}

const wrongCode = (code: string, i = 0) => {
  const candidates = ['000000', '111111', '222222', '333333', '444444', '555555', '666666'].filter((c) => c !== code);
  return candidates[i]!;
};

const lastSeq = async (api: Clients, merchantId: string) => Number((await api.getMerchant({ merchantId })).lastSequence);

// -------------------------------------------------------------------- tests

describe('error contract: malformed requests (INVALID_ARGUMENT, nothing changes)', () => {
  let h: Harness;
  let FV = ''; // MV's financing, NOTIFIED, lender L2, approved 20000
  let FW = ''; // MW's financing, AWAITING_VERIFICATION, lender L1
  const snapshot = () => world(h.api, ['MV', 'MW', 'MX', 'GHOST'], [['MV', FV], ['MW', FW]]);

  before(async () => {
    h = await startHarness();
    await h.api.upsertLender({ lender: { ...LENDER, gatewayTarget: h.gw.target, verificationThreshold: usd(50000) } });
    await h.api.upsertLender({ lender: { ...LENDER, lenderId: 'L2', gatewayTarget: h.gw.target } });
    await recordOrders(h.api, 'MV', 6);
    await recordOrders(h.api, 'MW', 6);
    await recordOrders(h.api, 'MX', 3);
    const fv = await h.api.requestFinancing({ merchantId: 'MV', lenderId: 'L2', amount: usd(20000), requestId: 'rv' });
    expect(fv.state).to.equal('FINANCING_STATE_NOTIFIED');
    FV = fv.financingId;
    const fw = await h.api.requestFinancing({ merchantId: 'MW', lenderId: 'L1', amount: usd(40000), requestId: 'rw' });
    expect(fw.state).to.equal('FINANCING_STATE_AWAITING_VERIFICATION');
    FW = fw.financingId;
  });
  after(async () => h.stop());

  it('RecordOrder', async () => {
    const base = () => ({ merchantId: 'MV', orderId: 'NEW1', buyerId: 'B', amount: usd(100) });
    const call = (r: ReturnType<typeof base>) => h.api.recordOrder(r);
    // A bad id for a merchant that does not exist must not create it either.
    const ghost = () => ({ ...base(), merchantId: 'GHOST' });
    await runCases([
      ...idCases('RecordOrder', base, ['merchantId', 'orderId', 'buyerId'], call),
      ...idCases('RecordOrder(ghost)', ghost, ['orderId', 'buyerId'], call),
      ...moneyCases('RecordOrder', base, 'amount', call),
      ...moneyCases('RecordOrder(ghost)', ghost, 'amount', call),
    ], snapshot);
  });

  it('RecordOrder accepts the boundaries (128-char id, amount = limit)', async () => {
    const id = 'y'.repeat(128);
    const o = await h.api.recordOrder({ merchantId: 'MB', orderId: id, buyerId: '~!', amount: usd(10n ** 13n) });
    expect(o.orderId).to.equal(id);
    expect(o.amount?.minorUnits).to.equal('10000000000000');
    const o1 = await h.api.recordOrder({ merchantId: 'MB', orderId: 'one', buyerId: 'b', amount: { currencyCode: 'JPY', minorUnits: '1' } });
    expect(o1.state).to.equal('ORDER_STATE_OPEN');
  });

  it('CompleteOrder', async () => {
    const base = () => ({ merchantId: 'MV', orderId: 'O6' });
    await runCases(idCases('CompleteOrder', base, ['merchantId', 'orderId'], (r) => h.api.completeOrder(r)), snapshot);
  });

  it('RefundOrder', async () => {
    const base = () => ({ merchantId: 'MV', orderId: 'O5', reason: 'damaged' });
    const call = (r: ReturnType<typeof base>) => h.api.refundOrder(r);
    await runCases([...idCases('RefundOrder', base, ['merchantId', 'orderId'], call), textCase('RefundOrder', base, 'reason', call)], snapshot);
  });

  it('RequestFinancing', async () => {
    const base = () => ({ merchantId: 'MX', lenderId: 'L2', amount: usd(1000), requestId: 'rx' });
    const call = (r: ReturnType<typeof base>) => h.api.requestFinancing(r);
    await runCases([
      ...idCases('RequestFinancing', base, ['merchantId', 'lenderId', 'requestId'], call),
      ...moneyCases('RequestFinancing', base, 'amount', call),
    ], snapshot);
  });

  it('VerifyFinancing', async () => {
    const base = () => ({ merchantId: 'MW', financingId: FW, code: '000000' });
    const call = (r: ReturnType<typeof base>) => h.api.verifyFinancing(r);
    const badCodes = ['', '12345', '1234567', 'abcdef', '12 456', '１２３４５６', '-12345', '12345\n'];
    await runCases([
      ...idCases('VerifyFinancing', base, ['merchantId', 'financingId'], call),
      ...badCodes.map((code): Case => ({ label: `VerifyFinancing code ${JSON.stringify(code)}`, run: () => call({ ...base(), code }), code: status.INVALID_ARGUMENT, reason: 'INVALID_CODE', field: 'code' })),
    ], snapshot);
    // Format errors cost no attempt.
    expect((await h.api.getFinancing({ merchantId: 'MW', financingId: FW })).verificationAttemptsLeft).to.equal(5);
  });

  it('CancelFinancing', async () => {
    const base = () => ({ merchantId: 'MW', financingId: FW, reason: '' });
    const call = (r: ReturnType<typeof base>) => h.api.cancelFinancing(r);
    await runCases([...idCases('CancelFinancing', base, ['merchantId', 'financingId'], call), textCase('CancelFinancing', base, 'reason', call)], snapshot);
  });

  it('ConfirmDisbursement', async () => {
    const base = () => ({ merchantId: 'MV', financingId: FV, lenderId: 'L2', amount: usd(20000), lenderReference: 'wire-1' });
    const call = (r: ReturnType<typeof base>) => h.api.confirmDisbursement(r);
    await runCases([
      ...idCases('ConfirmDisbursement', base, ['merchantId', 'financingId', 'lenderId', 'lenderReference'], call),
      ...moneyCases('ConfirmDisbursement', base, 'amount', call),
    ], snapshot);
  });

  it('DeclineFinancing', async () => {
    const base = () => ({ merchantId: 'MV', financingId: FV, lenderId: 'L2', reason: 'no' });
    const call = (r: ReturnType<typeof base>) => h.api.declineFinancing(r);
    await runCases([...idCases('DeclineFinancing', base, ['merchantId', 'financingId', 'lenderId'], call), textCase('DeclineFinancing', base, 'reason', call)], snapshot);
  });

  it('GetMerchant, GetOrder, GetFinancing', async () => {
    await runCases([
      ...idCases('GetMerchant', () => ({ merchantId: 'MV' }), ['merchantId'], (r) => h.api.getMerchant(r)),
      ...idCases('GetOrder', () => ({ merchantId: 'MV', orderId: 'O1' }), ['merchantId', 'orderId'], (r) => h.api.getOrder(r)),
      ...idCases('GetFinancing', () => ({ merchantId: 'MV', financingId: FV }), ['merchantId', 'financingId'], (r) => h.api.getFinancing(r)),
    ], snapshot);
  });

  it('ListPoolOrders (ids, page_size, page tokens)', async () => {
    const base = () => ({ merchantId: 'MV', financingId: FV, pageSize: 1, pageToken: '' });
    const call = (r: ReturnType<typeof base>) => h.api.listPoolOrders(r);
    const good = await call(base());
    expect(good.orders).to.have.length(1);
    expect(good.nextPageToken).to.not.equal('');
    const badTokens: [string, string][] = [
      ['garbage', 'not base64 JSON'],
      ['!!!', 'not base64'],
      [encodeToken({ f: 'other-financing', p: 1 }), 'token of another financing'],
      [encodeToken({ s: 2 }), 'a ListMerchantEvents token'],
      [encodeToken({ f: FV, p: 'x' }), 'p is not a number'],
      [Buffer.from('null').toString('base64url'), 'JSON null'],
      [good.nextPageToken.slice(0, -3), 'truncated token'],
    ];
    await runCases([
      ...idCases('ListPoolOrders', base, ['merchantId', 'financingId'], call),
      { label: 'ListPoolOrders page_size -1', run: () => call({ ...base(), pageSize: -1 }), code: status.INVALID_ARGUMENT, reason: 'INVALID_FIELD', field: 'page_size' },
      ...badTokens.map(([pageToken, what]): Case => ({
        label: `ListPoolOrders page_token ${what}`, run: () => call({ ...base(), pageToken }), code: status.INVALID_ARGUMENT, reason: 'INVALID_PAGE_TOKEN', field: 'page_token',
      })),
    ], snapshot);
    // The real token still works.
    const next = await call({ ...base(), pageToken: good.nextPageToken });
    expect(next.orders).to.have.length(1);
    expect(next.orders[0]!.orderId).to.not.equal(good.orders[0]!.orderId);
  });

  it('ListMerchantEvents (ids, page_size, page tokens)', async () => {
    const base = () => ({ merchantId: 'MV', pageSize: 2, pageToken: '' });
    const call = (r: ReturnType<typeof base>) => h.api.listMerchantEvents(r);
    const badTokens: [string, string][] = [
      ['garbage', 'not base64 JSON'],
      [encodeToken({ f: FV, p: 1 }), 'a ListPoolOrders token'],
      [encodeToken({ s: '2' }), 's is a string'],
      [Buffer.from('[]').toString('base64url'), 'JSON array'],
    ];
    await runCases([
      ...idCases('ListMerchantEvents', base, ['merchantId'], call),
      { label: 'ListMerchantEvents page_size -1', run: () => call({ ...base(), pageSize: -1 }), code: status.INVALID_ARGUMENT, reason: 'INVALID_FIELD', field: 'page_size' },
      ...badTokens.map(([pageToken, what]): Case => ({
        label: `ListMerchantEvents page_token ${what}`, run: () => call({ ...base(), pageToken }), code: status.INVALID_ARGUMENT, reason: 'INVALID_PAGE_TOKEN', field: 'page_token',
      })),
    ], snapshot);
  });

  it('WatchMerchant', async () => {
    const base = () => ({ merchantId: 'MV', fromSequence: '1' });
    const call = (r: ReturnType<typeof base>) => watchFirst(h.api, r);
    await runCases([
      ...idCases('WatchMerchant', base, ['merchantId'], call),
      { label: 'WatchMerchant from_sequence -1', run: () => call({ ...base(), fromSequence: '-1' }), code: status.INVALID_ARGUMENT, reason: 'INVALID_FIELD', field: 'from_sequence' },
    ], snapshot);
  });

  it('UpsertLender (ids, bps, gateway_target, threshold, durations)', async () => {
    const base = (): Lender => ({ ...LENDER, lenderId: 'LV', gatewayTarget: h.gw.target, verificationThreshold: usd(1000), maxRefundRateBps: 1000 });
    const call = (l: Lender | null) => h.api.upsertLender({ lender: l });
    const lenderCase = (what: string, patch: Partial<Lender>, reason: string, field: string): Case => ({
      label: `UpsertLender ${what}`, run: () => call({ ...base(), ...patch }), code: status.INVALID_ARGUMENT, reason, field,
    });
    const cases: Case[] = [
      { label: 'UpsertLender lender missing', run: () => call(null), code: status.INVALID_ARGUMENT, reason: 'MISSING_FIELD', field: 'lender' },
      ...BAD_IDS.map(([lenderId, reason, what]) => lenderCase(`lender_id ${what}`, { lenderId }, reason, 'lender.lender_id')),
      ...['', 'localhost', 'localhost:', 'host:port', 'host:123456', 'http://h:1', 'a b:1', 'h:1/x', 'hé:1'].map((gatewayTarget) =>
        lenderCase(`gateway_target ${JSON.stringify(gatewayTarget)}`, { gatewayTarget }, 'INVALID_TARGET', 'lender.gateway_target')),
      lenderCase('advance_rate_bps 0', { advanceRateBps: 0 }, 'INVALID_BPS', 'lender.advance_rate_bps'),
      lenderCase('advance_rate_bps -1', { advanceRateBps: -1 }, 'INVALID_BPS', 'lender.advance_rate_bps'),
      lenderCase('advance_rate_bps 10001', { advanceRateBps: 10001 }, 'INVALID_BPS', 'lender.advance_rate_bps'),
      lenderCase('repayment_share_bps 0', { repaymentShareBps: 0 }, 'INVALID_BPS', 'lender.repayment_share_bps'),
      lenderCase('repayment_share_bps 10001', { repaymentShareBps: 10001 }, 'INVALID_BPS', 'lender.repayment_share_bps'),
      lenderCase('fee_bps -1', { feeBps: -1 }, 'INVALID_BPS', 'lender.fee_bps'),
      lenderCase('fee_bps 10001', { feeBps: 10001 }, 'INVALID_BPS', 'lender.fee_bps'),
      lenderCase('max_refund_rate_bps -1', { maxRefundRateBps: -1 }, 'INVALID_BPS', 'lender.max_refund_rate_bps'),
      lenderCase('max_refund_rate_bps 10001', { maxRefundRateBps: 10001 }, 'INVALID_BPS', 'lender.max_refund_rate_bps'),
      lenderCase('verification_threshold usd', { verificationThreshold: { currencyCode: 'usd', minorUnits: '1' } }, 'INVALID_CURRENCY', 'lender.verification_threshold.currency_code'),
      lenderCase('verification_threshold XYZ', { verificationThreshold: { currencyCode: 'XYZ', minorUnits: '1' } }, 'INVALID_CURRENCY', 'lender.verification_threshold.currency_code'),
      lenderCase('verification_threshold -1', { verificationThreshold: usd(-1) }, 'INVALID_AMOUNT', 'lender.verification_threshold.minor_units'),
      lenderCase('min_completed_orders -1', { minCompletedOrders: '-1' }, 'INVALID_FIELD', 'lender.min_completed_orders'),
      lenderCase('verification_ttl negative', { verificationTtl: { seconds: '-1', nanos: 0 } }, 'INVALID_FIELD', 'lender.verification_ttl'),
      lenderCase('disbursement_timeout > 365 days', { disbursementTimeout: { seconds: String(366 * 24 * 3600), nanos: 0 } }, 'INVALID_FIELD', 'lender.disbursement_timeout'),
    ];
    await runCases(cases, snapshot);
    // The boundaries are accepted.
    for (const patch of [{ feeBps: 0 }, { feeBps: 10000, advanceRateBps: 10000, repaymentShareBps: 10000 }, { advanceRateBps: 1, repaymentShareBps: 1 }, { maxRefundRateBps: 0 }, { maxRefundRateBps: 10000 }, { gatewayTarget: '[::1]:5' }]) {
      const l = await call({ ...base(), lenderId: 'LOK', ...patch });
      expect(l.lenderId).to.equal('LOK');
    }
  });

  it('GetLender, ListLenders', async () => {
    await runCases([
      ...idCases('GetLender', () => ({ lenderId: 'L1' }), ['lenderId'], (r) => h.api.getLender(r)),
      { label: 'ListLenders page_size -1', run: () => h.api.listLenders({ pageSize: -1, pageToken: '' }), code: status.INVALID_ARGUMENT, reason: 'INVALID_FIELD', field: 'page_size' },
      ...[['garbage', 'garbage'], [encodeToken({ l: 5 }), 'l is a number'], [encodeToken({ s: 1 }), 'a ListMerchantEvents token']].map(([pageToken, what]): Case => ({
        label: `ListLenders page_token ${what}`, run: () => h.api.listLenders({ pageSize: 0, pageToken: pageToken! }), code: status.INVALID_ARGUMENT, reason: 'INVALID_PAGE_TOKEN', field: 'page_token',
      })),
    ], snapshot);
  });
});

describe('error contract: NOT_FOUND', () => {
  let h: Harness;
  let F1 = '';
  before(async () => {
    h = await startHarness();
    await h.api.upsertLender({ lender: { ...LENDER, gatewayTarget: h.gw.target } });
    await recordOrders(h.api, 'M1', 3);
    F1 = (await h.api.requestFinancing({ merchantId: 'M1', lenderId: 'L1', amount: usd(1000), requestId: 'r1' })).financingId;
  });
  after(async () => h.stop());

  const snapshot = () => world(h.api, ['M1', 'GHOST']);

  it('should answer MERCHANT_NOT_FOUND for every merchant-scoped RPC of an unknown merchant, and not create it', async () => {
    const m = 'GHOST';
    const nf = (label: string, run: () => Promise<unknown>): Case => ({ label, run, code: status.NOT_FOUND, reason: 'MERCHANT_NOT_FOUND' });
    await runCases([
      nf('CompleteOrder', () => h.api.completeOrder({ merchantId: m, orderId: 'O1' })),
      nf('RefundOrder', () => h.api.refundOrder({ merchantId: m, orderId: 'O1', reason: '' })),
      nf('RequestFinancing', () => h.api.requestFinancing({ merchantId: m, lenderId: 'L1', amount: usd(100), requestId: 'g' })),
      nf('RequestFinancing (unknown lender too)', () => h.api.requestFinancing({ merchantId: m, lenderId: 'NOPE', amount: usd(100), requestId: 'g2' })),
      nf('VerifyFinancing', () => h.api.verifyFinancing({ merchantId: m, financingId: F1, code: '123456' })),
      nf('CancelFinancing', () => h.api.cancelFinancing({ merchantId: m, financingId: F1, reason: '' })),
      nf('ConfirmDisbursement', () => h.api.confirmDisbursement({ merchantId: m, financingId: F1, lenderId: 'L1', amount: usd(1000), lenderReference: 'w' })),
      nf('DeclineFinancing', () => h.api.declineFinancing({ merchantId: m, financingId: F1, lenderId: 'L1', reason: '' })),
      nf('GetMerchant', () => h.api.getMerchant({ merchantId: m })),
      nf('GetOrder', () => h.api.getOrder({ merchantId: m, orderId: 'O1' })),
      nf('GetFinancing', () => h.api.getFinancing({ merchantId: m, financingId: F1 })),
      nf('ListPoolOrders', () => h.api.listPoolOrders({ merchantId: m, financingId: F1, pageSize: 0, pageToken: '' })),
      nf('ListMerchantEvents', () => h.api.listMerchantEvents({ merchantId: m, pageSize: 0, pageToken: '' })),
      nf('WatchMerchant', () => watchFirst(h.api, { merchantId: m, fromSequence: '0' })),
    ], snapshot);
  });

  it('should answer ORDER_NOT_FOUND, FINANCING_NOT_FOUND and LENDER_NOT_FOUND', async () => {
    const c = (label: string, reason: string, run: () => Promise<unknown>): Case => ({ label, run, code: status.NOT_FOUND, reason });
    const m = 'M1';
    await runCases([
      c('CompleteOrder', 'ORDER_NOT_FOUND', () => h.api.completeOrder({ merchantId: m, orderId: 'NOPE' })),
      c('RefundOrder', 'ORDER_NOT_FOUND', () => h.api.refundOrder({ merchantId: m, orderId: 'NOPE', reason: '' })),
      c('GetOrder', 'ORDER_NOT_FOUND', () => h.api.getOrder({ merchantId: m, orderId: 'NOPE' })),
      c('VerifyFinancing', 'FINANCING_NOT_FOUND', () => h.api.verifyFinancing({ merchantId: m, financingId: 'fin-nope', code: '123456' })),
      c('CancelFinancing', 'FINANCING_NOT_FOUND', () => h.api.cancelFinancing({ merchantId: m, financingId: 'fin-nope', reason: '' })),
      c('ConfirmDisbursement', 'FINANCING_NOT_FOUND', () => h.api.confirmDisbursement({ merchantId: m, financingId: 'fin-nope', lenderId: 'L1', amount: usd(1000), lenderReference: 'w' })),
      c('DeclineFinancing', 'FINANCING_NOT_FOUND', () => h.api.declineFinancing({ merchantId: m, financingId: 'fin-nope', lenderId: 'L1', reason: '' })),
      c('GetFinancing', 'FINANCING_NOT_FOUND', () => h.api.getFinancing({ merchantId: m, financingId: 'fin-nope' })),
      c('ListPoolOrders', 'FINANCING_NOT_FOUND', () => h.api.listPoolOrders({ merchantId: m, financingId: 'fin-nope', pageSize: 0, pageToken: '' })),
      // Another merchant's financing id is not found under this merchant.
      c('GetFinancing (financing of another merchant)', 'FINANCING_NOT_FOUND', async () => {
        await recordOrders(h.api, 'M2', 1);
        return h.api.getFinancing({ merchantId: 'M2', financingId: F1 });
      }),
      c('GetLender', 'LENDER_NOT_FOUND', () => h.api.getLender({ lenderId: 'NOPE' })),
    ], () => world(h.api, ['M1', 'GHOST']));
  });

  it('should answer LENDER_NOT_FOUND for a financing from an unknown lender, and record nothing', async () => {
    await recordOrders(h.api, 'M3', 2);
    const before = await h.api.getMerchant({ merchantId: 'M3' });
    const err = await expectError(h.api.requestFinancing({ merchantId: 'M3', lenderId: 'NOPE', amount: usd(100), requestId: 'r' }), status.NOT_FOUND, 'LENDER_NOT_FOUND');
    expect(errorInfoOf(err)!.metadata.lender_id).to.equal('NOPE');
    expect(await h.api.getMerchant({ merchantId: 'M3' })).to.deep.equal(before);
    // Once the lender exists, the same request_id is a fresh request.
    await h.api.upsertLender({ lender: { ...LENDER, lenderId: 'NOPE', gatewayTarget: h.gw.target } });
    const f = await h.api.requestFinancing({ merchantId: 'M3', lenderId: 'NOPE', amount: usd(100), requestId: 'r' });
    expect(f.state).to.equal('FINANCING_STATE_NOTIFIED');
  });
});

describe('error contract: ALREADY_EXISTS and replays', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
    await h.api.upsertLender({ lender: { ...LENDER, gatewayTarget: h.gw.target } });
  });
  after(async () => h.stop());

  it('should answer ORDER_ALREADY_EXISTS for the same order_id with another amount, currency or buyer', async () => {
    const o = await h.api.recordOrder({ merchantId: 'A1', orderId: 'O1', buyerId: 'B1', amount: usd(500) });
    await runCases([
      { label: 'other amount', run: () => h.api.recordOrder({ merchantId: 'A1', orderId: 'O1', buyerId: 'B1', amount: usd(501) }), code: status.ALREADY_EXISTS, reason: 'ORDER_ALREADY_EXISTS' },
      { label: 'other currency', run: () => h.api.recordOrder({ merchantId: 'A1', orderId: 'O1', buyerId: 'B1', amount: { currencyCode: 'EUR', minorUnits: '500' } }), code: status.ALREADY_EXISTS, reason: 'ORDER_ALREADY_EXISTS' },
      { label: 'other buyer', run: () => h.api.recordOrder({ merchantId: 'A1', orderId: 'O1', buyerId: 'B2', amount: usd(500) }), code: status.ALREADY_EXISTS, reason: 'ORDER_ALREADY_EXISTS' },
    ], () => world(h.api, ['A1']));
    expect(await h.api.getOrder({ merchantId: 'A1', orderId: 'O1' })).to.deep.equal(o);
    const err = await expectError(h.api.recordOrder({ merchantId: 'A1', orderId: 'O1', buyerId: 'B1', amount: usd(1) }), status.ALREADY_EXISTS, 'ORDER_ALREADY_EXISTS');
    expect(errorInfoOf(err)!.metadata.order_id).to.equal('O1');
  });

  it('should return the order as it is now when the same order is replayed, without a new event', async () => {
    const first = await h.api.recordOrder({ merchantId: 'A2', orderId: 'O1', buyerId: 'B1', amount: usd(500) });
    const seq = await lastSeq(h.api, 'A2');
    const again = await h.api.recordOrder({ merchantId: 'A2', orderId: 'O1', buyerId: 'B1', amount: usd(500) });
    expect(again).to.deep.equal(first);
    expect(await lastSeq(h.api, 'A2')).to.equal(seq);
    await h.api.completeOrder({ merchantId: 'A2', orderId: 'O1' });
    const seq2 = await lastSeq(h.api, 'A2');
    const replay = await h.api.recordOrder({ merchantId: 'A2', orderId: 'O1', buyerId: 'B1', amount: usd(500) });
    expect(replay.state).to.equal('ORDER_STATE_COMPLETED');
    expect(await lastSeq(h.api, 'A2')).to.equal(seq2);
    expect((await h.api.getMerchant({ merchantId: 'A2' })).ordersRecorded).to.equal('1');
  });

  it('should answer REQUEST_ID_REUSED for a request_id reused with other content, changing nothing', async () => {
    await recordOrders(h.api, 'A3', 3);
    const f = await h.api.requestFinancing({ merchantId: 'A3', lenderId: 'L1', amount: usd(1000), requestId: 'same' });
    await h.api.upsertLender({ lender: { ...LENDER, lenderId: 'L2', gatewayTarget: h.gw.target } });
    await runCases([
      { label: 'other amount', run: () => h.api.requestFinancing({ merchantId: 'A3', lenderId: 'L1', amount: usd(999), requestId: 'same' }), code: status.ALREADY_EXISTS, reason: 'REQUEST_ID_REUSED' },
      { label: 'other lender', run: () => h.api.requestFinancing({ merchantId: 'A3', lenderId: 'L2', amount: usd(1000), requestId: 'same' }), code: status.ALREADY_EXISTS, reason: 'REQUEST_ID_REUSED' },
      { label: 'other currency', run: () => h.api.requestFinancing({ merchantId: 'A3', lenderId: 'L1', amount: { currencyCode: 'EUR', minorUnits: '1000' }, requestId: 'same' }), code: status.ALREADY_EXISTS, reason: 'REQUEST_ID_REUSED' },
    ], () => world(h.api, ['A3'], [['A3', f.financingId]]));
  });

  it('should answer RESOURCE_EXHAUSTED (TOO_MANY_ORDERS) past the order limit, and still replay known orders', async () => {
    const small = await startHarness({ maxOrdersPerMerchant: 2 });
    try {
      await recordOrders(small.api, 'T1', 2);
      const before = await small.api.getMerchant({ merchantId: 'T1' });
      await expectError(small.api.recordOrder({ merchantId: 'T1', orderId: 'O3', buyerId: 'B', amount: usd(100) }), status.RESOURCE_EXHAUSTED, 'TOO_MANY_ORDERS');
      expect(await small.api.getMerchant({ merchantId: 'T1' })).to.deep.equal(before);
      const replay = await small.api.recordOrder({ merchantId: 'T1', orderId: 'O2', buyerId: 'B2', amount: usd(20000) });
      expect(replay.orderId).to.equal('O2');
    } finally {
      await small.stop();
    }
  });
});

describe('error contract: FAILED_PRECONDITION, PERMISSION_DENIED and verification', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
    const target = h.gw.target;
    await h.api.upsertLender({ lender: { ...LENDER, gatewayTarget: target, verificationThreshold: usd(50000) } }); // L1: step-up at 50000
    await h.api.upsertLender({ lender: { ...LENDER, lenderId: 'L2', gatewayTarget: target } }); // no threshold, no refund limit
    await h.api.upsertLender({ lender: { ...LENDER, lenderId: 'LMIN', gatewayTarget: target, minCompletedOrders: '3' } });
    await h.api.upsertLender({ lender: { ...LENDER, lenderId: 'LRATE', gatewayTarget: target, maxRefundRateBps: 2500 } });
    await h.api.upsertLender({ lender: { ...LENDER, lenderId: 'LZERO', gatewayTarget: target, maxRefundRateBps: 0 } });
  });
  after(async () => h.stop());

  /** Records orders and returns a NOTIFIED financing from L2. */
  async function notified(merchantId: string, requestId = 'r'): Promise<Financing__Output> {
    await recordOrders(h.api, merchantId, 4);
    const f = await h.api.requestFinancing({ merchantId, lenderId: 'L2', amount: usd(20000), requestId });
    expect(f.state).to.equal('FINANCING_STATE_NOTIFIED');
    return f;
  }

  /** Records orders and returns a financing from L1 awaiting verification. */
  async function awaiting(merchantId: string): Promise<Financing__Output> {
    await recordOrders(h.api, merchantId, 6);
    const f = await h.api.requestFinancing({ merchantId, lenderId: 'L1', amount: usd(40000), requestId: 'r' });
    expect(f.state).to.equal('FINANCING_STATE_AWAITING_VERIFICATION');
    return f;
  }

  it('should answer FINANCING_IN_PROGRESS while a financing is active, leaving it untouched', async () => {
    const f = await notified('P1');
    const snap = () => world(h.api, ['P1'], [['P1', f.financingId]]);
    await runCases([
      { label: 'same lender', run: () => h.api.requestFinancing({ merchantId: 'P1', lenderId: 'L2', amount: usd(100), requestId: 'r2' }), code: status.FAILED_PRECONDITION, reason: 'FINANCING_IN_PROGRESS' },
      { label: 'other lender', run: () => h.api.requestFinancing({ merchantId: 'P1', lenderId: 'L1', amount: usd(100), requestId: 'r3' }), code: status.FAILED_PRECONDITION, reason: 'FINANCING_IN_PROGRESS' },
      { label: 'unknown lender', run: () => h.api.requestFinancing({ merchantId: 'P1', lenderId: 'NOPE', amount: usd(100), requestId: 'r4' }), code: status.FAILED_PRECONDITION, reason: 'FINANCING_IN_PROGRESS' },
    ], snap);
    const err = await expectError(h.api.requestFinancing({ merchantId: 'P1', lenderId: 'L2', amount: usd(100), requestId: 'r5' }), status.FAILED_PRECONDITION, 'FINANCING_IN_PROGRESS');
    expect(errorInfoOf(err)!.metadata.financing_id).to.equal(f.financingId);
    // Replaying the active financing's own request_id is not an error.
    expect((await h.api.requestFinancing({ merchantId: 'P1', lenderId: 'L2', amount: usd(20000), requestId: 'r' })).financingId).to.equal(f.financingId);
  });

  it('should answer NOT_ELIGIBLE below min_completed_orders, record the financing REJECTED and pledge nothing', async () => {
    await recordOrders(h.api, 'E1', 6);
    await h.api.completeOrder({ merchantId: 'E1', orderId: 'O1' });
    await h.api.completeOrder({ merchantId: 'E1', orderId: 'O2' });
    const before = await h.api.getMerchant({ merchantId: 'E1' });
    const err = await expectError(h.api.requestFinancing({ merchantId: 'E1', lenderId: 'LMIN', amount: usd(1000), requestId: 'e1' }), status.FAILED_PRECONDITION, 'NOT_ELIGIBLE');
    const fid = errorInfoOf(err)!.metadata.financing_id!;
    const f = await h.api.getFinancing({ merchantId: 'E1', financingId: fid });
    expect(f.state).to.equal('FINANCING_STATE_REJECTED');
    expect(f.endReason).to.equal('NOT_ELIGIBLE');
    expect(f.poolOrderCount).to.equal('0');
    const after = await h.api.getMerchant({ merchantId: 'E1' });
    expect(after.state).to.equal('MERCHANT_STATE_IDLE');
    expect(after.activeFinancing).to.equal(null);
    expect(after.openOrderCount).to.equal(before.openOrderCount);
    expect(after.openOrderTotal).to.deep.equal(before.openOrderTotal);
    expect(Number(after.lastSequence)).to.equal(Number(before.lastSequence) + 2); // FINANCING_REQUESTED, FINANCING_REJECTED
    // The request_id now answers the same error.
    await expectError(h.api.requestFinancing({ merchantId: 'E1', lenderId: 'LMIN', amount: usd(1000), requestId: 'e1' }), status.FAILED_PRECONDITION, 'NOT_ELIGIBLE');
    expect(await lastSeq(h.api, 'E1')).to.equal(Number(after.lastSequence));
    // Exactly min_completed_orders is enough.
    await h.api.completeOrder({ merchantId: 'E1', orderId: 'O3' });
    const ok = await h.api.requestFinancing({ merchantId: 'E1', lenderId: 'LMIN', amount: usd(1000), requestId: 'e1b' });
    expect(ok.state).to.equal('FINANCING_STATE_NOTIFIED');
  });

  it('should answer NOT_ELIGIBLE above max_refund_rate_bps, and accept exactly the limit', async () => {
    await recordOrders(h.api, 'E2', 8, 10000);
    await h.api.completeOrder({ merchantId: 'E2', orderId: 'O1' });
    await h.api.completeOrder({ merchantId: 'E2', orderId: 'O2' });
    await h.api.refundOrder({ merchantId: 'E2', orderId: 'O3', reason: 'x' });
    // 1 / 3 refunded = 3333 bps > 2500
    const err = await expectError(h.api.requestFinancing({ merchantId: 'E2', lenderId: 'LRATE', amount: usd(1000), requestId: 'e2' }), status.FAILED_PRECONDITION, 'NOT_ELIGIBLE');
    const f = await h.api.getFinancing({ merchantId: 'E2', financingId: errorInfoOf(err)!.metadata.financing_id! });
    expect(f.state).to.equal('FINANCING_STATE_REJECTED');
    // 1 / 4 = 2500 bps: at the limit, eligible.
    await h.api.completeOrder({ merchantId: 'E2', orderId: 'O4' });
    const ok = await h.api.requestFinancing({ merchantId: 'E2', lenderId: 'LRATE', amount: usd(1000), requestId: 'e2b' });
    expect(ok.state).to.equal('FINANCING_STATE_NOTIFIED');
  });

  it('should treat max_refund_rate_bps 0 as "no refunds" and an unset one as no limit', async () => {
    await recordOrders(h.api, 'E3', 6, 10000);
    for (const id of ['O1', 'O2', 'O3']) await h.api.completeOrder({ merchantId: 'E3', orderId: id });
    // No refund yet: a zero limit is met.
    const ok0 = await h.api.requestFinancing({ merchantId: 'E3', lenderId: 'LZERO', amount: usd(1000), requestId: 'z0' });
    await h.api.cancelFinancing({ merchantId: 'E3', financingId: ok0.financingId, reason: '' });
    await h.api.refundOrder({ merchantId: 'E3', orderId: 'O4', reason: 'x' });
    await expectError(h.api.requestFinancing({ merchantId: 'E3', lenderId: 'LZERO', amount: usd(1000), requestId: 'z1' }), status.FAILED_PRECONDITION, 'NOT_ELIGIBLE');
    // L2 was upserted without max_refund_rate_bps: no limit.
    const ok = await h.api.requestFinancing({ merchantId: 'E3', lenderId: 'L2', amount: usd(1000), requestId: 'z2' });
    expect(ok.state).to.equal('FINANCING_STATE_NOTIFIED');
    expect((await h.api.getLender({ lenderId: 'L2' })).maxRefundRateBps).to.equal(undefined);
  });

  it('should answer CURRENCY_NOT_SUPPORTED when the lender finances in another currency', async () => {
    await h.api.recordOrder({ merchantId: 'C1', orderId: 'O1', buyerId: 'B', amount: { currencyCode: 'EUR', minorUnits: '90000' } });
    await expectError(h.api.requestFinancing({ merchantId: 'C1', lenderId: 'L1', amount: { currencyCode: 'EUR', minorUnits: '1000' }, requestId: 'c' }), status.FAILED_PRECONDITION, 'CURRENCY_NOT_SUPPORTED');
    expect((await h.api.getOrder({ merchantId: 'C1', orderId: 'O1' })).state).to.equal('ORDER_STATE_OPEN');
  });

  it('should answer ORDER_REFUNDED / ORDER_COMPLETED, and return an already-ended order unchanged', async () => {
    await recordOrders(h.api, 'R1', 2);
    const refunded = await h.api.refundOrder({ merchantId: 'R1', orderId: 'O1', reason: 'broken' });
    const completed = await h.api.completeOrder({ merchantId: 'R1', orderId: 'O2' });
    await runCases([
      { label: 'complete a refunded order', run: () => h.api.completeOrder({ merchantId: 'R1', orderId: 'O1' }), code: status.FAILED_PRECONDITION, reason: 'ORDER_REFUNDED' },
      { label: 'refund a completed order', run: () => h.api.refundOrder({ merchantId: 'R1', orderId: 'O2', reason: 'late' }), code: status.FAILED_PRECONDITION, reason: 'ORDER_COMPLETED' },
    ], () => world(h.api, ['R1']));
    const seq = await lastSeq(h.api, 'R1');
    expect(await h.api.refundOrder({ merchantId: 'R1', orderId: 'O1', reason: 'other' })).to.deep.equal(refunded);
    expect(await h.api.completeOrder({ merchantId: 'R1', orderId: 'O2' })).to.deep.equal(completed);
    expect(await lastSeq(h.api, 'R1')).to.equal(seq);
  });

  it('should answer FINANCING_NOT_NOTIFIED to a lender before the merchant verified, and on an ended financing', async () => {
    const f = await awaiting('N1');
    const fid = f.financingId;
    await runCases([
      { label: 'confirm while awaiting verification', run: () => h.api.confirmDisbursement({ merchantId: 'N1', financingId: fid, lenderId: 'L1', amount: f.approved!, lenderReference: 'w' }), code: status.FAILED_PRECONDITION, reason: 'FINANCING_NOT_NOTIFIED' },
      { label: 'decline while awaiting verification', run: () => h.api.declineFinancing({ merchantId: 'N1', financingId: fid, lenderId: 'L1', reason: 'no' }), code: status.FAILED_PRECONDITION, reason: 'FINANCING_NOT_NOTIFIED' },
    ], () => world(h.api, ['N1'], [['N1', fid]]));
    await h.api.cancelFinancing({ merchantId: 'N1', financingId: fid, reason: 'changed my mind' });
    await runCases([
      { label: 'confirm a cancelled financing', run: () => h.api.confirmDisbursement({ merchantId: 'N1', financingId: fid, lenderId: 'L1', amount: f.approved!, lenderReference: 'w' }), code: status.FAILED_PRECONDITION, reason: 'FINANCING_NOT_NOTIFIED' },
    ], () => world(h.api, ['N1'], [['N1', fid]]));
  });

  it('should answer AMOUNT_MISMATCH (INVALID_ARGUMENT) to a confirmation of another amount or currency', async () => {
    const f = await notified('AM1');
    const c = (label: string, amount: { currencyCode: string; minorUnits: string }): Case => ({
      label, run: () => h.api.confirmDisbursement({ merchantId: 'AM1', financingId: f.financingId, lenderId: 'L2', amount, lenderReference: 'w' }), code: status.INVALID_ARGUMENT, reason: 'AMOUNT_MISMATCH',
    });
    await runCases([
      c('approved - 1', usd(19999)),
      c('approved + 1', usd(20001)),
      c('approved + fee', usd(20400)),
      c('other currency', { currencyCode: 'EUR', minorUnits: '20000' }),
    ], () => world(h.api, ['AM1'], [['AM1', f.financingId]]));
    const err = await expectError(h.api.confirmDisbursement({ merchantId: 'AM1', financingId: f.financingId, lenderId: 'L2', amount: usd(1), lenderReference: 'w' }), status.INVALID_ARGUMENT, 'AMOUNT_MISMATCH');
    expect(errorInfoOf(err)!.metadata.approved).to.equal('20000');
    expect(detailsOf(err)!.violations?.map((v) => v.field)).to.deep.equal(['amount']);
  });

  it('should answer PERMISSION_DENIED (LENDER_MISMATCH) to another lender', async () => {
    const f = await notified('LM1');
    await runCases([
      { label: 'confirm by L1', run: () => h.api.confirmDisbursement({ merchantId: 'LM1', financingId: f.financingId, lenderId: 'L1', amount: usd(20000), lenderReference: 'w' }), code: status.PERMISSION_DENIED, reason: 'LENDER_MISMATCH' },
      { label: 'decline by L1', run: () => h.api.declineFinancing({ merchantId: 'LM1', financingId: f.financingId, lenderId: 'L1', reason: 'no' }), code: status.PERMISSION_DENIED, reason: 'LENDER_MISMATCH' },
      { label: 'confirm by an unknown lender', run: () => h.api.confirmDisbursement({ merchantId: 'LM1', financingId: f.financingId, lenderId: 'NOPE', amount: usd(20000), lenderReference: 'w' }), code: status.PERMISSION_DENIED, reason: 'LENDER_MISMATCH' },
    ], () => world(h.api, ['LM1'], [['LM1', f.financingId]]));
    // The right lender still can.
    expect((await h.api.confirmDisbursement({ merchantId: 'LM1', financingId: f.financingId, lenderId: 'L2', amount: usd(20000), lenderReference: 'w' })).state).to.equal('FINANCING_STATE_SETTLING');
  });

  it('should answer FINANCING_ALREADY_DISBURSED once settling, and replay the same confirmation', async () => {
    const f = await notified('D1');
    const settling = await h.api.confirmDisbursement({ merchantId: 'D1', financingId: f.financingId, lenderId: 'L2', amount: usd(20000), lenderReference: 'wire-1' });
    expect(settling.state).to.equal('FINANCING_STATE_SETTLING');
    await runCases([
      { label: 'cancel', run: () => h.api.cancelFinancing({ merchantId: 'D1', financingId: f.financingId, reason: '' }), code: status.FAILED_PRECONDITION, reason: 'FINANCING_ALREADY_DISBURSED' },
      { label: 'decline', run: () => h.api.declineFinancing({ merchantId: 'D1', financingId: f.financingId, lenderId: 'L2', reason: 'no' }), code: status.FAILED_PRECONDITION, reason: 'FINANCING_ALREADY_DISBURSED' },
      { label: 'confirm with another reference', run: () => h.api.confirmDisbursement({ merchantId: 'D1', financingId: f.financingId, lenderId: 'L2', amount: usd(20000), lenderReference: 'wire-2' }), code: status.FAILED_PRECONDITION, reason: 'FINANCING_ALREADY_DISBURSED' },
      { label: 'verify', run: () => h.api.verifyFinancing({ merchantId: 'D1', financingId: f.financingId, code: '123456' }), code: status.FAILED_PRECONDITION, reason: 'FINANCING_NOT_AWAITING_VERIFICATION' },
    ], () => world(h.api, ['D1'], [['D1', f.financingId]]));
    const seq = await lastSeq(h.api, 'D1');
    expect(await h.api.confirmDisbursement({ merchantId: 'D1', financingId: f.financingId, lenderId: 'L2', amount: usd(20000), lenderReference: 'wire-1' })).to.deep.equal(settling);
    expect(await lastSeq(h.api, 'D1')).to.equal(seq);
  });

  it('should answer FINANCING_ENDED for cancel/decline of an ended financing, and replay cancel/decline of the same end', async () => {
    const f1 = await notified('X1');
    const declined = await h.api.declineFinancing({ merchantId: 'X1', financingId: f1.financingId, lenderId: 'L2', reason: 'risk' });
    expect(declined.state).to.equal('FINANCING_STATE_DECLINED');
    const f2 = await h.api.requestFinancing({ merchantId: 'X1', lenderId: 'L2', amount: usd(20000), requestId: 'r2' });
    const cancelled = await h.api.cancelFinancing({ merchantId: 'X1', financingId: f2.financingId, reason: '' });
    expect(cancelled.state).to.equal('FINANCING_STATE_CANCELLED');
    await runCases([
      { label: 'cancel a declined financing', run: () => h.api.cancelFinancing({ merchantId: 'X1', financingId: f1.financingId, reason: '' }), code: status.FAILED_PRECONDITION, reason: 'FINANCING_ENDED' },
      { label: 'decline a cancelled financing', run: () => h.api.declineFinancing({ merchantId: 'X1', financingId: f2.financingId, lenderId: 'L2', reason: '' }), code: status.FAILED_PRECONDITION, reason: 'FINANCING_ENDED' },
      { label: 'verify a declined financing', run: () => h.api.verifyFinancing({ merchantId: 'X1', financingId: f1.financingId, code: '123456' }), code: status.FAILED_PRECONDITION, reason: 'FINANCING_NOT_AWAITING_VERIFICATION' },
    ], () => world(h.api, ['X1'], [['X1', f1.financingId], ['X1', f2.financingId]]));
    const seq = await lastSeq(h.api, 'X1');
    expect(await h.api.declineFinancing({ merchantId: 'X1', financingId: f1.financingId, lenderId: 'L2', reason: 'again' })).to.deep.equal(declined);
    expect(await h.api.cancelFinancing({ merchantId: 'X1', financingId: f2.financingId, reason: 'again' })).to.deep.equal(cancelled);
    expect(await lastSeq(h.api, 'X1')).to.equal(seq);
  });

  it('should answer FINANCING_NOT_AWAITING_VERIFICATION to a code for a financing that needs none', async () => {
    const f = await notified('V1');
    await runCases([
      { label: 'verify a NOTIFIED financing', run: () => h.api.verifyFinancing({ merchantId: 'V1', financingId: f.financingId, code: '123456' }), code: status.FAILED_PRECONDITION, reason: 'FINANCING_NOT_AWAITING_VERIFICATION' },
    ], () => world(h.api, ['V1'], [['V1', f.financingId]]));
  });

  it('should cancel the financing, release the pool and reopen its orders after 5 wrong codes (VERIFICATION_ATTEMPTS_EXHAUSTED)', async () => {
    const f = await awaiting('VX');
    const fid = f.financingId;
    expect(f.verificationAttemptsLeft).to.equal(5);
    expect(f.poolOrderCount).to.equal('3');
    const code = await codeFor(h, fid);
    const seq0 = await lastSeq(h.api, 'VX');
    for (let i = 0; i < 4; i++) {
      const err = await expectError(h.api.verifyFinancing({ merchantId: 'VX', financingId: fid, code: wrongCode(code, i) }), status.INVALID_ARGUMENT, 'VERIFICATION_CODE_MISMATCH');
      expect(errorInfoOf(err)!.metadata.attempts_left).to.equal(String(4 - i));
      const now = await h.api.getFinancing({ merchantId: 'VX', financingId: fid });
      expect(now.state).to.equal('FINANCING_STATE_AWAITING_VERIFICATION');
      expect(now.verificationAttemptsLeft).to.equal(4 - i);
    }
    const err = await expectError(h.api.verifyFinancing({ merchantId: 'VX', financingId: fid, code: wrongCode(code, 4) }), status.INVALID_ARGUMENT, 'VERIFICATION_ATTEMPTS_EXHAUSTED');
    expect(errorInfoOf(err)!.metadata.attempts_left).to.equal('0');

    const ended = await h.api.getFinancing({ merchantId: 'VX', financingId: fid });
    expect(ended.state).to.equal('FINANCING_STATE_CANCELLED');
    expect(ended.endReason).to.equal('VERIFICATION_ATTEMPTS_EXHAUSTED');
    expect(ended.poolTotal?.minorUnits).to.equal('0');
    expect(ended.poolOrderCount).to.equal('0');
    expect((await h.api.listPoolOrders({ merchantId: 'VX', financingId: fid, pageSize: 0, pageToken: '' })).orders).to.deep.equal([]);
    for (let i = 1; i <= 6; i++) {
      const o = await h.api.getOrder({ merchantId: 'VX', orderId: `O${i}` });
      expect(o.state, `O${i}`).to.equal('ORDER_STATE_OPEN');
      expect(o.financingId, `O${i}`).to.equal('');
    }
    const m = await h.api.getMerchant({ merchantId: 'VX' });
    expect(m.state).to.equal('MERCHANT_STATE_IDLE');
    expect(m.activeFinancing).to.equal(null);
    expect(m.openOrderCount).to.equal('6');
    expect(m.openOrderTotal?.minorUnits).to.equal('120000');
    // 5 VERIFICATION_FAILED, 3 ORDER_RELEASED, FINANCING_CANCELLED.
    const events = (await h.api.listMerchantEvents({ merchantId: 'VX', pageSize: 1000, pageToken: '' })).events.filter((e) => Number(e.sequence) > seq0);
    expect(events.map((e) => e.type)).to.deep.equal([
      ...Array(5).fill('MERCHANT_EVENT_TYPE_VERIFICATION_FAILED'),
      ...Array(3).fill('MERCHANT_EVENT_TYPE_ORDER_RELEASED'),
      'MERCHANT_EVENT_TYPE_FINANCING_CANCELLED',
    ]);

    // The right code is too late now.
    await expectError(h.api.verifyFinancing({ merchantId: 'VX', financingId: fid, code }), status.FAILED_PRECONDITION, 'FINANCING_NOT_AWAITING_VERIFICATION');
    await h.server.delivery.idle();
    expect(h.gw.calls.filter((c) => c.financingId === fid).map((c) => c.method)).to.deep.equal(['SendVerificationCode']);
    // The merchant may ask again.
    const again = await h.api.requestFinancing({ merchantId: 'VX', lenderId: 'L1', amount: usd(40000), requestId: 'again' });
    expect(again.state).to.equal('FINANCING_STATE_AWAITING_VERIFICATION');
  });

  it('should answer VERIFICATION_EXPIRED (financing EXPIRED) to the right code after it expired', async () => {
    const f = await awaiting('VE');
    const code = await codeFor(h, f.financingId);
    h.clock.advance(10 * 60_000 + 1);
    // Whether the deadline timer or this call ends it, the answer is the same.
    await expectError(h.api.verifyFinancing({ merchantId: 'VE', financingId: f.financingId, code }), status.FAILED_PRECONDITION, 'VERIFICATION_EXPIRED');
    await expectError(h.api.verifyFinancing({ merchantId: 'VE', financingId: f.financingId, code }), status.FAILED_PRECONDITION, 'VERIFICATION_EXPIRED');
    const ended = await h.api.getFinancing({ merchantId: 'VE', financingId: f.financingId });
    expect(ended.state).to.equal('FINANCING_STATE_EXPIRED');
    expect(ended.endReason).to.equal('VERIFICATION_EXPIRED');
  });
});

describe('error contract: StreamOrderEvents acks', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => h.stop());

  it('should ack every event in order, carry a bad event\'s error in its ack and go on', async () => {
    const rec = (orderId: string, amount: unknown = usd(100), merchantId = 'S1'): OrderEvent =>
      ({ record: { merchantId, orderId, buyerId: 'B', amount: amount as ReturnType<typeof usd> } });
    const events: OrderEvent[] = [
      rec('O1'), //                                                0 ok
      rec('O2', usd(0)), //                                        1 INVALID_AMOUNT
      rec('O1', usd(101)), //                                      2 ORDER_ALREADY_EXISTS
      { complete: { merchantId: 'S1', orderId: 'NOPE' } }, //      3 ORDER_NOT_FOUND
      { complete: { merchantId: 'S1', orderId: 'O1' } }, //        4 ok
      { refund: { merchantId: 'S1', orderId: 'O1', reason: 'x' } }, // 5 ORDER_COMPLETED
      {}, //                                                       6 MISSING_FIELD (no event)
      { refund: { merchantId: 'GHOST', orderId: 'O1', reason: '' } }, // 7 MERCHANT_NOT_FOUND
      rec('O3', { currencyCode: 'usd', minorUnits: '5' }), //      8 INVALID_CURRENCY
      rec('O4', usd(100), ''), //                                  9 MISSING_FIELD
      rec('O5'), //                                               10 ok
      rec('O1'), //                                               11 ok (replay)
      { refund: { merchantId: 'S1', orderId: 'O5', reason: 'r'.repeat(513) } }, // 12 INVALID_FIELD
      { refund: { merchantId: 'S1', orderId: 'O5', reason: 'broken' } }, //       13 ok
      { complete: { merchantId: 'S1', orderId: 'O5' } }, //                       14 ORDER_REFUNDED
    ];
    const expected: ([grpc.status, string, string?] | string)[] = [
      'ORDER_STATE_OPEN',
      [status.INVALID_ARGUMENT, 'INVALID_AMOUNT', 'amount.minor_units'],
      [status.ALREADY_EXISTS, 'ORDER_ALREADY_EXISTS'],
      [status.NOT_FOUND, 'ORDER_NOT_FOUND'],
      'ORDER_STATE_COMPLETED',
      [status.FAILED_PRECONDITION, 'ORDER_COMPLETED'],
      [status.INVALID_ARGUMENT, 'MISSING_FIELD', 'event'],
      [status.NOT_FOUND, 'MERCHANT_NOT_FOUND'],
      [status.INVALID_ARGUMENT, 'INVALID_CURRENCY', 'amount.currency_code'],
      [status.INVALID_ARGUMENT, 'MISSING_FIELD', 'merchant_id'],
      'ORDER_STATE_OPEN',
      'ORDER_STATE_COMPLETED',
      [status.INVALID_ARGUMENT, 'INVALID_FIELD', 'reason'],
      'ORDER_STATE_REFUNDED',
      [status.FAILED_PRECONDITION, 'ORDER_REFUNDED'],
    ];
    const acks = await streamEvents(h.api, events);
    expect(acks.map((a) => a.index)).to.deep.equal(events.map((_, i) => String(i)));
    const got = acks.map((a) => {
      if (!a.error) return a.order?.state ?? 'no order';
      const info = errorInfoOfStatus(a.error as never);
      expect(info?.domain, `ack ${a.index} domain`).to.equal('orderpool.v1');
      const bad = a.error.details.find((d) => d.type_url === 'type.googleapis.com/google.rpc.BadRequest');
      const field = bad ? (pb.BadRequest.toObject(pb.BadRequest.decode(bad.value), { defaults: true }) as { field_violations: FieldViolation[] }).field_violations[0]?.field : undefined;
      expect(a.order, `ack ${a.index} has an error and an order`).to.equal(null);
      return field === undefined ? [a.error.code, info?.reason] : [a.error.code, info?.reason, field];
    });
    expect(got).to.deep.equal(expected);
    expect(acks[0]!.order?.orderId).to.equal('O1');
    // Only the good events changed anything: O1 recorded, completed; O5 recorded, refunded.
    const m = await h.api.getMerchant({ merchantId: 'S1' });
    expect(m.lastSequence).to.equal('4');
    expect(m.ordersRecorded).to.equal('2');
    await expectError(h.api.getMerchant({ merchantId: 'GHOST' }), status.NOT_FOUND, 'MERCHANT_NOT_FOUND');
    await expectError(h.api.getOrder({ merchantId: 'S1', orderId: 'O2' }), status.NOT_FOUND, 'ORDER_NOT_FOUND');
  });

  it('should ack an all-bad stream and a long mixed stream one for one', async () => {
    const events: OrderEvent[] = [];
    for (let i = 0; i < 300; i++) {
      events.push(i % 3 === 1
        ? { record: { merchantId: `S${i % 7}`, orderId: `Q${i}`, buyerId: 'B', amount: usd(-5) } }
        : { record: { merchantId: `S${i % 7}`, orderId: `Q${i}`, buyerId: 'B', amount: usd(i + 1) } });
    }
    const acks = await streamEvents(h.api, events);
    expect(acks).to.have.length(300);
    acks.forEach((a, i) => {
      expect(a.index).to.equal(String(i));
      if (i % 3 === 1) expect(errorInfoOfStatus(a.error as never)?.reason, `ack ${i}`).to.equal('INVALID_AMOUNT');
      else expect(a.order?.orderId, `ack ${i}`).to.equal(`Q${i}`);
    });
    const allBad = await streamEvents(h.api, [{}, {}, { complete: { merchantId: 'S1', orderId: 'NOPE' } }]);
    expect(allBad.map((a) => [a.index, errorInfoOfStatus(a.error as never)?.reason])).to.deep.equal([
      ['0', 'MISSING_FIELD'], ['1', 'MISSING_FIELD'], ['2', 'ORDER_NOT_FOUND'],
    ]);
  });
});
