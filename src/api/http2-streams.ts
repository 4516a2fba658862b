/**
 * Gives each HTTP/2 session that grpc-js accepts a stream table that does not
 * keep finished calls alive (../runtime/int-table.ts).
 *
 * node:http2 keeps a session's open streams in a Map (`session[kState]
 * .streams`: set when a stream opens, deleted when it closes), one entry per
 * call. Under load V8 rebuilds that Map's hash table every few dozen calls,
 * and each table it gives up keeps pointing at the streams it held and at
 * its successor. After the gRPC thread's first mark-compact under load
 * (which moves the live table to the old generation), every call that passed
 * through the table survived the scavenges and was promoted: ~2 MB per
 * scavenge (the stream, grpc-js's call, the answer), which the next
 * mark-compact had to find dead, and then the next cycle began.
 * docs/benchmarks.md, "Tenth session", has the figures.
 *
 * node:http2 uses only `get`, `set`, `delete`, `size` and `forEach` of that
 * Map, all of which IntTable has (stream ids are positive integers). The
 * field is node's, not public: the swap is made only where it is found as
 * expected (a Map on a symbol described 'state'), and otherwise the session
 * keeps its Map and works as before, only with the extra garbage.
 */
import type { Http2Session } from 'node:http2';
import type * as grpc from '@grpc/grpc-js';
import { IntTable } from '../runtime/int-table';

/** Swaps a session's stream Map for an IntTable; false (and no change) when the session is not as expected. */
export function untangleSession(session: Http2Session): boolean {
  const kState = Object.getOwnPropertySymbols(session).find((s) => s.description === 'state');
  if (!kState) return false;
  const state = (session as unknown as Record<symbol, { streams?: unknown } | undefined>)[kState];
  // node's SafeMap is a Map of its own primordials: not `instanceof` this realm's Map.
  if (!state || Object.prototype.toString.call(state.streams) !== '[object Map]') return false;
  const table = new IntTable<unknown>();
  for (const [id, stream] of state.streams as Map<unknown, unknown>) {
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) return false;
    table.set(id, stream);
  }
  state.streams = table;
  return true;
}

export interface SessionHook {
  /** HTTP/2 servers hooked (0: grpc-js is not as expected, and nothing was changed). */
  servers: number;
  /** Sessions given a table so far. */
  untangled(): number;
  /** Sessions left with their Map (not as expected). */
  missed(): number;
}

/**
 * Hooks every HTTP/2 server that grpc-js has bound (its private
 * `http2Servers` map, read after bindAsync) so that each new session gets
 * the table. `onFirstMiss` is called once, for the first session that is
 * not as expected.
 */
export function untangleServerSessions(server: grpc.Server, onFirstMiss: () => void): SessionHook {
  let untangled = 0;
  let missed = 0;
  const hook: SessionHook = { servers: 0, untangled: () => untangled, missed: () => missed };
  const servers = (server as unknown as { http2Servers?: unknown }).http2Servers;
  if (!(servers instanceof Map)) return hook;
  for (const h2 of servers.keys() as IterableIterator<{ on?: unknown }>) {
    if (typeof h2.on !== 'function') continue;
    (h2 as { on(e: 'session', fn: (s: Http2Session) => void): void }).on('session', (session) => {
      if (untangleSession(session)) {
        untangled++;
      } else if (missed++ === 0) {
        onFirstMiss();
      }
    });
    hook.servers++;
  }
  return hook;
}
