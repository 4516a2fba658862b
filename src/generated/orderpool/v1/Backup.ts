// Original file: proto/orderpool/v1/orderpool.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';
import type { Long } from '@grpc/proto-loader';

/**
 * A consistent copy of the store, made by CreateBackup.
 */
export interface Backup {
  /**
   * Absolute path of the copy on the server's machine.
   */
  'directory'?: (string);
  /**
   * How many keys were copied.
   */
  'keyCount'?: (number | string | Long);
  /**
   * Bytes of keys and values copied.
   */
  'byteCount'?: (number | string | Long);
  /**
   * When the snapshot the copy was read from was taken.
   */
  'snapshotTime'?: (_google_protobuf_Timestamp | null);
  /**
   * When the copy was complete and synced.
   */
  'completeTime'?: (_google_protobuf_Timestamp | null);
}

/**
 * A consistent copy of the store, made by CreateBackup.
 */
export interface Backup__Output {
  /**
   * Absolute path of the copy on the server's machine.
   */
  'directory': (string);
  /**
   * How many keys were copied.
   */
  'keyCount': (string);
  /**
   * Bytes of keys and values copied.
   */
  'byteCount': (string);
  /**
   * When the snapshot the copy was read from was taken.
   */
  'snapshotTime': (_google_protobuf_Timestamp__Output | null);
  /**
   * When the copy was complete and synced.
   */
  'completeTime': (_google_protobuf_Timestamp__Output | null);
}
