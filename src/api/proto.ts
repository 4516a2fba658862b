/**
 * Loads the protos once (./proto-definition.ts) and adds grpc-js's service
 * constructors, and protobufjs types for what we encode by hand.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protobuf from 'protobufjs';
import type { ProtoGrpcType } from '../generated/orderpool';
import { packageDefinition, PROTO_DIR } from './proto-definition';

export { LOADER_OPTIONS, packageDefinition, PROTO_DIR, PROTO_FILES } from './proto-definition';

export const proto = grpc.loadPackageDefinition(packageDefinition) as unknown as ProtoGrpcType;
export const v1 = proto.orderpool.v1;

/**
 * protobufjs types for what we encode by hand (status details): only the
 * google.rpc files, not the service's (a second parse of orderpool.proto
 * cost start-up ~40 ms).
 */
const root = new protobuf.Root();
root.resolvePath = (_origin, target) => {
  const local = path.join(PROTO_DIR, target);
  return existsSync(local) ? local : target;
};
root.loadSync(['google/rpc/status.proto', 'google/rpc/error_details.proto'].map((f) => path.join(PROTO_DIR, f)), { keepCase: true });
root.resolveAll();
export const pb = {
  Status: root.lookupType('google.rpc.Status'),
  ErrorInfo: root.lookupType('google.rpc.ErrorInfo'),
  BadRequest: root.lookupType('google.rpc.BadRequest'),
  RetryInfo: root.lookupType('google.rpc.RetryInfo'),
};
