/**
 * Preloaded into the server by `npm run bench` when the bench starts the
 * server itself (node --require, so in the gRPC thread and the runtime thread
 * alike; the server never loads it otherwise). Appends to the file named by
 * ORDERPOOL_BENCH_GC_FILE, flushed every 200 ms, one line per event:
 *
 *   - every garbage collection's pause: "<thread> <start, ms since the
 *     epoch> <pause ms> <kind>";
 *   - in the runtime thread, every synced LevelDB batch write, from the call
 *     to its completion as the runtime thread sees it (write, fsync, and the
 *     wait for the thread's next turn): "write <start> <ms> <operations>";
 *   - every event-loop stall of 10 ms or more, whatever its cause (a pause,
 *     a long task, a thread that got no CPU), seen as a gap between two ticks
 *     of a 2 ms interval timer: "stall-<thread> <start> <ms>".
 *
 * The bench sums them per scenario window: the collectors' pauses, the
 * durable writes and the stalls are what the write paths' p99 tails are made
 * of (docs/benchmarks.md).
 */
'use strict';
const fs = require('node:fs');
const { PerformanceObserver, performance } = require('node:perf_hooks');
const { isMainThread, workerData } = require('node:worker_threads');

const file = process.env.ORDERPOOL_BENCH_GC_FILE;
if (file) {
  // The runtime thread is the worker started with the server's config (src/runtime/runtime-thread.ts).
  const thread = isMainThread ? 'main' : workerData && workerData.config ? 'runtime' : 'other';
  let lines = '';
  const flush = () => {
    if (lines === '') return;
    fs.appendFileSync(file, lines);
    lines = '';
  };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      lines += `${thread} ${(performance.timeOrigin + e.startTime).toFixed(1)} ${e.duration.toFixed(2)} ${e.detail ? e.detail.kind : 0}\n`;
    }
  }).observe({ entryTypes: ['gc'] });
  if (thread === 'runtime') {
    // classic-level's native write, under abstract-level's write(): only the
    // synced ones are durable acknowledgements (src/store/level-store.ts).
    const { ChainedBatch } = require('classic-level/chained-batch');
    const write = ChainedBatch.prototype._write;
    ChainedBatch.prototype._write = function (options) {
      if (!options || !options.sync) return write.call(this, options);
      const t0 = performance.now();
      const ops = this.length;
      const p = write.call(this, options);
      const done = () => {
        lines += `write ${(performance.timeOrigin + t0).toFixed(1)} ${(performance.now() - t0).toFixed(2)} ${ops}\n`;
      };
      p.then(done, done);
      return p;
    };
  }
  // Event-loop stalls: a tick every 2 ms; a gap of 10 ms or more between two
  // is a stall, whatever held the thread (a collection, a long task, the CPU
  // given to others): "stall-<thread> <start> <ms>".
  let last = performance.now();
  setInterval(() => {
    const now = performance.now();
    if (now - last >= 10) lines += `stall-${thread} ${(performance.timeOrigin + last).toFixed(1)} ${(now - last).toFixed(2)}\n`;
    last = now;
  }, 2).unref();
  setInterval(flush, 200).unref();
  process.on('exit', flush);
}
