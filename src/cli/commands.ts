/**
 * The commands that are one RPC each (or a few, for lists): lender, order,
 * financing, merchant. Each prints the resource (human or --json).
 */
import { randomUUID } from 'node:crypto';
import { Option, type Command } from 'commander';
import type { Context } from './context';
import { bps, currency, duration, minorUnits, moneyOf, nonNegativeInt, positiveInt } from './context';
import {
  eventLine, financingText, lenderText, lendersTable, merchantText, money, orderText, ordersTable, toJson,
} from './format';
import type { Order__Output } from '../generated/orderpool/v1/Order';
import type { Lender__Output } from '../generated/orderpool/v1/Lender';
import type { MerchantEvent__Output } from '../generated/orderpool/v1/MerchantEvent';

/** Gives an action its Context (built from the global options of the command it runs). */
export type ContextOf = (cmd: Command) => Context;

const amountOptions = (cmd: Command, what: string, required: boolean) => cmd
  .addOption(new Option('--amount <minor-units>', `${what}, in minor units (12500 = 125.00 USD)`).argParser(minorUnits).makeOptionMandatory(required))
  .addOption(new Option('--currency <code>', 'ISO 4217 currency of --amount, e.g. USD').argParser(currency).makeOptionMandatory(required));

export function registerLender(program: Command, contextOf: ContextOf): void {
  const lender = program.command('lender').description('register and read lenders (LenderAdminService; admin role)');

  amountOptions(
    lender.command('upsert')
      .description('create or replace a lender and its policy')
      .argument('<lender-id>', 'the lender')
      .requiredOption('--gateway <host:port>', "the lender's LenderGatewayService, which orderpool calls")
      .requiredOption('--advance-rate-bps <bps>', 'share of the pool total that can be advanced (8000 = 80%)', bps)
      .requiredOption('--repayment-share-bps <bps>', 'share of each completed pooled order repaid to the lender', bps)
      .option('--fee-bps <bps>', 'fee on the approved amount', bps, 0)
      .option('--min-completed-orders <n>', 'eligibility: orders the merchant must have completed', nonNegativeInt, 0)
      .option('--max-refund-rate-bps <bps>', 'eligibility: highest refunded / (completed + refunded)', bps)
      .option('--verification-ttl <duration>', 'life of a one-time code, e.g. 10m (default: the server\'s)', duration)
      .option('--disbursement-timeout <duration>', 'time to confirm a disbursement, e.g. 24h (default: the server\'s)', duration),
    'step-up verification threshold: a one-time code is required when the pool total is at or above it (its currency is the only one the lender finances in)',
    false,
  )
    .addHelpText('after', `
Example:
  $ orderpool lender upsert L1 --gateway 127.0.0.1:50061 \\
      --advance-rate-bps 8000 --repayment-share-bps 5000 --fee-bps 200 \\
      --amount 100000 --currency USD`)
    .action(async (lenderId: string, o: Record<string, unknown>, cmd: Command) => {
      const ctx = contextOf(cmd);
      const threshold = moneyOf(o as { amount?: string; currency?: string }, 'a verification threshold', false);
      const l = await ctx.api().upsertLender({
        lender: {
          lenderId,
          gatewayTarget: String(o.gateway),
          advanceRateBps: o.advanceRateBps as number,
          repaymentShareBps: o.repaymentShareBps as number,
          feeBps: o.feeBps as number,
          verificationThreshold: threshold,
          minCompletedOrders: String(o.minCompletedOrders),
          ...(o.maxRefundRateBps === undefined ? {} : { maxRefundRateBps: o.maxRefundRateBps as number }),
          verificationTtl: (o.verificationTtl as { seconds: string; nanos: number } | undefined) ?? null,
          disbursementTimeout: (o.disbursementTimeout as { seconds: string; nanos: number } | undefined) ?? null,
        },
      });
      ctx.print(toJson(l), () => lenderText(l));
    });

  lender.command('get')
    .description('show a lender')
    .argument('<lender-id>', 'the lender')
    .action(async (lenderId: string, _o: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      const l = await ctx.api().getLender({ lenderId });
      ctx.print(toJson(l), () => lenderText(l));
    });

  lender.command('list')
    .description('list every lender')
    .action(async (_o: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      const all: Lender__Output[] = [];
      let pageToken = '';
      do {
        const page = await ctx.api().listLenders({ pageSize: 1000, pageToken });
        all.push(...page.lenders);
        pageToken = page.nextPageToken;
      } while (pageToken);
      ctx.print({ lenders: toJson(all) }, () => lendersTable(all));
    });
}

