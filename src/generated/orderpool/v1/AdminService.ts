// Original file: proto/orderpool/v1/orderpool.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { Backup as _orderpool_v1_Backup, Backup__Output as _orderpool_v1_Backup__Output } from '../../orderpool/v1/Backup';
import type { CreateBackupRequest as _orderpool_v1_CreateBackupRequest, CreateBackupRequest__Output as _orderpool_v1_CreateBackupRequest__Output } from '../../orderpool/v1/CreateBackupRequest';

/**
 * AdminService is for operators. Every RPC needs the admin role (when an
 * auth file is configured); other callers get PERMISSION_DENIED
 * (ROLE_NOT_ALLOWED).
 */
export interface AdminServiceClient extends grpc.Client {
  /**
   * Writes a consistent copy of the whole store into a new LevelDB at
   * `directory` on the server's machine while the server keeps serving. The
   * copy is read through one LevelDB snapshot: it holds every command
   * acknowledged before the call started, and each command's events,
   * snapshot and outbox rows entirely or not at all. Restore it offline with
   * `orderpool restore --from DIR --data-dir DIR`, or start a server on it.
   * Returns INVALID_ARGUMENT (MISSING_FIELD; INVALID_PATH when directory is
   * not an absolute path); FAILED_PRECONDITION with BACKUP_DIR_NOT_EMPTY
   * (directory exists and is not an empty directory), BACKUP_DIR_UNUSABLE
   * (it cannot be created or written; nothing is left behind) or
   * BACKUP_IN_PROGRESS (another backup is running); UNAVAILABLE
   * (SHUTTING_DOWN) when the server drains.
   */
  CreateBackup(argument: _orderpool_v1_CreateBackupRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Backup__Output>): grpc.ClientUnaryCall;
  CreateBackup(argument: _orderpool_v1_CreateBackupRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_orderpool_v1_Backup__Output>): grpc.ClientUnaryCall;
  CreateBackup(argument: _orderpool_v1_CreateBackupRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Backup__Output>): grpc.ClientUnaryCall;
  CreateBackup(argument: _orderpool_v1_CreateBackupRequest, callback: grpc.requestCallback<_orderpool_v1_Backup__Output>): grpc.ClientUnaryCall;
  /**
   * Writes a consistent copy of the whole store into a new LevelDB at
   * `directory` on the server's machine while the server keeps serving. The
   * copy is read through one LevelDB snapshot: it holds every command
   * acknowledged before the call started, and each command's events,
   * snapshot and outbox rows entirely or not at all. Restore it offline with
   * `orderpool restore --from DIR --data-dir DIR`, or start a server on it.
   * Returns INVALID_ARGUMENT (MISSING_FIELD; INVALID_PATH when directory is
   * not an absolute path); FAILED_PRECONDITION with BACKUP_DIR_NOT_EMPTY
   * (directory exists and is not an empty directory), BACKUP_DIR_UNUSABLE
   * (it cannot be created or written; nothing is left behind) or
   * BACKUP_IN_PROGRESS (another backup is running); UNAVAILABLE
   * (SHUTTING_DOWN) when the server drains.
   */
  createBackup(argument: _orderpool_v1_CreateBackupRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Backup__Output>): grpc.ClientUnaryCall;
  createBackup(argument: _orderpool_v1_CreateBackupRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_orderpool_v1_Backup__Output>): grpc.ClientUnaryCall;
  createBackup(argument: _orderpool_v1_CreateBackupRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_orderpool_v1_Backup__Output>): grpc.ClientUnaryCall;
  createBackup(argument: _orderpool_v1_CreateBackupRequest, callback: grpc.requestCallback<_orderpool_v1_Backup__Output>): grpc.ClientUnaryCall;
  
}

/**
 * AdminService is for operators. Every RPC needs the admin role (when an
 * auth file is configured); other callers get PERMISSION_DENIED
 * (ROLE_NOT_ALLOWED).
 */
export interface AdminServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Writes a consistent copy of the whole store into a new LevelDB at
   * `directory` on the server's machine while the server keeps serving. The
   * copy is read through one LevelDB snapshot: it holds every command
   * acknowledged before the call started, and each command's events,
   * snapshot and outbox rows entirely or not at all. Restore it offline with
   * `orderpool restore --from DIR --data-dir DIR`, or start a server on it.
   * Returns INVALID_ARGUMENT (MISSING_FIELD; INVALID_PATH when directory is
   * not an absolute path); FAILED_PRECONDITION with BACKUP_DIR_NOT_EMPTY
   * (directory exists and is not an empty directory), BACKUP_DIR_UNUSABLE
   * (it cannot be created or written; nothing is left behind) or
   * BACKUP_IN_PROGRESS (another backup is running); UNAVAILABLE
   * (SHUTTING_DOWN) when the server drains.
   */
  CreateBackup: grpc.handleUnaryCall<_orderpool_v1_CreateBackupRequest__Output, _orderpool_v1_Backup>;
  
}

export interface AdminServiceDefinition extends grpc.ServiceDefinition {
  CreateBackup: MethodDefinition<_orderpool_v1_CreateBackupRequest, _orderpool_v1_Backup, _orderpool_v1_CreateBackupRequest__Output, _orderpool_v1_Backup__Output>
}
