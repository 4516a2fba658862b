/**
 * What every CLI command shares: where output goes, the global options
 * (--target, --token, --json, TLS), the connection, and how errors print.
 */
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { InvalidArgumentError, type Command } from 'commander';
import { errorInfoOf } from '../api/status';
import { v1 } from '../api/proto';
import { connect, type Clients, type TlsOptions } from '../testing/client';
import type { AdminServiceClient } from '../generated/orderpool/v1/AdminService';

/** A place to write text (process.stdout, or a buffer in tests). */
export interface Out {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface Io {
  stdout: Out;
  stderr: Out;
  /** Aborted on SIGINT/SIGTERM: long-running commands (serve, watch, import) stop cleanly. */
  signal?: AbortSignal;
  /** Set by a command that handles `signal` itself; otherwise the first signal exits at once. */
  interrupt?: { claimed: boolean };
}

export interface GlobalOptions {
  target: string;
  token?: string;
  json?: boolean;
  tls?: boolean;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsServerName?: string;
}

/** An error the CLI reports as `error: <message>` with this exit code (1 unless said). */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

/** Exit codes: 0 success, 1 the call or check failed, 2 bad usage. */
export const EXIT = { OK: 0, FAILED: 1, USAGE: 2 } as const;

export class Context {
  private clients: Clients | undefined;
  private admin: AdminServiceClient | undefined;
  /** Set by a command that printed its own outcome but must still exit non-zero. */
  exitCode = 0;

  constructor(readonly io: Io, readonly opts: GlobalOptions) {}

  get json(): boolean {
    return Boolean(this.opts.json);
  }

  out(text: string): void {
    this.io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  err(text: string): void {
    this.io.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** Prints a JSON document (--json) on one line. */
  printJson(value: unknown): void {
    this.out(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
  }

  /** --json prints `json`, otherwise the human text. */
  print(json: unknown, human: () => string): void {
    if (this.json) this.printJson(json);
    else this.out(human());
  }

  tlsOptions(): TlsOptions | undefined {
    const o = this.opts;
    if (!o.tls && !o.tlsCa && !o.tlsCert && !o.tlsKey) return undefined;
    if (Boolean(o.tlsCert) !== Boolean(o.tlsKey)) throw new CliError('--tls-cert and --tls-key go together', EXIT.USAGE);
    const read = (f: string | undefined) => {
      if (!f) return undefined;
      try {
        return readFileSync(f);
      } catch (e) {
        throw new CliError(`cannot read ${f}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, EXIT.USAGE);
      }
    };
    return { ca: read(o.tlsCa), cert: read(o.tlsCert), key: read(o.tlsKey), serverName: o.tlsServerName };
  }

  api(): Clients {
    this.clients ??= connect(this.opts.target, this.opts.token, this.tlsOptions());
    return this.clients;
  }

  /** AdminService, on the same channel (and credentials) as api(). */
  adminApi(): AdminServiceClient {
    const api = this.api();
    this.admin ??= new v1.AdminService(this.opts.target, grpc.credentials.createInsecure(), { channelOverride: api.raw.getChannel() });
    return this.admin;
  }

  metadata(): grpc.Metadata {
    return this.api().metadata();
  }

  close(): void {
    this.admin?.close();
    this.clients?.close();
  }
}

/** The global options of `cmd`, with --target's default applied. */
export function globalsOf(cmd: Command): GlobalOptions {
  const o = cmd.optsWithGlobals<GlobalOptions>();
  return { ...o, target: o.target || '127.0.0.1:50051' };
}

/** Formats any error as the CLI prints it and picks the exit code. */
export function describeError(e: unknown, target: string): { line: string; json: Record<string, unknown>; exitCode: number } {
  const d = describe(e, target);
  const hint = (e as { hint?: unknown } | null)?.hint;
  return typeof hint === 'string' ? { ...d, line: `${d.line}\n${hint}` } : d;
}

function describe(e: unknown, target: string): { line: string; json: Record<string, unknown>; exitCode: number } {
  const se = e as grpc.ServiceError;
  if (e instanceof Error && typeof se.code === 'number' && 'metadata' in se) {
    const code = grpc.status[se.code] ?? String(se.code);
    const info = errorInfoOf(se);
    let message = se.details || se.message;
    if (se.code === grpc.status.UNAVAILABLE && !info) message += ` (is orderpool serving at ${target}? set --target or ORDERPOOL_TARGET)`;
    const line = info ? `error: ${code} ${info.reason}: ${message}` : `error: ${code}: ${message}`;
    return {
      line,
      json: { error: { code, reason: info?.reason ?? '', message, metadata: info?.metadata ?? {} } },
      exitCode: EXIT.FAILED,
    };
  }
  const exitCode = e instanceof CliError ? e.exitCode : EXIT.FAILED;
  const message = e instanceof Error ? e.message : String(e);
  return { line: `error: ${message}`, json: { error: { code: '', reason: '', message, metadata: {} } }, exitCode };
}

// ------------------------------------------------------------ argument parsers

/** Minor units: a non-negative integer (12500 is 125.00 USD). */
export function minorUnits(text: string): string {
  if (!/^\d+$/.test(text)) {
    throw new InvalidArgumentError('expected an integer number of minor units, e.g. 12500 for 125.00 USD');
  }
  return BigInt(text).toString();
}

/** An ISO 4217 code; lower case is accepted. */
export function currency(text: string): string {
  if (!/^[A-Za-z]{3}$/.test(text)) throw new InvalidArgumentError('expected an ISO 4217 code such as USD');
  return text.toUpperCase();
}

export function nonNegativeInt(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

export function positiveInt(text: string): number {
  const n = nonNegativeInt(text);
  if (n === 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

export function bps(text: string): number {
  const n = nonNegativeInt(text);
  if (n > 10_000) throw new InvalidArgumentError('expected basis points, 0..10000 (8000 = 80%)');
  return n;
}

/** "500ms", "30s", "10m", "24h" → a google.protobuf.Duration. */
export function duration(text: string): { seconds: string; nanos: number } {
  const m = /^(\d+)(ms|s|m|h)$/.exec(text.trim());
  if (!m) throw new InvalidArgumentError('expected a duration such as 30s, 10m or 24h');
  const ms = Number(m[1]) * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as Record<string, number>)[m[2]!]!;
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 };
}

/** Needs both --amount and --currency (or neither, when optional). */
export function moneyOf(o: { amount?: string; currency?: string }, what: string, required = true): { currencyCode: string; minorUnits: string } | null {
  if (o.amount === undefined && o.currency === undefined && !required) return null;
  if (o.amount === undefined) throw new CliError(`${what} needs --amount (minor units, e.g. --amount 12500 --currency USD)`, EXIT.USAGE);
  if (o.currency === undefined) throw new CliError(`${what} needs --currency (e.g. --amount ${o.amount} --currency USD)`, EXIT.USAGE);
  return { currencyCode: o.currency, minorUnits: o.amount };
}

/** Calls a unary method of a raw grpc-js client with the context's metadata. */
export function unary<Req, Res>(ctx: Context, client: grpc.Client, method: string, req: Req): Promise<Res> {
  return new Promise((resolve, reject) => {
    const fn = (client as unknown as Record<string, (r: Req, md: grpc.Metadata, cb: (e: grpc.ServiceError | null, r?: Res) => void) => unknown>)[method]!;
    fn.call(client, req, ctx.metadata(), (e, r) => (e ? reject(e) : resolve(r as Res)));
  });
}
