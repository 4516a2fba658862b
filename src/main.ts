/**
 * `npm start`: serve until SIGTERM/SIGINT, then drain. A second signal forces
 * exit. The runtime thread is started before the gRPC modules are loaded, so
 * both threads load their modules at the same time (start-up to SERVING).
 */
import { resolveConfig } from './config';
import { createLogger } from './observability/logger';
import { RuntimeThread } from './runtime/runtime-thread';

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