export function registerOrder(program: Command, contextOf: ContextOf): void {
  const order = program.command('order').description("record, complete, refund and read buyers' orders (platform role)");

  amountOptions(
    order.command('record')
      .description('record a buyer\'s order owed to a merchant (the first order creates the merchant)')
      .argument('<merchant-id>', 'the merchant owed the order')
      .argument('<order-id>', 'unique per merchant')
      .requiredOption('--buyer <buyer-id>', 'the buyer'),
    "the order's amount",
    true,
  )
    .addHelpText('after', `
Example:
  $ orderpool order record M1 O1 --buyer B1 --amount 12500 --currency USD

Replaying the same order returns it as it is now; the same order id with another
buyer or amount fails with ALREADY_EXISTS ORDER_ALREADY_EXISTS.`)
    .action(async (merchantId: string, orderId: string, o: { buyer: string; amount: string; currency: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const r = await ctx.api().recordOrder({ merchantId, orderId, buyerId: o.buyer, amount: moneyOf(o, 'an order')! });
      ctx.print(toJson(r), () => orderText(r));
    });

  order.command('complete')
    .description('the buyer confirmed: release the order\'s money (a pooled order repays the lender)')
    .argument('<merchant-id>')
    .argument('<order-id>')
    .action(async (merchantId: string, orderId: string, _o: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      const r = await ctx.api().completeOrder({ merchantId, orderId });
      ctx.print(toJson(r), () => orderText(r));
    });

  order.command('refund')
    .description('the money goes back to the buyer (a pooled order leaves the pool)')
    .argument('<merchant-id>')
    .argument('<order-id>')
    .option('--reason <text>', 'why (free text)', '')
    .action(async (merchantId: string, orderId: string, o: { reason: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const r = await ctx.api().refundOrder({ merchantId, orderId, reason: o.reason });
      ctx.print(toJson(r), () => orderText(r));
    });

  order.command('get')
    .description('show an order')
    .argument('<merchant-id>')
    .argument('<order-id>')
    .action(async (merchantId: string, orderId: string, _o: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      const r = await ctx.api().getOrder({ merchantId, orderId });
      ctx.print(toJson(r), () => orderText(r));
    });
}

export function registerFinancing(program: Command, contextOf: ContextOf): void {
  const financing = program.command('financing')
    .description('request, verify, confirm, decline, cancel and read financings')
    .addHelpText('after', `
A whole financing, by hand:
  $ orderpool financing request M1 --lender L1 --amount 50000 --currency USD --request-id r-1
  $ orderpool financing verify M1 FIN --code 123456       # only when a one-time code was sent
  $ orderpool financing confirm M1 FIN --lender L1 --amount 50000 --currency USD --reference wire-1
  $ orderpool order complete M1 O1                         # each completion repays the lender
  $ orderpool financing get M1 FIN
  $ orderpool financing pool M1 FIN`);

  amountOptions(
    financing.command('request')
      .description('the merchant asks a lender for an advance; its open orders are pledged into a pool')
      .argument('<merchant-id>', 'the borrowing merchant')
      .requiredOption('--lender <lender-id>', 'the lender asked')
      .option('--request-id <id>', 'idempotency key: re-running with the same id returns the first answer (default: a new UUID, printed)'),
    'the advance asked for',
    true,
  )
    .addHelpText('after', `
Example:
  $ orderpool financing request M1 --lender L1 --amount 50000 --currency USD --request-id r-1

Pass --request-id to retry safely: the same id returns the first answer.`)
    .action(async (merchantId: string, o: { lender: string; amount: string; currency: string; requestId?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const requestId = o.requestId ?? randomUUID();
      if (!o.requestId && !ctx.json) ctx.err(`request id ${requestId} (re-run with --request-id ${requestId} to retry safely)`);
      const f = await ctx.api().requestFinancing({ merchantId, lenderId: o.lender, amount: moneyOf(o, 'a financing request')!, requestId });
      ctx.print(toJson(f), () => financingText(f));
    });

  financing.command('verify')
    .description('submit the one-time code the merchant received (pool total at or above the lender\'s threshold)')
    .argument('<merchant-id>')
    .argument('<financing-id>')
    .requiredOption('--code <digits>', 'the 6-digit code')
    .action(async (merchantId: string, financingId: string, o: { code: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const f = await ctx.api().verifyFinancing({ merchantId, financingId, code: o.code });
      ctx.print(toJson(f), () => financingText(f));
    });

  amountOptions(
    financing.command('confirm')
      .description('the lender confirms it sent the advance: the financing starts SETTLING')
      .argument('<merchant-id>')
      .argument('<financing-id>')
      .requiredOption('--lender <lender-id>', 'the confirming lender (the financing\'s)')
      .requiredOption('--reference <lender-reference>', "the lender's reference for the transfer (replaying it is harmless)"),
    'the amount sent; must be the approved amount',
    true,
  )
    .action(async (merchantId: string, financingId: string, o: { lender: string; reference: string; amount: string; currency: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const f = await ctx.api().confirmDisbursement({
        merchantId, financingId, lenderId: o.lender, amount: moneyOf(o, 'a confirmation')!, lenderReference: o.reference,
      });
      ctx.print(toJson(f), () => financingText(f));
    });

  financing.command('decline')
    .description('the lender refuses a financing it has not disbursed; the pool is released')
    .argument('<merchant-id>')
    .argument('<financing-id>')
    .requiredOption('--lender <lender-id>', "the declining lender (the financing's)")
    .option('--reason <text>', 'why', '')
    .action(async (merchantId: string, financingId: string, o: { lender: string; reason: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const f = await ctx.api().declineFinancing({ merchantId, financingId, lenderId: o.lender, reason: o.reason });
      ctx.print(toJson(f), () => financingText(f));
    });

  financing.command('cancel')
    .description('the merchant withdraws a financing that was not disbursed; the pool is released')
    .argument('<merchant-id>')
    .argument('<financing-id>')
    .option('--reason <text>', 'why', '')
    .action(async (merchantId: string, financingId: string, o: { reason: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const f = await ctx.api().cancelFinancing({ merchantId, financingId, reason: o.reason });
      ctx.print(toJson(f), () => financingText(f));
    });

  financing.command('get')
    .description('show a financing, active or ended')
    .argument('<merchant-id>')
    .argument('<financing-id>')
    .action(async (merchantId: string, financingId: string, _o: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      const f = await ctx.api().getFinancing({ merchantId, financingId });
      ctx.print(toJson(f), () => financingText(f));
    });

  financing.command('pool')
    .description("list the orders in a financing's pool now, oldest pledged first")
    .argument('<merchant-id>')
    .argument('<financing-id>')
    .action(async (merchantId: string, financingId: string, _o: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      const orders: Order__Output[] = [];
      let pageToken = '';
      do {
        const page = await ctx.api().listPoolOrders({ merchantId, financingId, pageSize: 1000, pageToken });
        orders.push(...page.orders);
        pageToken = page.nextPageToken;
      } while (pageToken);
      ctx.print({ orders: toJson(orders) }, () => {
        if (orders.length === 0) return `the pool of ${financingId} is empty`;
        const total = orders.reduce((s, o) => s + BigInt(o.amount?.minorUnits ?? '0'), 0n);
        return `${ordersTable(orders)}\n${orders.length} orders, ${money({ currencyCode: orders[0]!.amount?.currencyCode ?? '', minorUnits: total.toString() })}`;
      });
    });
}

export function registerMerchant(program: Command, contextOf: ContextOf): void {
  const merchant = program.command('merchant').description("read a merchant's state and its events");

  merchant.command('get')
    .description('show a merchant: machine state, active financing, open orders, history')
    .argument('<merchant-id>')
    .action(async (merchantId: string, _o: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      const m = await ctx.api().getMerchant({ merchantId });
      ctx.print(toJson(m), () => merchantText(m));
    });

  merchant.command('events')
    .description("list a merchant's events in sequence order (to follow live ones: orderpool watch)")
    .argument('<merchant-id>')
    .option('--from <sequence>', 'start at this sequence', positiveInt, 1)
    .option('--limit <n>', 'at most this many events', positiveInt)
    .action(async (merchantId: string, o: { from: number; limit?: number }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const events: MerchantEvent__Output[] = [];
      let pageToken = '';
      do {
        const page = await ctx.api().listMerchantEvents({ merchantId, pageSize: 1000, pageToken });
        for (const e of page.events) if (Number(e.sequence) >= o.from && (o.limit === undefined || events.length < o.limit)) events.push(e);
        pageToken = page.nextPageToken;
      } while (pageToken && (o.limit === undefined || events.length < o.limit));
      ctx.print({ events: toJson(events) }, () => (events.length === 0 ? 'no events' : events.map(eventLine).join('\n')));
    });
}
