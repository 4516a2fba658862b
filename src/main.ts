/**
 * `npm start`: serve until SIGTERM/SIGINT, then drain. A second signal forces
 * exit. The runtime thread is started before the gRPC modules are loaded, so
 * both threads load their modules at the same time (start-up to SERVING).
 */
import { setFlagsFromString } from 'node:v8';
import { resolveConfig } from './config';
import { createLogger } from './observability/logger';
import { RuntimeThread } from './runtime/runtime-thread';

/**
 * V8's allocation-site pretenuring off, for both threads (the flag is the
 * process's; the runtime thread's isolate is made after it is set). Once a
 * site's objects have mostly outlived a scavenge (a burst of commands in
 * flight across one does it), V8 allocates that site's objects straight in
 * the old generation, and a command's short-lived objects (its decoded and
 * validated request) then wait there for a mark-compact. With it off,
 * `npm run bench:runtime` spent 16 % less CPU per RecordOrder and its
 * scavenges kept a fifth less; settle used 8-18 % less server CPU per
 * completion in three interleaved pairs (docs/benchmarks.md, "Ninth session").
 */
setFlagsFromString('--no-allocation-site-pretenuring');

async function main(): Promise<void> {
  const config = resolveConfig(process.argv.slice(2));
  const logger = createLogger(config.logLevel);
  const onFatal = () => process.exit(1);
  const runtime = config.runtimeThread ? RuntimeThread.start(config, logger, { onFatal }) : undefined;
  runtime?.catch(() => undefined); // awaited (and reported) by startService
  // require, not import(): under `node --require tsx/cjs` (npm start) an
  // import() goes to Node's ESM loader, which cannot find a .ts module.
  const { startService } = require('./server') as typeof import('./server');
  const server = await startService({ ...config, logger, onFatal, runtime });
  let signals = 0;
  const onSignal = (sig: string) => {
    signals++;
    if (signals > 1) {
      process.stderr.write(`second ${sig}: exiting now\n`);
      process.exit(1);
    }
    void server.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
}

main().catch((e: unknown) => {
  process.stderr.write(`orderpool: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
