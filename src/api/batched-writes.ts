/**
 * Lets the messages buffered in a grpc-js server stream leave together.
 *
 * grpc-js's server streams are object-mode Writables with only `_write`:
 * each message is handed to the HTTP/2 stream, and the next one waits in the
 * Writable until that write has completed, which node:http2 reports after it
 * has sent the data to the socket. A burst of acks on one StreamOrderEvents
 * call therefore went out as one socket write per ack, each in its own turn
 * of nghttp2's send loop (docs/benchmarks.md, "Fourteenth session").
 *
 * With a `_writev`, Node's Writable passes everything buffered behind a write
 * in one call. Each message is then handed to the HTTP/2 stream at once; the
 * HTTP/2 stream buffers them behind its own write and sends them together,
 * and nghttp2 packs them into as few DATA frames as its frame size allows.
 * Each message is still serialized, size-checked and counted by grpc-js as
 * before: only the waiting between them is gone.
 */
import type { Writable } from 'node:stream';

type WriteFn = (chunk: unknown, encoding: BufferEncoding, callback: (error?: Error | null) => void) => void;

/**
 * Gives a grpc-js server stream a `_writev` made of its own `_write`.
 * False (and nothing changed) where the stream already has one or has no
 * `_write` of its own class to build it from.
 */
export function batchWrites(stream: Writable): boolean {
  const own = stream as unknown as { _write?: WriteFn; _writev?: unknown };
  const write = own._write;
  if (typeof write !== 'function' || typeof own._writev === 'function') return false;
  own._writev = function writev(
    this: Writable, chunks: { chunk: unknown; encoding: BufferEncoding }[], callback: (error?: Error | null) => void,
  ): void {
    let left = chunks.length;
    let failed: Error | null = null;
    const one = (error?: Error | null) => {
      if (error && !failed) failed = error;
      if (--left === 0) callback(failed);
    };
    for (const c of chunks) write.call(this, c.chunk, c.encoding, one);
  };
  return true;
}
