/**
 * `orderpool import FILE`: bulk order events (record / complete / refund)
 * from NDJSON or CSV through one StreamOrderEvents call, with a progress bar,
 * a summary, and every line that failed (unparsable, rejected by the server,
 * or never sent because the stream ended) written to FILE.failed, ready to be
 * fixed and imported again (every event is idempotent, so re-importing a
 * line that did go through is harmless).
 */
import { createReadStream, statSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { Option, type Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { errorInfoOf, errorInfoOfStatus } from '../api/status';
import type { OrderEvent } from '../generated/orderpool/v1/OrderEvent';
import type { OrderEventAck__Output } from '../generated/orderpool/v1/OrderEventAck';
import type { ContextOf } from './commands';
import { CliError, EXIT, type Context } from './context';

type Kind = 'record' | 'complete' | 'refund';

interface Failure {
  line: number;
  raw: string;
  code: string;
  reason: string;
  message: string;
}

export interface ImportSummary {
  file: string;
  format: 'csv' | 'ndjson';
  /** Data lines read (not counting the CSV header or blank lines). */
  lines: number;
  succeeded: number;
  failed: number;
  /** Lines not sent, or sent without an answer, because the stream ended early. */
  notSent: number;
  recorded: number;
  completed: number;
  refunded: number;
  seconds: number;
  failedOut: string | null;
  failures: { line: number; code: string; reason: string; message: string }[];
  streamError: { code: string; reason: string; message: string } | null;
}

const COLUMNS = ['type', 'merchant_id', 'order_id', 'buyer_id', 'amount', 'currency', 'reason'] as const;
type Column = (typeof COLUMNS)[number];

/** One CSV line (RFC 4180 quoting; a quoted field may not span lines). */
export function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) throw new Error('unterminated quoted field');
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += line[i++];
      }
      if (i < line.length && line[i] !== ',') throw new Error('text after a closing quote');
    } else {
      const end = line.indexOf(',', i);
      field = end === -1 ? line.slice(i) : line.slice(i, end);
      i = end === -1 ? line.length : end;
    }
    out.push(field.trim());
    if (i >= line.length) return out;
    i++; // the comma
  }
}

const snake = (k: string) => k.trim().replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();

class LineError extends Error {}

/** Amounts go as int64 strings; the server judges the sign and the size. */
function amountOf(v: unknown, currencyCode: unknown): { currencyCode: string; minorUnits: string } | null {
  if (v === undefined || v === null || v === '') return null;
  if (typeof v === 'object') {
    const m = Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [snake(k), x]));
    return amountOf(m.minor_units, m.currency_code);
  }
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new LineError(`amount ${v} is not an integer number of minor units (above 2^53, write it as a string)`);
    v = String(v);
  }
  if (typeof v !== 'string' || !/^-?\d+$/.test(v.trim())) {
    throw new LineError(`amount ${JSON.stringify(v)} is not an integer number of minor units (12500 = 125.00 USD)`);
  }
  return { currencyCode: typeof currencyCode === 'string' ? currencyCode.trim().toUpperCase() : '', minorUnits: v.trim() };
}

/** Fields (snake_case) → an OrderEvent. */
function eventOf(f: Partial<Record<Column, unknown>>): { kind: Kind; event: OrderEvent } {
  const kind = String(f.type ?? '').trim().toLowerCase() || 'record';
  const str = (v: unknown) => (v === undefined || v === null ? '' : String(v).trim());
  const ids = { merchantId: str(f.merchant_id), orderId: str(f.order_id) };
  switch (kind) {
    case 'record':
      return { kind, event: { record: { ...ids, buyerId: str(f.buyer_id), amount: amountOf(f.amount, f.currency) } } };
    case 'complete':
      return { kind, event: { complete: ids } };
    case 'refund':
      return { kind, event: { refund: { ...ids, reason: str(f.reason) } } };
    default:
      throw new LineError(`type ${JSON.stringify(kind)} is not record, complete or refund`);
  }
}

