/**
 * The disk's own floor for durable acknowledgements: synced LevelDB batches,
 * one after another, on a scratch store in the same temporary directory as
 * the server's data, with no server load. A write path cannot answer faster
 * than its synced batch, so this is what the p99 targets are up against.
 * Each batch holds `puts` values of about the size of a RecordOrder's rows.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ClassicLevel } from 'classic-level';
import * as hdr from 'hdr-histogram-js';
import { latencyOf, type Latency } from './report';

export interface DiskFloor {
  durationMs: number;
  batches: number;
  putsPerBatch: number;
  valueBytes: number;
  /** One synced batch write (LevelDB write + fsync). */
  latency: Latency;
  p999Ms: number;
  /** Batches that took longer than 10 ms. */
  over10Ms: number;
}

export async function measureDisk(durationMs: number, dir = os.tmpdir(), puts = 64, valueBytes = 300): Promise<DiskFloor> {
  const scratch = fs.mkdtempSync(path.join(dir, 'orderpool-disk-'));
  const db = new ClassicLevel<string, string>(scratch);
  const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });
  const value = 'x'.repeat(valueBytes);
  let over10Ms = 0;
  let n = 0;
  try {
    await db.open();
    const end = performance.now() + durationMs;
    while (performance.now() < end) {
      const batch = db.batch();
      // Spread keys, as merchants' ids are: every batch touches the whole key range.
      for (let i = 0; i < puts; i++) batch.put(`${((n * puts + i) * 2654435761) % 4294967296}`.padStart(10, '0'), value);
      const t = performance.now();
      await batch.write({ sync: true });
      const us = Math.max(1, Math.round((performance.now() - t) * 1000));
      h.recordValue(us);
      if (us > 10_000) over10Ms++;
      n++;
    }
    return {
      durationMs, batches: n, putsPerBatch: puts, valueBytes,
      latency: latencyOf(h), p999Ms: Math.round(h.getValueAtPercentile(99.9)) / 1000, over10Ms,
    };
  } finally {
    h.destroy();
    await db.close().catch(() => undefined);
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
