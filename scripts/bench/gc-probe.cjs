/**
 * Preloaded into the server by `npm run bench` when the bench starts the
 * server itself (node --require, so in the gRPC thread and the runtime thread
 * alike; the server never loads it otherwise). Appends every garbage
 * collection's pause to the file named by ORDERPOOL_BENCH_GC_FILE, one line
 * each: "<thread> <start, ms since the epoch> <pause ms> <kind>", flushed
 * every 200 ms. The bench sums them per scenario window: GC pauses are what
 * the write paths' p99 tails are made of (docs/benchmarks.md).
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
  setInterval(flush, 200).unref();
  process.on('exit', flush);
}
