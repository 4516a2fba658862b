import { expect } from 'chai';
import { Writable } from 'node:stream';
import { batchWrites } from '../src/api/batched-writes';

/** An object-mode Writable like grpc-js's server streams: only `_write`, which completes when told. */
class HeldWrites extends Writable {
  started: unknown[] = [];
  private held: ((e?: Error | null) => void)[] = [];
  constructor() {
    super({ objectMode: true });
  }
  override _write(chunk: unknown, _encoding: BufferEncoding, callback: (e?: Error | null) => void): void {
    this.started.push(chunk);
    this.held.push(callback);
  }
  /** Completes every write started so far (with `error` for the one at `failAt`). */
  complete(failAt = -1, error = new Error('boom')): void {
    const held = this.held.splice(0);
    held.forEach((cb, i) => cb(i === failAt ? error : null));
  }
}

describe('batchWrites', () => {
  it('should start every write buffered behind a pending one at once, in order', () => {
    const s = new HeldWrites();
    expect(batchWrites(s)).to.equal(true);
    for (let i = 0; i < 5; i++) s.write(i);
    expect(s.started).to.deep.equal([0]);
    s.complete();
    // All four buffered writes started without waiting for each other.
    expect(s.started).to.deep.equal([0, 1, 2, 3, 4]);
    expect(s.writableLength).to.equal(4);
    s.complete();
    expect(s.writableLength).to.equal(0);
  });

  it('should call each write\'s callback once all of its run has completed', async () => {
    const s = new HeldWrites();
    batchWrites(s);
    const done: number[] = [];
    for (let i = 0; i < 4; i++) s.write(i, () => done.push(i));
    s.complete();
    await new Promise((r) => setImmediate(r));
    expect(done).to.deep.equal([0]);
    s.complete();
    await new Promise((r) => setImmediate(r));
    expect(done).to.deep.equal([0, 1, 2, 3]);
  });

  it('should pass an error of one write in a run to the stream', async () => {
    const s = new HeldWrites();
    batchWrites(s);
    const errors: Error[] = [];
    s.on('error', (e: Error) => errors.push(e));
    for (let i = 0; i < 4; i++) s.write(i);
    s.complete();
    s.complete(2, new Error('third of the run'));
    await new Promise((r) => setImmediate(r));
    expect(errors.map((e) => e.message)).to.deep.equal(['third of the run']);
  });

  it('should leave a stream that has a _writev, or no _write, as it is', () => {
    const withWritev = new Writable({ objectMode: true, write: (_c, _e, cb) => cb(), writev: (_c, cb) => cb() });
    const before = (withWritev as unknown as { _writev: unknown })._writev;
    expect(batchWrites(withWritev)).to.equal(false);
    expect((withWritev as unknown as { _writev: unknown })._writev).to.equal(before);
    expect(batchWrites({} as Writable)).to.equal(false);
  });
});
