/**
 * Backup and restore of a LevelDB store.
 *
 * LevelDB allows one process per directory, so a running store is copied by
 * the server itself (AdminService.CreateBackup → LevelStore.backupTo): one
 * iterator reads everything through the snapshot LevelDB takes when the
 * iterator is created, so the copy holds whole synced batches only — every
 * command acknowledged before the copy started, and each command's events,
 * snapshot and outbox rows entirely or not at all — while commands go on.
 * The copy is a new LevelDB (keys and values byte for byte), which a server
 * can open as its --data-dir; `restore` copies a backup into a new data dir
 * the same way, offline.
 */
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { ClassicLevel } from 'classic-level';

export interface CopyResult {
  /** Absolute path of the copy. */
  directory: string;
  keyCount: number;
  byteCount: number;
  /** Epoch ms when the snapshot was taken (the iterator was created). */
  snapshotTime: number;
  /** Epoch ms when the copy was written, synced and closed. */
  completeTime: number;
}

export type BackupProblem = 'INVALID_PATH' | 'NOT_EMPTY' | 'UNUSABLE' | 'SOURCE_MISSING' | 'LOCKED';

/** A refusal with a stable kind, mapped to a gRPC status by the API and to a message by the CLI. */
export class BackupError extends Error {
  override readonly name = 'BackupError';
  constructor(readonly problem: BackupProblem, message: string) {
    super(message);
  }
}

/** The part of a classic-level database a copy reads (any key/value encoding: the copy reads raw bytes). */
interface Source {
  iterator(options: { keyEncoding: 'buffer'; valueEncoding: 'buffer' }): {
    nextv(size: number): Promise<[Buffer, Buffer][]>;
    close(): Promise<void>;
  };
}

/** A target claimed by prepareTarget: what to remove if the copy fails. */
export interface Target {
  directory: string;
  /** True when prepareTarget created the directory (remove it on failure); false: it existed empty (empty it). */
  created: boolean;
}

function errnoOf(e: unknown): string {
  return (e as NodeJS.ErrnoException)?.code ?? (e instanceof Error ? e.message : String(e));
}

/**
 * Checks that `dir` can receive a copy: an absolute path (unless allowRelative)
 * that does not exist or is an empty directory, outside `forbidInside` (the
 * live data dir). Creates it (and its parents) when missing.
 */
export function prepareTarget(dir: string, opts: { allowRelative?: boolean; forbidInside?: string } = {}): Target {
  if (!dir) throw new BackupError('INVALID_PATH', 'the target directory is required');
  if (!opts.allowRelative && !path.isAbsolute(dir)) {
    throw new BackupError('INVALID_PATH', `${dir} is not an absolute path (the directory is on the server's machine)`);
  }
  const directory = path.resolve(dir);
  if (opts.forbidInside) {
    const live = path.resolve(opts.forbidInside);
    if (directory === live || directory.startsWith(live + path.sep)) {
      throw new BackupError('INVALID_PATH', `${directory} is inside the data directory ${live}`);
    }
  }
  let exists = true;
  try {
    const st = statSync(directory);
    if (!st.isDirectory()) throw new BackupError('NOT_EMPTY', `${directory} exists and is not a directory`);
    if (readdirSync(directory).length > 0) throw new BackupError('NOT_EMPTY', `${directory} exists and is not empty`);
  } catch (e) {
    if (e instanceof BackupError) throw e;
    if (errnoOf(e) !== 'ENOENT') throw new BackupError('UNUSABLE', `${directory} cannot be used: ${errnoOf(e)}`);
    exists = false;
  }
  if (!exists) {
    try {
      mkdirSync(directory, { recursive: true });
    } catch (e) {
      throw new BackupError('UNUSABLE', `${directory} cannot be created: ${errnoOf(e)}`);
    }
  }
  return { directory, created: !exists };
}

