/**
 * A request body that is not a valid protobuf message of its type. grpc-js
 * answers a deserializer that throws with INTERNAL and no details (and ends a
 * client stream at the first bad message); instead, the service definitions
 * we serve hand such a body to the handler as a MalformedMessage, and
 * `parse` (validate.ts) turns it into INVALID_ARGUMENT / MALFORMED_MESSAGE
 * like any other bad field — so StreamOrderEvents acks it and goes on.
 */
import type * as grpc from '@grpc/grpc-js';
import { invalid } from '../domain/errors';

export class MalformedMessage {
  constructor(readonly cause: string) {}
}

export const malformed = () => invalid('MALFORMED_MESSAGE', 'the request is not a valid protobuf message of its type');

/** The service definition with deserializers that never throw. */
export function tolerantService<D extends grpc.ServiceDefinition>(def: D): D {
  const out: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const [name, method] of Object.entries(def as grpc.ServiceDefinition)) {
    out[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer) => {
        try {
          return method.requestDeserialize(bytes);
        } catch (e) {
          return new MalformedMessage(e instanceof Error ? e.message : String(e));
        }
      },
    };
  }
  return out as D;
}