/** An NDJSON line: flat ({"type","merchant_id","order_id","buyer_id","amount","currency","reason"}) or an OrderEvent ({"record": {...}}). */
export function ndjsonEvent(line: string): { kind: Kind; event: OrderEvent } {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (e) {
    throw new LineError(`not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new LineError('not a JSON object');
  const o = v as Record<string, unknown>;
  for (const kind of ['record', 'complete', 'refund'] as const) {
    if (o[kind] && typeof o[kind] === 'object') {
      const inner = Object.fromEntries(Object.entries(o[kind] as Record<string, unknown>).map(([k, x]) => [snake(k), x]));
      return eventOf({ ...inner, type: kind });
    }
  }
  return eventOf(Object.fromEntries(Object.entries(o).map(([k, x]) => [snake(k), x])));
}

export function csvEvent(header: Column[], line: string): { kind: Kind; event: OrderEvent } {
  let cells: string[];
  try {
    cells = parseCsvLine(line);
  } catch (e) {
    throw new LineError(`bad CSV: ${(e as Error).message}`);
  }
  if (cells.length !== header.length) throw new LineError(`${cells.length} fields, the header has ${header.length}`);
  return eventOf(Object.fromEntries(header.map((h, i) => [h, cells[i]])));
}

function csvHeader(line: string): Column[] {
  const names = parseCsvLine(line.replace(/^\uFEFF/, '')).map(snake);
  for (const n of names) {
    if (!(COLUMNS as readonly string[]).includes(n)) {
      throw new CliError(`CSV header: unknown column "${n}" (columns: ${COLUMNS.join(', ')}; the first line must be the header)`, EXIT.USAGE);
    }
  }
  for (const need of ['merchant_id', 'order_id'] as const) {
    if (!names.includes(need)) throw new CliError(`CSV header: the column ${need} is required (columns: ${COLUMNS.join(', ')})`, EXIT.USAGE);
  }
  return names as Column[];
}

async function countLines(file: string): Promise<number> {
  let n = 0;
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) if (line.trim() !== '') n++;
  return n;
}

export function registerImport(program: Command, contextOf: ContextOf): void {
  program.command('import')
    .description('bulk-import order events (record, complete, refund) from NDJSON or CSV through StreamOrderEvents')
    .argument('<file>', 'the events, one per line')
    .addOption(new Option('--format <format>', 'file format (default: csv for *.csv, else ndjson)').choices(['csv', 'ndjson']))
    .option('--failed-out <file>', 'where to write the lines that failed (default: FILE.failed)')
    .option('--no-progress', 'no progress bar (it is shown only when stderr is a terminal)')
    .addHelpText('after', `
Formats (amounts in minor units; "type" defaults to record):
  CSV, with a header row naming any of: ${COLUMNS.join(', ')}
    type,merchant_id,order_id,buyer_id,amount,currency,reason
    record,M1,O1,B1,12500,USD,
    complete,M1,O1,,,,
    refund,M1,O2,,,,damaged in transit
  NDJSON, one object per line, flat or as an OrderEvent:
    {"merchant_id":"M1","order_id":"O1","buyer_id":"B1","amount":12500,"currency":"USD"}
    {"type":"complete","merchant_id":"M1","order_id":"O1"}
    {"refund":{"merchantId":"M1","orderId":"O2","reason":"damaged in transit"}}

Each event is acknowledged by the server once durable. Lines that fail are written
to FILE.failed (CSV keeps its header) and listed in the summary; fix them and import
that file. Exit status: 0 when every line went through, 1 otherwise.

Examples:
  $ orderpool import orders.csv
  $ orderpool import events.ndjson --failed-out /tmp/retry.ndjson
  $ orderpool import orders.csv --json          # the summary as JSON`)
    .action(async (file: string, o: { format?: 'csv' | 'ndjson'; failedOut?: string; progress: boolean }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const summary = await importFile(ctx, file, o);
      printSummary(ctx, summary);
      if (summary.failed + summary.notSent > 0) ctx.exitCode = EXIT.FAILED;
    });
}

export async function importFile(ctx: Context, file: string, o: { format?: 'csv' | 'ndjson'; failedOut?: string; progress?: boolean }): Promise<ImportSummary> {
  // FILE.failed keeps the format of FILE.
  const format = o.format ?? (path.extname(file.replace(/\.failed$/, '')).toLowerCase() === '.csv' ? 'csv' : 'ndjson');
  const failedOut = o.failedOut ?? `${file}.failed`;
  try {
    if (!statSync(file).isFile()) throw new CliError(`${file} is not a file`);
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const t0 = performance.now();
  const showBar = o.progress !== false && Boolean(ctx.io.stderr.isTTY) && !ctx.json;
  const bar = showBar ? new SingleBar({
    stream: ctx.io.stderr as unknown as NodeJS.WritableStream,
    format: 'importing |{bar}| {percentage}% {value}/{total} events | {failed} failed | {eta_formatted} left',
    hideCursor: true,
    etaBuffer: 200,
  }, Presets.shades_classic) : undefined;
  if (bar) bar.start(await countLines(file) - (format === 'csv' ? 1 : 0), 0, { failed: 0 });
  if (ctx.io.interrupt) ctx.io.interrupt.claimed = true;

  const failures: Failure[] = [];
  const unsent: { line: number; raw: string }[] = [];
  const counts = { record: 0, complete: 0, refund: 0 };
  let succeeded = 0;
  let lines = 0;
  let header: Column[] | undefined;
  let headerRaw = '';
  const pending = new Map<number, { line: number; raw: string; kind: Kind }>();
  let streamError: grpc.ServiceError | undefined;

  const call = ctx.api().raw.streamOrderEvents(ctx.metadata());
  const finished = new Promise<void>((resolve) => {
    call.on('data', (ack: OrderEventAck__Output) => {
      const p = pending.get(Number(ack.index));
      if (!p) return;
      pending.delete(Number(ack.index));
      if (ack.error) {
        const info = errorInfoOfStatus(ack.error);
        failures.push({ line: p.line, raw: p.raw, code: grpc.status[ack.error.code] ?? String(ack.error.code), reason: info?.reason ?? '', message: ack.error.message });
      } else {
        succeeded++;
        counts[p.kind]++;
      }
      bar?.increment(1, { failed: failures.length });
    });
    call.on('error', (e: grpc.ServiceError) => {
      streamError = e;
      resolve();
    });
    call.on('end', () => resolve());
  });
  const failedEarly = finished.then(() => 'ended' as const);
  const aborted = new Promise<'aborted'>((resolve) => {
    if (ctx.io.signal?.aborted) resolve('aborted');
    ctx.io.signal?.addEventListener('abort', () => resolve('aborted'), { once: true });
  });

  let index = 0;
  let lineNo = 0;
  let stopped = false;
  const rl = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const raw of rl) {
    lineNo++;
    if (raw.trim() === '') continue;
    if (format === 'csv' && !header) {
      try {
        header = csvHeader(raw);
      } catch (e) {
        rl.close();
        call.cancel();
        bar?.stop();
        throw e;
      }
      headerRaw = raw;
      continue;
    }
    lines++;
    if (stopped || streamError || ctx.io.signal?.aborted) {
      stopped = true;
      unsent.push({ line: lineNo, raw });
      continue;
    }
    let parsed: { kind: Kind; event: OrderEvent };
    try {
      parsed = format === 'csv' ? csvEvent(header!, raw) : ndjsonEvent(raw);
    } catch (e) {
      if (!(e instanceof LineError)) throw e;
      failures.push({ line: lineNo, raw, code: '', reason: 'PARSE_ERROR', message: e.message });
      bar?.increment(1, { failed: failures.length });
      continue;
    }
    pending.set(index++, { line: lineNo, raw, kind: parsed.kind });
    if (!call.write(parsed.event)) {
      const r = await Promise.race([new Promise<'drain'>((resolve) => call.once('drain', () => resolve('drain'))), failedEarly, aborted]);
      if (r !== 'drain') stopped = true;
    }
  }
  if (!streamError) call.end();
  await finished;
  bar?.stop();

  // Sent but never answered: the stream ended first. They may or may not have
  // been applied; re-importing them is safe (every event is idempotent).
  for (const p of pending.values()) unsent.push({ line: p.line, raw: p.raw });
  const info = streamError ? errorInfoOf(streamError) : undefined;
  const streamErr = streamError
    ? { code: grpc.status[streamError.code] ?? String(streamError.code), reason: info?.reason ?? '', message: streamError.details || streamError.message }
    : null;

  const bad = [...failures.map((f) => ({ line: f.line, raw: f.raw })), ...unsent].sort((a, b) => a.line - b.line);
  let written: string | null = null;
  if (bad.length > 0) {
    const body = bad.map((b) => b.raw);
    if (format === 'csv') body.unshift(headerRaw);
    writeFileSync(failedOut, `${body.join('\n')}\n`);
    written = failedOut;
  }
  failures.sort((a, b) => a.line - b.line);
  return {
    file,
    format,
    lines,
    succeeded,
    failed: failures.length,
    notSent: unsent.length,
    recorded: counts.record,
    completed: counts.complete,
    refunded: counts.refund,
    seconds: Math.round(performance.now() - t0) / 1000,
    failedOut: written,
    failures: failures.map(({ line, code, reason, message }) => ({ line, code, reason, message })),
    streamError: streamErr,
  };
}

const SHOWN = 20;

function printSummary(ctx: Context, s: ImportSummary): void {
  if (ctx.json) return ctx.printJson(s);
  const rate = s.seconds > 0 ? `, ${Math.round(s.succeeded / s.seconds)}/s` : '';
  ctx.out(`imported ${s.succeeded} of ${s.lines} events from ${s.file} in ${s.seconds}s${rate}: ` +
    `${s.recorded} recorded, ${s.completed} completed, ${s.refunded} refunded`);
  if (s.streamError) {
    const e = s.streamError;
    ctx.err(`error: ${e.code}${e.reason ? ` ${e.reason}` : ''}: ${e.message}`);
    ctx.out(`the stream ended early: ${s.notSent} events were not sent or not acknowledged`);
  } else if (s.notSent > 0) {
    ctx.out(`interrupted: ${s.notSent} events were not sent or not acknowledged`);
  }
  if (s.failed > 0) {
    ctx.out(`${s.failed} failed:`);
    for (const f of s.failures.slice(0, SHOWN)) ctx.out(`  line ${f.line}: ${[f.code, f.reason].filter(Boolean).join(' ')}: ${f.message}`);
    if (s.failures.length > SHOWN) ctx.out(`  ... and ${s.failures.length - SHOWN} more`);
  }
  if (s.failedOut) {
    const sameFormat = (s.format === 'csv') === /\.csv(\.failed)?$/i.test(s.failedOut);
    ctx.out(`the lines to retry are in ${s.failedOut} (fix them, then: orderpool import ${s.failedOut}${sameFormat ? '' : ` --format ${s.format}`})`);
  }
}