/** Removes what a failed copy left in a target claimed by prepareTarget. */
export function discardTarget(t: Target): void {
  try {
    if (t.created) rmSync(t.directory, { recursive: true, force: true });
    else for (const entry of readdirSync(t.directory)) rmSync(path.join(t.directory, entry), { recursive: true, force: true });
  } catch {
    // best effort: the copy already failed and says so
  }
}

const BATCH_ENTRIES = 1000;
const BATCH_BYTES = 4 * 1024 * 1024;

/**
 * Copies every key of `source`, as of one snapshot, into a new LevelDB in the
 * prepared target. On failure the target is left as it was found.
 */
export async function copyInto(source: Source, target: Target, now: () => number = Date.now): Promise<CopyResult> {
  const snapshotTime = now();
  // The snapshot is taken here, synchronously: nothing written after this line is seen.
  const it = source.iterator({ keyEncoding: 'buffer', valueEncoding: 'buffer' });
  let out: ClassicLevel<Buffer, Buffer> | undefined;
  let keyCount = 0;
  let byteCount = 0;
  try {
    out = new ClassicLevel<Buffer, Buffer>(target.directory, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    try {
      await out.open({ createIfMissing: true, errorIfExists: true });
    } catch (e) {
      throw new BackupError('UNUSABLE', `${target.directory} cannot be written: ${errnoOf((e as { cause?: unknown }).cause ?? e)}`);
    }
    let ops: { type: 'put'; key: Buffer; value: Buffer }[] = [];
    let bytes = 0;
    for (;;) {
      const entries = await it.nextv(BATCH_ENTRIES);
      const last = entries.length === 0;
      for (const [key, value] of entries) {
        ops.push({ type: 'put', key, value });
        bytes += key.length + value.length;
        keyCount++;
        byteCount += key.length + value.length;
      }
      if (ops.length > 0 && (last || ops.length >= BATCH_ENTRIES || bytes >= BATCH_BYTES)) {
        // The last batch is synced, which syncs the log holding the earlier ones too.
        await out.batch(ops, { sync: last });
        ops = [];
        bytes = 0;
      }
      if (last) break;
    }
    await out.close();
    out = undefined;
    return { directory: target.directory, keyCount, byteCount, snapshotTime, completeTime: now() };
  } catch (e) {
    if (out) await out.close().catch(() => undefined);
    discardTarget(target);
    throw e;
  } finally {
    await it.close().catch(() => undefined);
  }
}

/** Opens a stopped store directory (never creating one). LevelDB's lock makes a running server's store fail with LOCKED. */
export async function openStopped(dir: string): Promise<ClassicLevel<string, string>> {
  const directory = path.resolve(dir);
  try {
    if (!statSync(directory).isDirectory()) throw new BackupError('SOURCE_MISSING', `${directory} is not a directory`);
  } catch (e) {
    if (e instanceof BackupError) throw e;
    throw new BackupError('SOURCE_MISSING', `${directory} does not exist`);
  }
  const db = new ClassicLevel<string, string>(directory, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
  try {
    await db.open({ createIfMissing: false });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    if (cause?.code === 'LEVEL_LOCKED') {
      throw new BackupError('LOCKED', `${directory} is locked by another process (a running server?): LevelDB allows one process at a time. ` +
        'Stop the server first, or work on a copy made with `orderpool backup`.');
    }
    throw new BackupError('SOURCE_MISSING', `${directory} is not a LevelDB store: ${cause?.message ?? (e instanceof Error ? e.message : String(e))}`);
  }
  return db;
}

/**
 * Restores a backup (or any stopped store) into a new data dir, offline:
 * refuses a non-empty target, copies every key, and checks the count.
 */
export async function restoreStore(from: string, to: string): Promise<CopyResult> {
  const src = await openStopped(from);
  try {
    const target = prepareTarget(to, { allowRelative: true, forbidInside: from });
    return await copyInto(src, target);
  } finally {
    await src.close();
  }
}
