/**
 * The protos as proto-loader's package definition: the messages' encoders and
 * decoders, without grpc-js. The runtime thread needs only this to decode
 * and answer the order commands, so it does not load grpc-js at start
 * (./proto.ts adds the grpc-js service constructors for the gRPC thread).
 * The loader options must match the ones scripts/gen-types.sh gives
 * proto-loader-gen-types, so the generated types in src/generated describe
 * exactly what grpc-js hands the handlers.
 */
import * as path from 'node:path';
import * as protoLoader from '@grpc/proto-loader';

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
