/**
 * `orderpool watch MERCHANT`: replays from --from, then follows live events,
 * one human line per event (or one JSON object per line with --json). A
 * watcher that falls behind (WATCHER_TOO_SLOW) resumes by itself from the
 * next sequence; any other error ends it with the --from to resume with.
 */
import * as grpc from '@grpc/grpc-js';
import type { Command } from 'commander';
import { errorInfoOf } from '../api/status';
import type { MerchantEvent__Output } from '../generated/orderpool/v1/MerchantEvent';
import type { ContextOf } from './commands';
import { nonNegativeInt, positiveInt, type Context } from './context';
import { eventLine, toJson } from './format';

export function registerWatch(program: Command, contextOf: ContextOf): void {
  program.command('watch')
    .description("follow a merchant's events live (replays from --from first), one line per event")
    .argument('<merchant-id>')
    .option('--from <sequence>', 'replay from this sequence (0 or 1: from the first event); default: only new events')
    .option('--count <n>', 'stop after this many events', positiveInt)
    .addHelpText('after', `
Examples:
  $ orderpool watch M1                 # new events from now on; Ctrl-C to stop
  $ orderpool watch M1 --from 1        # the whole history, then live
  $ orderpool watch M1 --from 42       # resume after #41
  $ orderpool watch M1 --json --count 1   # wait for the next event, as JSON`)
    .action(async (merchantId: string, o: { from?: string; count?: number }, cmd: Command) => {
      const ctx = contextOf(cmd);
      let from: number;
      if (o.from === undefined) {
        from = Number((await ctx.api().getMerchant({ merchantId })).lastSequence) + 1;
      } else {
        from = nonNegativeInt(o.from);
      }
      await watch(ctx, merchantId, from, o.count);
    });
}

async function watch(ctx: Context, merchantId: string, from: number, count: number | undefined): Promise<void> {
  const signal = ctx.io.signal;
  if (ctx.io.interrupt) ctx.io.interrupt.claimed = true;
  let next = from;
  let seen = 0;
  for (;;) {
    const outcome = await new Promise<{ resume: boolean; error?: unknown }>((resolve) => {
      const call = ctx.api().raw.watchMerchant({ merchantId, fromSequence: String(next) }, ctx.metadata());
      let done = false;
      const finish = (r: { resume: boolean; error?: unknown }) => {
        if (done) return;
        done = true;
        signal?.removeEventListener('abort', onAbort);
        call.cancel();
        resolve(r);
      };
      const onAbort = () => finish({ resume: false });
      if (signal?.aborted) return finish({ resume: false });
      signal?.addEventListener('abort', onAbort);
      call.on('data', (e: MerchantEvent__Output) => {
        if (done) return;
        next = Number(e.sequence) + 1;
        seen++;
        if (ctx.json) ctx.printJson(toJson(e));
        else ctx.out(eventLine(e));
        if (count !== undefined && seen >= count) finish({ resume: false });
      });
      call.on('error', (e: grpc.ServiceError) => {
        if (done) return;
        if (e.code === grpc.status.RESOURCE_EXHAUSTED && errorInfoOf(e)?.reason === 'WATCHER_TOO_SLOW') {
          ctx.err(`watch: fell behind the live events; resuming from #${next}`);
          return finish({ resume: true });
        }
        finish({ resume: false, error: e });
      });
      call.on('end', () => finish({ resume: false }));
    });
    if (outcome.error) {
      throw Object.assign(outcome.error as object, { hint: `resume with: orderpool watch ${merchantId} --from ${next}` });
    }
    if (!outcome.resume) return;
  }
}
