/**
 * Pre-encoded, distinct request frames.
 *
 * Worker w of W owns the global indexes g = w, w + W, w + 2W, ... so no two
 * workers ever send the same order. Item g of a spec names merchant
 * `<prefix>m<g % merchants>` and order `<prefix>o<g>`. Frames are encoded in
 * blocks into one contiguous Buffer each, before the measured window; a
 * frame is a zero-copy subarray, and consecutive frames of a block can be
 * written to a stream with one write (ingestion).
 */
import { encodeFrame, types } from './wire';

export type SourceSpec =
  /** GetLender of one lender (a read: the same request every time). */
  | { kind: 'getLender'; lenderId: string }
  /** RecordOrder (or OrderEvent.record when `event`). */
  | { kind: 'record'; prefix: string; merchants: number; amount?: number; limit?: number; event?: boolean }
  /** CompleteOrder (or OrderEvent.complete when `event`); always finite. */
  | { kind: 'complete'; prefix: string; merchants: number; limit: number; event?: boolean };

const BLOCK = 8192;

interface Block {
  buf: Buffer;
  /** offs[i]..offs[i+1] is frame i of the block. */
  offs: Uint32Array;
  count: number;
  /** Local index (0, 1, 2 ... for this worker) of the block's first frame. */
  first: number;
}

export class FrameSource {
  private readonly blocks: Block[] = [];
  private block = 0;
  private inBlock = 0;
  private encoded = 0;
  /** Frames handed out so far (the next local index). */
  taken = 0;
  /** Blocks encoded during a run because the prepared ones ran out. */
  refills = 0;
  exhausted = false;
  private readonly total: number;

  constructor(private readonly spec: SourceSpec, private readonly worker: number, private readonly workers: number) {
    const limit = spec.kind === 'getLender' ? Infinity : spec.limit ?? Infinity;
    // Items g < limit with g ≡ worker (mod workers).
    this.total = limit === Infinity ? Infinity : Math.max(0, Math.ceil((limit - worker) / workers));
  }

  /** The global index of local index i. */
  globalIndex(i: number): number {
    return this.worker + i * this.workers;
  }

  /** How many frames this worker can send at most. */
  get capacity(): number {
    return this.total;
  }

  /** Encodes frames until at least `count` are ready (or the spec ends). */
  prepare(count: number): void {
    while (this.encoded < Math.min(count, this.total)) this.encodeBlock();
  }

  /** The next frame and its local index, or undefined when exhausted. */
  next(): { frame: Buffer; index: number } | undefined {
    const got = this.take(1);
    return got ? { frame: got.buf, index: got.first } : undefined;
  }

  /** Up to `max` consecutive frames as one buffer. */
  take(max: number): { buf: Buffer; count: number; first: number } | undefined {
    if (this.spec.kind === 'getLender') {
      if (this.blocks.length === 0) this.encodeBlock();
      const b = this.blocks[0]!;
      this.taken += 1;
      return { buf: b.buf.subarray(b.offs[0], b.offs[1]), count: 1, first: this.taken - 1 };
    }
    let b = this.blocks[this.block];
    if (b && this.inBlock >= b.count) {
      this.block++;
      this.inBlock = 0;
      b = this.blocks[this.block];
    }
    if (!b) {
      if (this.encoded >= this.total) {
        this.exhausted = true;
        return undefined;
      }
      this.refills++;
      this.encodeBlock();
      b = this.blocks[this.block]!;
    }
    const n = Math.min(max, b.count - this.inBlock);
    const first = b.first + this.inBlock;
    const buf = b.buf.subarray(b.offs[this.inBlock], b.offs[this.inBlock + n]);
    this.inBlock += n;
    this.taken += n;
    // Blocks already sent are dropped so a long run does not hold them all.
    if (this.block > 0) this.blocks[this.block - 1] = undefined as unknown as Block;
    return { buf, count: n, first };
  }

  private encodeBlock(): void {
    const first = this.encoded;
    const n = this.spec.kind === 'getLender' ? 1 : Math.min(BLOCK, this.total - first);
    const frames: Uint8Array[] = [];
    let bytes = 0;
    for (let i = 0; i < n; i++) {
      const f = this.encodeOne(this.globalIndex(first + i));
      frames.push(f);
      bytes += f.length;
    }
    const buf = Buffer.allocUnsafe(bytes);
    const offs = new Uint32Array(n + 1);
    let pos = 0;
    for (let i = 0; i < n; i++) {
      offs[i] = pos;
      buf.set(frames[i]!, pos);
      pos += frames[i]!.length;
    }
    offs[n] = pos;
    this.blocks.push({ buf, offs, count: n, first });
    this.encoded += n;
  }

  private encodeOne(g: number): Uint8Array {
    const s = this.spec;
    switch (s.kind) {
      case 'getLender':
        return encodeFrame(types.GetLenderRequest, { lender_id: s.lenderId });
      case 'record': {
        const record = {
          merchant_id: `${s.prefix}m${g % s.merchants}`,
          order_id: `${s.prefix}o${g}`,
          buyer_id: `b${g % 9973}`,
          amount: { currency_code: 'USD', minor_units: s.amount ?? 1000 + (g % 9000) },
        };
        return s.event ? encodeFrame(types.OrderEvent, { record }) : encodeFrame(types.RecordOrderRequest, record);
      }
      case 'complete': {
        const complete = { merchant_id: `${s.prefix}m${g % s.merchants}`, order_id: `${s.prefix}o${g}` };
        return s.event ? encodeFrame(types.OrderEvent, { complete }) : encodeFrame(types.CompleteOrderRequest, complete);
      }
    }
  }
}
