/**
 * Commands on the store itself: `inspect` and `restore` work offline on a
 * stopped data dir (LevelDB allows one process per directory); `backup` asks
 * the running server for a consistent copy (AdminService.CreateBackup).
 */
import type { Command } from 'commander';
import { wireEvent } from '../api/convert';
import { BackupError, openStopped, restoreStore } from '../store/backup';
import { checkDump, checkStore, currentFinancings, dumpMerchant, listOutbox, type MerchantDump, type StoreReport } from '../store/check';
import type { Backup__Output } from '../generated/orderpool/v1/Backup';
import type { CreateBackupRequest } from '../generated/orderpool/v1/CreateBackupRequest';
import type { Financing } from '../domain/types';
import type { ContextOf } from './commands';
import { CliError, EXIT, unary, type Context } from './context';
import { eventLine, isoTime, table } from './format';

const toCli = (e: unknown): unknown => (e instanceof BackupError ? new CliError(e.message) : e);

/** bigint → string, and never a verification code. */
function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (k, v) => {
    if (typeof v === 'bigint') return v.toString();
    if (k === 'code' && typeof v === 'string' && v !== '') return '<redacted>';
    return v;
  }));
}

const amt = (n: bigint, c: string) => `${n} ${c}`;
const iso = (ms: number) => (ms ? new Date(ms).toISOString() : '-');

function financingRow(f: Financing): string[] {
  return [f.financingId, f.lenderId, f.state, amt(f.requested, f.currency), amt(f.approved, f.currency), amt(f.fee, f.currency),
    `${amt(f.poolTotal, f.currency)} / ${f.poolOrderCount}`, amt(f.outstanding, f.currency), amt(f.repaid, f.currency)];
}

function merchantHuman(dir: string, d: MerchantDump, violations: string[]): string {
  const out: string[] = [];
  const s = d.snapshot!;
  const financings = currentFinancings(s, d.events, d.financings);
  // The active financing as a load restores it (also when its stored record is missing: a violation below).
  const f = s.machine.financing && currentFinancings(s, d.events, [s.machine.financing])[0];
  const tail = d.events.filter((e) => e.seq > s.seq).length;
  out.push(`merchant ${d.merchantId} in ${dir}`);
  out.push(`snapshot at #${s.seq}: machine ${s.machine.value}; ${s.history.ordersRecorded} orders recorded, ${s.history.ordersCompleted} completed, ` +
    `${s.history.ordersRefunded} refunded; ${s.history.financingsRequested} financings requested, ${s.history.financingsRepaid} repaid`);
  if (tail > 0) out.push(`  ${tail} journal events after the snapshot (a load replays them; figures below include them)`);
  if (f) {
    out.push(`  active financing ${f.financingId} ${f.state}: pool ${amt(f.poolTotal, f.currency)} in ${f.poolOrderCount} orders, ` +
      `outstanding ${amt(f.outstanding, f.currency)}${f.underCovered ? ', UNDER-COVERED' : ''}`);
  }
  out.push(...JSON.stringify(plain(s), null, 2).split('\n').map((l) => `  ${l}`));
  out.push(`journal: ${d.events.length} events`);
  for (const e of d.events) out.push(`  ${eventLine(JSON.parse(JSON.stringify(wireEvent(e))))}`);
  out.push(`orders: ${d.orders.length}`);
  if (d.orders.length > 0) {
    const rows = [...d.orders].sort((a, b) => a.arrival - b.arrival)
      .map((o) => [o.orderId, o.buyerId, amt(o.amount, o.currency), o.state, o.financingId || '-', o.repayment > 0n ? amt(o.repayment, o.currency) : '-']);
    out.push(...table(['ORDER', 'BUYER', 'AMOUNT', 'STATE', 'FINANCING', 'REPAID'], rows).split('\n').map((l) => `  ${l}`));
  }
  out.push(`financings: ${d.financings.length}`);
  if (d.financings.length > 0) {
    out.push(...table(['FINANCING', 'LENDER', 'STATE', 'REQUESTED', 'APPROVED', 'FEE', 'POOL / ORDERS', 'OUTSTANDING', 'REPAID'],
      financings.map(financingRow)).split('\n').map((l) => `  ${l}`));
  }
  out.push(`outbox: ${d.outbox.length} rows waiting for delivery`);
  if (d.outbox.length > 0) {
    out.push(...table(['ROW', 'METHOD', 'LENDER', 'FINANCING', 'AMOUNT', 'CAUSED BY', 'IDEMPOTENCY KEY'], d.outbox.map((r) => [
      r.key.slice(2), r.effect.method, r.effect.lenderId || '(notifier)', r.effect.financingId,
      r.effect.currency ? amt(r.effect.amount, r.effect.currency) : '-', `#${r.effect.seq}`, r.effect.idempotencyKey,
    ])).split('\n').map((l) => `  ${l}`));
  }
  for (const t of d.timers) out.push(`pending deadline: ${iso(t.deadline)} (financing ${t.financingId})`);
  out.push(violations.length === 0 ? 'consistency: every invariant holds' : `consistency: ${violations.length} violations`);
  for (const v of violations) out.push(`  - ${v}`);
  return out.join('\n');
}

