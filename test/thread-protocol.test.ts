/**
 * src/runtime/thread-protocol.ts: the Outbox that gathers the messages
 * crossing between the gRPC and runtime threads into one postMessage, and
 * the packing of the order commands and their answers in it, and the
 * runtime thread's Intake, which starts what arrives in turns.
 */
import { MessageChannel } from 'node:worker_threads';
import { expect } from 'chai';
import { eachAnswer, eachCommand, Intake, Outbox, OUTBOX_FULL, pack, type FromRuntime, type PackedAnswers, type PackedCommands, type ToRuntime } from '../src/runtime/thread-protocol';

const tick = () => new Promise<void>((r) => setImmediate(r));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const bytesOf = (s: string) => new Uint8Array(Buffer.from(s));
const text = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString();

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

describe('pack', () => {
  it('should pack each run of order commands and of answers into one message, keeping every other message in its place', () => {
    const slab = Buffer.from('..complete-me..');
    const batch: (ToRuntime | FromRuntime)[] = [
      { k: 'cmd', id: 1, kind: 'record', bytes: bytesOf('first') },
      { k: 'cmd', id: 2, kind: 'complete', bytes: slab.subarray(2, 13) }, // a view into a larger buffer
      { k: 'cmd', id: 3, kind: 'refund', bytes: new Uint8Array(0) }, // an empty request
      { k: 'sub', merchantId: 'M' },
      { k: 'cmd', id: 4, kind: 'record', bytes: bytesOf('after the sub') },
      { k: 'answer', id: 5, bytes: bytesOf('an answer') },
      { k: 'ok', id: 6, value: 'not bytes' },
      { k: 'answer', id: 7, bytes: bytesOf('x') },
      { k: 'answer', id: 8, bytes: bytesOf('yz') },
    ];
    const { messages, transfer } = pack(batch);
    expect(messages.map((m) => m.k)).to.deep.equal(['cmds', 'sub', 'cmds', 'answers', 'ok', 'answers']);
    expect(transfer).to.have.length(8); // two buffers per packed run
    const commands: [number, string, string][] = [];
    for (const m of messages) if (m.k === 'cmds') eachCommand(m as PackedCommands, (id, kind, b) => commands.push([id, kind, text(b)]));
    expect(commands).to.deep.equal([[1, 'record', 'first'], [2, 'complete', 'complete-me'], [3, 'refund', ''], [4, 'record', 'after the sub']]);
    const answers: [number, string][] = [];
    for (const m of messages) if (m.k === 'answers') eachAnswer(m as PackedAnswers, (id, b) => answers.push([id, text(b)]));
    expect(answers).to.deep.equal([[5, 'an answer'], [7, 'x'], [8, 'yz']]);
    expect(messages[1]).to.equal(batch[3]);
    expect(messages[4]).to.equal(batch[6]);
  });

  it('should cross a MessageChannel by transfer, with the same ids, kinds and bytes on the other side', async () => {
    const { port1, port2 } = new MessageChannel();
    try {
      const batch: ToRuntime[] = Array.from({ length: 40 }, (_, i) => ({
        k: 'cmd' as const, id: 2 ** 40 + i, kind: (['record', 'complete', 'refund'] as const)[i % 3]!, bytes: bytesOf(`request ${i} `.repeat(i % 5)),
      }));
      const { messages, transfer } = pack(batch);
      const received = new Promise<unknown[]>((resolve) => port2.once('message', resolve));
      port1.postMessage(messages, transfer);
      expect((messages[0] as PackedCommands).bytes.byteLength).to.equal(0); // transferred: detached here
      const got: [number, string, string][] = [];
      for (const m of await received) eachCommand(m as PackedCommands, (id, kind, b) => got.push([id, kind, text(b)]));
      expect(got).to.deep.equal(batch.map((m) => m.k === 'cmd' && [m.id, m.kind, text(m.bytes)]));
    } finally {
      port1.close();
    }
  });

  it('should refuse a packed run with a kind it does not know', () => {
    const run: PackedCommands = { k: 'cmds', meta: new Float64Array([1, 7, 0]), bytes: new Uint8Array(0) };
    expect(() => eachCommand(run, () => undefined)).to.throw(/unknown kind 7/);
  });
});

describe('Intake', () => {
  const run = (ids: number[]): PackedCommands => pack(ids.map((id) => ({ k: 'cmd' as const, id, kind: 'record' as const, bytes: bytesOf(`r${id}`) }))).messages[0] as PackedCommands;

  it('should give the commands of a run from a given one, and stop after the one its stop says', () => {
    const seen: string[] = [];
    const p = run([1, 2, 3, 4, 5]);
    let n = 0;
    expect(eachCommand(p, (id, _k, b) => seen.push(`${id}:${text(b)}`), 1, () => ++n === 2)).to.equal(3);
    expect(seen).to.deep.equal(['2:r2', '3:r3']);
    expect(eachCommand(p, (id, _k, b) => seen.push(`${id}:${text(b)}`), 3)).to.equal(5);
    expect(seen).to.deep.equal(['2:r2', '3:r3', '4:r4', '5:r5']);
  });

  it('should start what arrives in a later turn, in order, and leave what a spent turn did not start to the next', async () => {
    const started: (number | string)[] = [];
    // A turn of 0 ms is spent at its first check of the clock: every eighth command.
    const intake = new Intake((m) => started.push(m.k === 'sub' ? `sub ${m.merchantId}` : m.k), (id) => started.push(id), 0);
    intake.add([run(Array.from({ length: 20 }, (_, i) => i)), { k: 'sub', merchantId: 'M' }]);
    expect(started).to.deep.equal([]); // not in the callback that received it
    const between: number[] = [];
    // Scheduled after the intake's first turn: runs between its turns, as the event loop's I/O does.
    setImmediate(() => between.push(started.length));
    await tick();
    expect(started).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7]);
    intake.add([run([100]), { k: 'unsub', merchantId: 'M' }]); // behind what is left
    expect(intake.waiting).to.equal(4);
    while (intake.waiting > 0) await tick();
    expect(between).to.deep.equal([8]);
    expect(started).to.deep.equal([...Array.from({ length: 20 }, (_, i) => i), 'sub M', 100, 'unsub']);
  });

  it('should start everything in one turn when the turn has time for it', async () => {
    const started: number[] = [];
    const intake = new Intake(() => undefined, (id) => started.push(id), 1000);
    intake.add([run(Array.from({ length: 500 }, (_, i) => i))]);
    await tick();
    expect(started).to.have.length(500);
    expect(intake.waiting).to.equal(0);
  });
});
