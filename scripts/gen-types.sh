#!/usr/bin/env bash
# Regenerates the TypeScript types of the protos into src/generated/ (never
# edited by hand). The options must match the loader options in
# src/api/proto.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf src/generated
npx proto-loader-gen-types --longs=String --enums=String --defaults --oneofs \
  --includeComments --grpcLib=@grpc/grpc-js -I proto -O src/generated \
  orderpool/v1/orderpool.proto google/rpc/error_details.proto