function storeHuman(dir: string, r: StoreReport, outboxByMethod: Map<string, number>): string {
  const out = [`store ${dir}: ${r.merchants} merchants, ${r.orders} orders, ${r.events} events, ${r.financings} financings, ` +
    `${r.lenders} lenders, ${r.outboxRows} outbox rows, ${r.timers} pending deadlines`];
  if (outboxByMethod.size > 0) out.push(`outbox: ${[...outboxByMethod].map(([k, n]) => `${n} ${k}`).join(', ')}`);
  const SHOWN = 50;
  if (r.violations.length === 0) out.push('consistency: every invariant holds for every merchant (0 violations)');
  else {
    out.push(`consistency: ${r.violations.length} violations`);
    for (const v of r.violations.slice(0, SHOWN)) out.push(`  merchant ${v.merchantId}: ${v.message}`);
    if (r.violations.length > SHOWN) out.push(`  ... and ${r.violations.length - SHOWN} more (--json lists them all)`);
  }
  return out.join('\n');
}

async function inspect(ctx: Context, dir: string, merchantId: string | undefined): Promise<void> {
  const db = await openStopped(dir).catch((e: unknown) => {
    throw toCli(e);
  });
  try {
    if (merchantId !== undefined) {
      const d = await dumpMerchant(db, merchantId);
      if (!d.snapshot && d.events.length + d.orders.length + d.financings.length === 0) {
        throw new CliError(`merchant ${merchantId} is not in ${dir}`);
      }
      const violations = await checkDump(d);
      if (!d.snapshot) {
        ctx.print(plain({ ...d, violations }), () => `merchant ${merchantId} has no snapshot in ${dir}\n${violations.map((v) => `  - ${v}`).join('\n')}`);
      } else {
        // financingsNow: the stored records with the active one brought up to date by the journal tail.
        const financingsNow = currentFinancings(d.snapshot, d.events, d.financings);
        ctx.print(plain({ ...d, financingsNow, violations }), () => merchantHuman(dir, d, violations));
      }
      if (violations.length > 0) ctx.exitCode = EXIT.FAILED;
      return;
    }
    const report = await checkStore(db);
    const byMethod = new Map<string, number>();
    for (const r of await listOutbox(db)) {
      const k = `${r.effect.method}${r.effect.lenderId ? ` to ${r.effect.lenderId}` : ''}`;
      byMethod.set(k, (byMethod.get(k) ?? 0) + 1);
    }
    ctx.print(plain({ dataDir: dir, ...report }), () => storeHuman(dir, report, byMethod));
    if (report.violations.length > 0) ctx.exitCode = EXIT.FAILED;
  } finally {
    await db.close();
  }
}

