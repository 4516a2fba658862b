/**
 * AdminService handlers: operator calls, admin role only. CreateBackup copies
 * the running store through one LevelDB snapshot (src/store/backup.ts): the
 * server makes the copy because LevelDB allows one process per directory.
 */
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { invalid, OrderpoolError, precondition, unavailable } from '../domain/errors';
import type { AdminServiceHandlers } from '../generated/orderpool/v1/AdminService';
import type { Backup } from '../generated/orderpool/v1/Backup';
import type { CreateBackupRequest__Output } from '../generated/orderpool/v1/CreateBackupRequest';
import { BackupError, prepareTarget } from '../store/backup';
import type { Backend } from '../runtime/backend';
import { requireRole, type Auth } from './auth';
import { timestamp } from './convert';
import { toServiceError } from './status';

export function adminHandlers(store: Pick<Backend, 'backupTo'>, dataDir: string, auth: Auth, log: Logger, shutdown: { draining: boolean }): AdminServiceHandlers {
  let running = false;

  const toDomain = (e: unknown): unknown => {
    if (!(e instanceof BackupError)) return e;
    switch (e.problem) {
      case 'INVALID_PATH': return invalid('INVALID_PATH', e.message, 'directory');
      case 'NOT_EMPTY': return precondition('BACKUP_DIR_NOT_EMPTY', e.message);
      default: return precondition('BACKUP_DIR_UNUSABLE', e.message);
    }
  };

  async function createBackup(req: CreateBackupRequest__Output): Promise<Backup> {
    if (!req.directory) throw invalid('MISSING_FIELD', 'directory: directory is required', 'directory');
    if (running) throw precondition('BACKUP_IN_PROGRESS', 'another backup is running; try again when it is done');
    running = true;
    try {
      const target = prepareTarget(req.directory, { forbidInside: dataDir });
      log.info({ directory: target.directory }, 'backup started');
      const r = await store.backupTo(target);
      log.info({ directory: r.directory, keys: r.keyCount, bytes: r.byteCount, ms: r.completeTime - r.snapshotTime }, 'backup written');
      return {
        directory: r.directory,
        keyCount: String(r.keyCount),
        byteCount: String(r.byteCount),
        snapshotTime: timestamp(r.snapshotTime),
        completeTime: timestamp(r.completeTime),
      };
    } catch (e) {
      if (e instanceof BackupError || e instanceof OrderpoolError) throw toDomain(e);
      log.error({ err: e, directory: req.directory }, 'backup failed');
      throw precondition('BACKUP_DIR_UNUSABLE', `the copy could not be written: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      running = false;
    }
  }

  return {
    CreateBackup: (call: grpc.ServerUnaryCall<CreateBackupRequest__Output, Backup>, callback: grpc.sendUnaryData<Backup>) => {
      Promise.resolve()
        .then(() => {
          if (shutdown.draining) throw unavailable('SHUTTING_DOWN', 'the server is shutting down');
          requireRole(auth.authenticate(call.metadata), ['admin']);
          return createBackup(call.request);
        })
        .then(
          (res) => callback(null, res),
          (e: unknown) => callback(toServiceError(e, (err) => log.error({ err }, 'internal error')) as grpc.ServiceError),
        );
    },
  };
}
