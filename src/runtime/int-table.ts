/**
 * A map from non-negative safe integers to values, for long-lived tables
 * whose entries come and go with each call (calls in flight, HTTP/2 streams).
 *
 * Why not a Map: V8 keeps a Map's entries in a hash table that it replaces
 * whenever the table fills with deleted entries (every few dozen calls, for a
 * table of calls in flight), and the replaced table keeps pointing at its
 * entries and at its successor (so that live iterators can follow). Once the
 * table is in the old generation (a mark-compact moves it there), each
 * replaced table is garbage that no scavenge can see is garbage: the entries
 * it points at, and the next table, survive every scavenge until the next
 * mark-compact, and every call that passed through the table is promoted.
 * In the gRPC thread that was ~2 MB promoted per scavenge under load, the
 * calls' own objects, which the next mark-compact then had to find dead, one
 * by one (docs/benchmarks.md, "Tenth session").
 *
 * This table keeps its keys in a Float64Array (no pointers), its values in an
 * array it allocates once per size, and clears every slot it gives up: a
 * deleted entry's slot and, after a resize, the whole old array. So nothing
 * it has let go of stays reachable through it.
 *
 * Open addressing with linear probing; deleted slots are tombstones until the
 * next resize. Keys must be integers in [0, 2^53).
 */
const EMPTY = -1;
const TOMBSTONE = -2;
const MIN_CAPACITY = 16;

export class IntTable<V> {
  private slotKeys: Float64Array;
  private slotVals: (V | undefined)[];
  private mask: number;
  private bits: number;
  private live = 0;
  /** Live entries plus tombstones: what the probe sequences cross. */
  private used = 0;

  constructor(capacity = MIN_CAPACITY) {
    const cap = capacityFor(capacity);
    this.slotKeys = new Float64Array(cap).fill(EMPTY);
    this.slotVals = new Array<V | undefined>(cap).fill(undefined);
    this.mask = cap - 1;
    this.bits = Math.log2(cap);
  }

  get size(): number {
    return this.live;
  }

  get(key: number): V | undefined {
    const i = this.find(key);
    return i < 0 ? undefined : this.slotVals[i];
  }

  has(key: number): boolean {
    return this.find(key) >= 0;
  }

  set(key: number, value: V): this {
    if (!(Number.isSafeInteger(key) && key >= 0)) throw new RangeError(`IntTable key must be a non-negative safe integer, got ${key}`);
    const at = this.find(key);
    if (at >= 0) {
      this.slotVals[at] = value;
      return this;
    }
    if ((this.used + 1) * 2 > this.slotKeys.length) this.resize(capacityFor((this.live + 1) * 4));
    let i = this.slot(key);
    // Reuse the first tombstone on the way to an empty slot.
    while (this.slotKeys[i] !== EMPTY && this.slotKeys[i] !== TOMBSTONE) i = (i + 1) & this.mask;
    if (this.slotKeys[i] === EMPTY) this.used++;
    this.slotKeys[i] = key;
    this.slotVals[i] = value;
    this.live++;
    return this;
  }

  delete(key: number): boolean {
    const i = this.find(key);
    if (i < 0) return false;
    this.slotKeys[i] = TOMBSTONE;
    this.slotVals[i] = undefined;
    this.live--;
    return true;
  }

  clear(): void {
    this.slotKeys.fill(EMPTY);
    this.slotVals.fill(undefined);
    this.live = 0;
    this.used = 0;
  }

  /**
   * Calls `fn` for each entry present when it is called, in no particular
   * order, skipping those deleted meanwhile (as a Map's forEach does).
   */
  forEach(fn: (value: V, key: number, table: this) => void): void {
    for (const [k, v] of this.snapshot()) if (this.get(k) === v) fn(v, k, this);
  }

  /** The entries, keys and values iterate a snapshot (so the table may change while they are used). */
  entries(): IterableIterator<[number, V]> {
    return this.snapshot()[Symbol.iterator]();
  }

  keys(): IterableIterator<number> {
    return this.snapshot().map(([k]) => k)[Symbol.iterator]();
  }

  values(): IterableIterator<V> {
    return this.snapshot().map(([, v]) => v)[Symbol.iterator]();
  }

  private snapshot(): [number, V][] {
    const out: [number, V][] = [];
    for (let i = 0; i < this.slotKeys.length; i++) if (this.slotKeys[i]! >= 0) out.push([this.slotKeys[i]!, this.slotVals[i] as V]);
    return out;
  }

  [Symbol.iterator](): IterableIterator<[number, V]> {
    return this.entries();
  }

  private slot(key: number): number {
    // Fibonacci hashing of the low 32 bits mixed with the high ones.
    return Math.imul((key | 0) ^ ((key / 0x100000000) | 0), 0x9e3779b1) >>> (32 - this.bits);
  }

  private find(key: number): number {
    // Negative keys would match the EMPTY and TOMBSTONE markers (NaN matches nothing anyway).
    if (key < 0) return -1;
    let i = this.slot(key);
    for (;;) {
      const k = this.slotKeys[i];
      if (k === key) return i;
      if (k === EMPTY) return -1;
      i = (i + 1) & this.mask;
    }
  }

  private resize(cap: number): void {
    const keys = this.slotKeys;
    const vals = this.slotVals;
    this.slotKeys = new Float64Array(cap).fill(EMPTY);
    this.slotVals = new Array<V | undefined>(cap).fill(undefined);
    this.mask = cap - 1;
    this.bits = Math.log2(cap);
    this.live = 0;
    this.used = 0;
    for (let i = 0; i < keys.length; i++) if (keys[i]! >= 0) this.set(keys[i]!, vals[i] as V);
    // The old array may be in the old generation: leave it pointing at nothing.
    vals.fill(undefined);
  }
}

function capacityFor(n: number): number {
  let cap = MIN_CAPACITY;
  while (cap < n) cap *= 2;
  return cap;
}