export function registerStoreCommands(program: Command, contextOf: ContextOf): void {
  program.command('inspect')
    .description('look inside a STOPPED data dir: one merchant in full, or a consistency check of the whole store')
    .requiredOption('--data-dir <dir>', 'the LevelDB directory (the server must be stopped: LevelDB allows one process)')
    .option('--merchant <merchant-id>', "show this merchant's snapshot, journal, orders, financings and outbox rows")
    .addHelpText('after', `
Without --merchant, every merchant is restored (snapshot + orders + journal tail) and
checked against DESIGN.md's invariants: pool total = sum of pooled orders; outstanding =
approved + fee - repaid >= 0; repaid <= approved + fee and = what completed orders routed;
every pooled order in exactly the active pool; the journal numbered 1..n without gaps;
the snapshot at most 15 order-only events behind, none changing a financing; replaying the journal gives the same state.
Exit status: 0 consistent, 1 violations (or an error).

To inspect a running server's store, back it up and inspect the copy:
  $ orderpool backup --out /var/backups/op-1
  $ orderpool inspect --data-dir /var/backups/op-1

Examples:
  $ orderpool inspect --data-dir ./data
  $ orderpool inspect --data-dir ./data --merchant M1
  $ orderpool inspect --data-dir ./data --json | jq .violations`)
    .action(async (o: { dataDir: string; merchant?: string }, cmd: Command) => {
      await inspect(contextOf(cmd), o.dataDir, o.merchant);
    });

  program.command('backup')
    .description("copy the RUNNING server's store, consistently, into a new directory on the server's machine (admin role)")
    .requiredOption('--out <dir>', "absolute path on the server's machine; must not exist or be empty")
    .addHelpText('after', `
The server reads its whole store through one LevelDB snapshot while it keeps serving: the
copy holds every command acknowledged before the backup started, each one entirely.

Examples:
  $ orderpool backup --out /var/backups/orderpool-$(date +%F)
  $ orderpool restore --from /var/backups/orderpool-2026-01-31 --data-dir ./data-restored
  $ orderpool serve --data-dir ./data-restored`)
    .action(async (o: { out: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const b = await unary<CreateBackupRequest, Backup__Output>(ctx, ctx.adminApi(), 'createBackup', { directory: o.out });
      const ms = new Date(isoTime(b.completeTime)).getTime() - new Date(isoTime(b.snapshotTime)).getTime();
      ctx.print({ directory: b.directory, keyCount: b.keyCount, byteCount: b.byteCount, snapshotTime: isoTime(b.snapshotTime), completeTime: isoTime(b.completeTime) },
        () => `backup written to ${b.directory} on the server: ${b.keyCount} keys, ${b.byteCount} bytes, as of ${isoTime(b.snapshotTime)} (${ms} ms)\n` +
          `restore it with: orderpool restore --from ${b.directory} --data-dir DIR`);
    });

  program.command('restore')
    .description('copy a backup into a new data dir, offline (then start a server on it)')
    .requiredOption('--from <dir>', 'the backup (a directory written by `orderpool backup`)')
    .requiredOption('--data-dir <dir>', 'the new data dir; must not exist or be empty')
    .option('--no-check', 'skip the consistency check of the restored store')
    .addHelpText('after', `
Example:
  $ orderpool restore --from /var/backups/orderpool-2026-01-31 --data-dir /var/lib/orderpool
  $ orderpool serve --data-dir /var/lib/orderpool`)
    .action(async (o: { from: string; dataDir: string; check: boolean }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const r = await restoreStore(o.from, o.dataDir).catch((e: unknown) => {
        throw toCli(e);
      });
      let report: StoreReport | undefined;
      if (o.check) {
        const db = await openStopped(r.directory);
        try {
          report = await checkStore(db);
        } finally {
          await db.close();
        }
      }
      ctx.print({ directory: r.directory, keyCount: r.keyCount, byteCount: r.byteCount, check: report ? plain(report) : null }, () => {
        const lines = [`restored ${r.keyCount} keys (${r.byteCount} bytes) from ${o.from} into ${r.directory}`];
        if (report) lines.push(storeHuman(r.directory, report, new Map()));
        lines.push(`start a server on it with: orderpool serve --data-dir ${r.directory}`);
        return lines.join('\n');
      });
      if (report && report.violations.length > 0) ctx.exitCode = EXIT.FAILED;
    });
}
