// Original file: proto/orderpool/v1/orderpool.proto


/**
 * Request of CreateBackup.
 */
export interface CreateBackupRequest {
  /**
   * Absolute path, on the server's machine, of the directory to write the
   * copy to. It must not exist (it is created, with its parents) or be an
   * empty directory.
   */
  'directory'?: (string);
}

/**
 * Request of CreateBackup.
 */
export interface CreateBackupRequest__Output {
  /**
   * Absolute path, on the server's machine, of the directory to write the
   * copy to. It must not exist (it is created, with its parents) or be an
   * empty directory.
   */
  'directory': (string);
}
