/**
 * Loads the protos once. The loader options must match the ones
 * scripts/gen-types.sh gives proto-loader-gen-types, so the generated types
 * in src/generated describe exactly what grpc-js hands the handlers.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import * as protobuf from 'protobufjs';
import type { ProtoGrpcType } from '../generated/orderpool';

export const PROTO_DIR = path.resolve(__dirname, '../../proto');
export const PROTO_FILES = ['orderpool/v1/orderpool.proto', 'google/rpc/error_details.proto'];

export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};

export const packageDefinition = protoLoader.loadSync(PROTO_FILES, LOADER_OPTIONS);
export const proto = grpc.loadPackageDefinition(packageDefinition) as unknown as ProtoGrpcType;
export const v1 = proto.orderpool.v1;

/** protobufjs types for what we encode by hand (status details). */
const root = new protobuf.Root();
root.resolvePath = (_origin, target) => {
  const local = path.join(PROTO_DIR, target);
  return existsSync(local) ? local : target;
};
root.loadSync(PROTO_FILES.map((f) => path.join(PROTO_DIR, f)), { keepCase: true });
root.resolveAll();
export const pb = {
  Status: root.lookupType('google.rpc.Status'),
  ErrorInfo: root.lookupType('google.rpc.ErrorInfo'),
  BadRequest: root.lookupType('google.rpc.BadRequest'),
  RetryInfo: root.lookupType('google.rpc.RetryInfo'),
};
