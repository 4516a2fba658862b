/** What one garbage collection did, from v8.GCProfiler (scripts/bench-runtime.ts, scripts/bench-tables.ts). */
import type * as v8 from 'node:v8';

export type GcStat = v8.GCProfilerResult['statistics'][number];

const OLD_SPACES = ['old_space', 'code_space', 'map_space', 'large_object_space', 'code_large_object_space'];

/** Bytes in use in one heap space. */
export function usedIn(spaces: v8.HeapSpaceStatistics[], name: string): number {
  return spaces.find((s) => s.spaceName === name)?.spaceUsedSize ?? 0;
}

/** What a collection moved to the old generation (for a scavenge: what it promoted). */
export function promotedBy(g: GcStat): number {
  let promoted = 0;
  for (const name of OLD_SPACES) promoted += usedIn(g.afterGC.heapSpaceStatistics, name) - usedIn(g.beforeGC.heapSpaceStatistics, name);
  return Math.max(0, promoted);
}
