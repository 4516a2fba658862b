/**
 * The `orderpool` command line (bin/orderpool.js runs it). `main(argv, io)`
 * runs one command in-process and resolves to its exit status; it never
 * calls process.exit, so the tests drive it directly.
 */
import { Command, CommanderError, Option } from 'commander';
import { configCommand, configFromOptions } from '../config';
import { startService } from '../server';
import { registerFinancing, registerLender, registerMerchant, registerOrder } from './commands';
import { Context, describeError, EXIT, globalsOf, type Io } from './context';
import { registerImport } from './import';
import { registerStoreCommands } from './store-commands';
import { registerWatch } from './watch';

const EXAMPLES = `
Examples:
  $ orderpool serve --data-dir ./data                       # the server (same flags as npm start)
  $ orderpool lender upsert L1 --gateway 127.0.0.1:50061 --advance-rate-bps 8000 --repayment-share-bps 5000 --fee-bps 200
  $ orderpool order record M1 O1 --buyer B1 --amount 12500 --currency USD
  $ orderpool financing request M1 --lender L1 --amount 8000 --currency USD --request-id r-1
  $ orderpool financing confirm M1 FIN --lender L1 --amount 8000 --currency USD --reference wire-1
  $ orderpool order complete M1 O1
  $ orderpool merchant get M1 --json
  $ orderpool watch M1 --from 1
  $ orderpool import orders.csv
  $ orderpool backup --out /var/backups/op-1                # of the running server
  $ orderpool inspect --data-dir ./data                     # of a stopped store

Amounts are integer minor units with a currency: --amount 12500 --currency USD is 125.00 USD.
Errors print "error: <gRPC code> <reason>: <message>" on stderr.
Exit status: 0 success, 1 the call or check failed, 2 bad usage.
Each command has its own --help, e.g. orderpool financing request --help.`;

function serveCommand(io: Io): Command {
  return configCommand()
    .name('serve')
    .description('run the orderpool gRPC server until SIGTERM/SIGINT, then drain (same flags and ORDERPOOL_* variables as npm start)')
    .addHelpText('after', `
Examples:
  $ orderpool serve
  $ orderpool serve --data-dir /var/lib/orderpool --listen 127.0.0.1:6000 --notifier 127.0.0.1:50061
  $ ORDERPOOL_AUTH_FILE=/etc/orderpool/auth.json orderpool serve --listen 0.0.0.0:50051`)
    .action(async (o: Record<string, unknown>) => {
      if (io.interrupt) io.interrupt.claimed = true;
      const server = await startService({ ...configFromOptions(o), onFatal: () => process.exit(1) });
      await new Promise<void>((resolve) => {
        if (!io.signal || io.signal.aborted) return resolve();
        io.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      await server.stop();
    });
}

/** The program, with output going to `io`; `contextOf` hands each action its Context. */
export function buildProgram(io: Io, contexts: Context[]): Command {
  const contextOf = (cmd: Command) => {
    const ctx = new Context(io, globalsOf(cmd));
    contexts.push(ctx);
    return ctx;
  };
  const program = new Command('orderpool')
    .description('orderpool: lends merchants money against their unpaid orders. Talks to a running server over gRPC, or works on a stopped data dir.')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .showHelpAfterError('(add --help for usage)')
    .addOption(new Option('--target <host:port>', 'the orderpool server').env('ORDERPOOL_TARGET').default('127.0.0.1:50051'))
    .addOption(new Option('--token <token>', 'bearer token (when the server has an --auth-file)').env('ORDERPOOL_TOKEN'))
    .option('--json', 'machine-readable output: one JSON document (watch: one per line)')
    .option('--tls', 'connect with TLS, trusting the system CAs (or --tls-ca)')
    .option('--tls-ca <file>', 'PEM CA bundle to trust (implies --tls)')
    .option('--tls-cert <file>', 'PEM client certificate, for mutual TLS (with --tls-key)')
    .option('--tls-key <file>', 'PEM key of --tls-cert')
    .option('--tls-server-name <name>', 'name to verify the server certificate against')
    .addHelpText('after', EXAMPLES);

  const serve = serveCommand(io);
  serve.copyInheritedSettings(program);
  program.addCommand(serve);
  registerLender(program, contextOf);
  registerOrder(program, contextOf);
  registerFinancing(program, contextOf);
  registerMerchant(program, contextOf);
  registerWatch(program, contextOf);
  registerImport(program, contextOf);
  registerStoreCommands(program, contextOf);
  return program;
}

/** Runs one command line (without the node and script arguments); resolves to the exit status. */
export async function main(argv: string[], io: Io): Promise<number> {
  const contexts: Context[] = [];
  const program = buildProgram(io, contexts);
  if (argv.length === 0) {
    program.outputHelp();
    return EXIT.USAGE;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return Math.max(EXIT.OK, ...contexts.map((c) => c.exitCode));
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version print and exit 0; usage errors were printed by commander.
      return e.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    const json = program.opts<{ json?: boolean }>().json;
    const target = program.opts<{ target?: string }>().target ?? '127.0.0.1:50051';
    const d = describeError(e, target);
    if (json) io.stdout.write(`${JSON.stringify(d.json)}\n`);
    io.stderr.write(`${d.line}\n`);
    return d.exitCode;
  } finally {
    for (const c of contexts) c.close();
  }
}

/** bin/orderpool.js: process argv, real stdout/stderr, signals. */
export function runFromProcess(): void {
  const controller = new AbortController();
  const interrupt = { claimed: false };
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals > 1 || !interrupt.claimed) {
      if (signals > 1) process.stderr.write(`second ${sig}: exiting now\n`);
      process.exit(sig === 'SIGINT' ? 130 : 143);
    }
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, signal: controller.signal, interrupt })
    .then((code) => {
      process.exitCode = code;
      // Let stdout drain, then leave even if a gRPC channel lingers.
      process.stdout.write('', () => process.exit(code));
    }, (e: unknown) => {
      process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(EXIT.FAILED);
    });
}
