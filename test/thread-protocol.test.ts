/**
 * src/runtime/thread-protocol.ts: the Outbox that gathers the messages
 * crossing between the gRPC and runtime threads into one postMessage.
 */
import { expect } from 'chai';
import { Outbox, OUTBOX_FULL } from '../src/runtime/thread-protocol';

const tick = () => new Promise<void>((r) => setImmediate(r));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('Outbox', () => {
  it('should send the messages of one callback and its microtasks as one array when it has no linger', async () => {
    const posted: number[][] = [];
    const out = new Outbox<number>((b) => posted.push(b));
    queueMicrotask(() => out.send(2)); // a microtask of this callback, queued before the flush
    out.send(1);
    expect(posted).to.deep.equal([]);
    await tick();
    expect(posted).to.deep.equal([[1, 2]]);
    out.send(3);
    await tick();
    expect(posted).to.deep.equal([[1, 2], [3]]);
  });

  it('should hold messages for the linger while busy() says other calls are on their way, and not otherwise', async () => {
    const linger = 25;
    let busy = false;
    const posted: number[][] = [];
    const out = new Outbox<number>((b) => posted.push(b), linger, () => busy);
    out.send(1); // alone: goes with its callback
    await tick();
    expect(posted).to.deep.equal([[1]]);
    busy = true;
    out.send(2); // others on their way: waits for company
    await tick();
    out.send(3);
    await tick();
    expect(posted).to.deep.equal([[1]]);
    await sleep(linger + 15);
    expect(posted).to.deep.equal([[1], [2, 3]]);
    busy = false;
    out.send(4);
    await tick();
    expect(posted).to.deep.equal([[1], [2, 3], [4]]);
  });

  it('should not hold a full batch for the linger', async () => {
    const posted: number[][] = [];
    const out = new Outbox<number>((b) => posted.push(b), 1_000, () => true);
    const all = Array.from({ length: OUTBOX_FULL + 3 }, (_, i) => i);
    for (const n of all.slice(0, OUTBOX_FULL - 1)) out.send(n);
    await tick();
    expect(posted).to.deep.equal([]); // not full yet: lingering
    for (const n of all.slice(OUTBOX_FULL - 1)) out.send(n); // the 16th fills it; the rest join before the flush runs
    await tick();
    expect(posted).to.deep.equal([all]);
    out.send(99); // a new batch lingers again
    await tick();
    expect(posted).to.have.length(1);
    out.flush();
    expect(posted).to.deep.equal([all, [99]]);
  });

  it('should send what it holds at once on flush', () => {
    const posted: number[][] = [];
    const out = new Outbox<number>((b) => posted.push(b), 1_000, () => true);
    out.send(1);
    out.flush();
    out.send(2);
    out.flush();
    expect(posted).to.deep.equal([[1], [2]]);
  });
});
