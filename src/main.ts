/** `npm start`: serve until SIGTERM/SIGINT, then drain. A second signal forces exit. */
import { resolveConfig } from './config';
import { startService } from './server';

async function main(): Promise<void> {
  const config = resolveConfig(process.argv.slice(2));
  const server = await startService({ ...config, onFatal: () => process.exit(1) });
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
