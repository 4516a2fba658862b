/**
 * JSON with bigint: a bigint is written as {"$n":"123"}. Everything the store
 * writes goes through here, so amounts round-trip exactly.
 *
 * Both directions are on the hot path of every durable command (encode) and
 * of every merchant activation (decode), so neither uses JSON.stringify's
 * replacer nor JSON.parse's reviver (a JS call per key and value, and no fast
 * path): `encode` is a small serializer for plain data that produces exactly
 * the bytes `JSON.stringify(value, bigintReplacer)` would (test/codec.test.ts
 * checks it), about 2.5x cheaper; `decode` is JSON.parse followed by one walk
 * that turns {"$n": "…"} objects back into bigints, about 3x cheaper than the
 * reviver. A global BigInt.prototype.toJSON was measured too and gained much
 * less (~1.2x), so the codec has no global side effect.
 *
 * The hot records (snapshots, journal events, orders, financings, outbox
 * rows) are written by `encodeRecord` instead, as tagged positional arrays:
 * `["$o1","M1","O1",…]`, the field names given once here, in a versioned
 * shape, not in every row. That is a third to a half of the bytes (bigints as
 * plain strings, no key names), which LevelDB writes to its log, its
 * memtable and again on every compaction. `decode` reads both forms, so a
 * store written before the shapes existed reads as it did; a shape never
 * changes once written: a new field means a new tag (`$o2`).
 *
 * What `encode` takes: the store's records, i.e. plain objects, arrays,
 * strings, finite numbers, booleans, null and bigint (objects with a toJSON,
 * like Date, are serialized through it). Like JSON.stringify it omits
 * undefined / function / symbol properties, writes them as null in arrays,
 * and writes NaN and ±Infinity as null.
 */

/** A string JSON.stringify would quote as is: no ", \, control character or surrogate. */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;
const hasOwn = Object.prototype.hasOwnProperty;

/** Quoted property names with their colon; records use a small fixed set of names. */
const keyCache = new Map<string, string>();
function quotedKey(key: string): string {
  let q = keyCache.get(key);
  if (q === undefined) {
    q = JSON.stringify(key) + ':';
    if (keyCache.size < 4096) keyCache.set(key, q);
  }
  return q;
}

function serialize(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return v.length < 256 && !NEEDS_ESCAPE.test(v) ? '"' + v + '"' : JSON.stringify(v);
    case 'number':
      return Number.isFinite(v) ? '' + v : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return '{"$n":"' + v + '"}';
    case 'object': {
      if (v === null) return 'null';
      if (Array.isArray(v)) {
        let s = '[';
        for (let i = 0; i < v.length; i++) {
          if (i > 0) s += ',';
          const x: unknown = v[i];
          s += x === undefined || typeof x === 'function' || typeof x === 'symbol' ? 'null' : serialize(x);
        }
        return s + ']';
      }
      const toJSON = (v as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') return serialize((toJSON as () => unknown).call(v));
      const o = v as Record<string, unknown>;
      let s = '';
      for (const key in o) {
        if (!hasOwn.call(o, key)) continue;
        const x = o[key];
        if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue;
        s += (s === '' ? '{' : ',') + quotedKey(key) + serialize(x);
      }
      return s === '' ? '{}' : s + '}';
    }
    default: // undefined, function, symbol at the top level
      return 'null';
  }
}

export function encode(value: unknown): string {
  return serialize(value);
}

/** Replaces {"$n": "<digits>"} (that one key only) by its bigint, in place. */
function revive(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (typeof x === 'object' && x !== null) v[i] = revive(x);
    }
    return v;
  }
  const o = v as Record<string, unknown>;
  if (typeof o.$n === 'string') {
    let keys = 0;
    for (const _ in o) if (++keys > 1) break;
    if (keys === 1) return BigInt(o.$n);
  }
  for (const key in o) {
    const x = o[key];
    if (typeof x !== 'object' || x === null) continue;
    const y = revive(x);
    if (y === x) continue;
    // A "__proto__" member is an own data property after JSON.parse; assigning would hit the setter.
    if (key === '__proto__') Object.defineProperty(o, key, { value: y, writable: true, enumerable: true, configurable: true });
    else o[key] = y;
  }
  return o;
}

/** The tag of a journal row that refers to other rows (./journal.ts); `decode` refuses it. */
export const REFERRING_EVENT_TAG = '$e2';

export function decode<T>(text: string): T {
  const v: unknown = JSON.parse(text);
  if (Array.isArray(v) && typeof v[0] === 'string') {
    const sh = SHAPES.get(v[0]);
    if (sh) return sh.decode(v) as T;
    if (v[0] === REFERRING_EVENT_TAG) throw new Error('codec: a journal row with references (read it with decodeEvent, src/store/journal.ts)');
  }
  return revive(v) as T;
}

// --- Positional records ----------------------------------------------------

/** How one field is written: string, number, bigint (as a decimal string), boolean, string[], or a nested record. */
type Kind = 'str' | 'num' | 'big' | 'bool' | 'strs' | Shape;

interface Field {
  name: string;
  kind: Kind;
  /** A null value is kept as null (Snapshot.machine.financing); otherwise a null slot means the field was absent. */
  nullable?: boolean;
}

export interface Shape {
  tag: string;
  fields: readonly Field[];
  /** The record as its positional array (compiled from `fields`). */
  encode: (o: Record<string, unknown>) => unknown[];
  /** The positional array back into the record (compiled from `fields`). */
  decode: (a: unknown[]) => Record<string, unknown>;
}

/** A field name the compiled code may write as `.name`; the shapes' names all are. */
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * Compiles a shape's encoder and decoder; nested shapes are compiled first
 * (shape()).
 *
 * The encoder gives the record as the positional array that is its JSON
 * form: the tag, then each field in the shape's order (null when absent, a
 * bigint as its decimal string, a nested record as its own array).
 * JSON.stringify of that array writes the row: one flat string from native code, where building it by
 * concatenation made a string node per value (a fifth of everything the
 * runtime thread allocated while settling, and 1.4x the time for an event).
 *
 * Every enumerable property must be a field of the shape: a property the
 * shape does not name would be lost, so it throws instead (a new field needs
 * a new shape version). Counted with for-in, which allocates nothing (the
 * records are plain objects; Object.keys made a record ~40 % slower to write).
 *
 * Each shape's encoder and decoder are compiled once from its field list:
 * straight-line code that reads and writes each field by its name, so V8
 * sees one property per access site. A loop over the fields
 * read `o[f.name]` at one site for every field of every shape, a megamorphic
 * keyed load (~a fifth of the runtime thread's CPU while settling went to
 * writing records).
 */
function compile(tag: string, fields: readonly Field[]): Pick<Shape, 'encode' | 'decode'> {
  const nested: ((x: never) => unknown)[] = [];
  const enc: string[] = ['let keys = 0;', 'for (const _ in o) keys++;', 'let present = 0, x;'];
  const dec: string[] = [
    `if (a[0] !== ${JSON.stringify(tag)} || a.length !== ${fields.length + 1}) throw new Error("codec: a " + String(a[0]) + " record does not have the fields of " + ${JSON.stringify(tag)});`,
    'const o = {};',
    'let x;',
  ];
  fields.forEach((f, i) => {
    if (!IDENTIFIER.test(f.name) || f.name === '__proto__') throw new Error(`codec: field name ${f.name} of ${tag}`);
    const name = JSON.stringify(f.name);
    let write = 'x';
    let read = 'x';
    if (f.kind === 'big') {
      write = 'String(x)';
      read = 'BigInt(x)';
    } else if (typeof f.kind === 'object') {
      nested.push(f.kind.encode as (x: never) => unknown, f.kind.decode as (x: never) => unknown);
      write = `enc${i}(x)`;
      read = `dec${i}(x)`;
    }
    enc.push(`x = o.${f.name};`, `if (x !== undefined || hasOwn.call(o, ${name})) present++;`, `const v${i} = x === undefined || x === null ? null : ${write};`);
    dec.push(`x = a[${i + 1}];`, f.nullable ? `o.${f.name} = x === null ? null : ${read};` : `if (x !== null) o.${f.name} = ${read};`);
  });
  dec.push('return o;');
  enc.push(
    `if (keys !== present) throw new Error(${JSON.stringify(`codec: a ${tag} record has a property its shape does not name`)});`,
    `return [${[JSON.stringify(tag), ...fields.map((_, i) => `v${i}`)].join(', ')}];`,
  );
  const params = ['hasOwn', ...fields.flatMap((f, i) => (typeof f.kind === 'object' ? [`enc${i}`, `dec${i}`] : []))];
  const make = (body: string[], arg: string) => new Function(...params, `"use strict";\nreturn function (${arg}) {\n${body.join('\n')}\n};`)(hasOwn, ...nested);
  return { encode: make(enc, 'o'), decode: make(dec, 'a') };
}

const SHAPES = new Map<string, Shape>();

function shape(tag: string, fields: readonly (readonly [string, Kind] | readonly [string, Kind, 'nullable'])[]): Shape {
  const fs: Field[] = fields.map(([name, kind, n]) => (n ? { name, kind, nullable: true } : { name, kind }));
  const sh: Shape = { tag, fields: fs, ...compile(tag, fs) };
  if (SHAPES.has(tag)) throw new Error(`codec: shape ${tag} defined twice`);
  SHAPES.set(tag, sh);
  return sh;
}

const ORDER = shape('$o1', [
  ['merchantId', 'str'], ['orderId', 'str'], ['buyerId', 'str'], ['currency', 'str'], ['amount', 'big'], ['state', 'str'],
  ['financingId', 'str'], ['createTime', 'num'], ['updateTime', 'num'], ['refundReason', 'str'], ['repayment', 'big'],
  ['arrival', 'num'], ['pledgeSeq', 'num'],
]);

const FINANCING = shape('$f1', [
  ['merchantId', 'str'], ['financingId', 'str'], ['lenderId', 'str'], ['requestId', 'str'], ['state', 'str'], ['currency', 'str'],
  ['requested', 'big'], ['approved', 'big'], ['fee', 'big'], ['poolTotal', 'big'], ['poolOrderCount', 'num'], ['outstanding', 'big'],
  ['repaid', 'big'], ['underCovered', 'bool'], ['endReason', 'str'], ['lenderReference', 'str'], ['createTime', 'num'],
  ['updateTime', 'num'], ['verificationExpireTime', 'num'], ['verificationAttemptsLeft', 'num'], ['verificationCodeHash', 'str'],
  ['verificationSalt', 'str'], ['disbursementDeadline', 'num'], ['disbursementTimeoutMs', 'num'], ['advanceRateBps', 'num'],
  ['repaymentShareBps', 'num'], ['feeBps', 'num'],
]);

const EVENT = shape('$e1', [
  ['seq', 'num'], ['merchantId', 'str'], ['time', 'num'], ['type', 'str'], ['order', ORDER], ['financing', FINANCING],
  ['amount', 'big'], ['detail', 'str'],
]);

const EFFECT = shape('$x1', [
  ['idempotencyKey', 'str'], ['method', 'str'], ['lenderId', 'str'], ['merchantId', 'str'], ['financingId', 'str'],
  ['createTime', 'num'], ['seq', 'num'], ['currency', 'str'], ['amount', 'big'], ['fee', 'big'], ['poolTotal', 'big'],
  ['poolOrderCount', 'num'], ['outstanding', 'big'], ['orderIds', 'strs'], ['underCovered', 'bool'], ['finalState', 'str'],
  ['reason', 'str'], ['deadline', 'num'], ['code', 'str'], ['sealed', 'bool'],
]);

const SNAPSHOT = shape('$s1', [
  ['v', 'num'], ['merchantId', 'str'], ['seq', 'num'],
  ['machine', shape('$m1', [['value', 'str'], ['financing', FINANCING, 'nullable']])],
  ['history', shape('$h1', [
    ['ordersRecorded', 'num'], ['ordersCompleted', 'num'], ['ordersRefunded', 'num'], ['financingsRequested', 'num'], ['financingsRepaid', 'num'],
  ])],
  ['nextArrival', 'num'], ['firstCurrency', 'str'],
]);

/** The records written as positional arrays (see the file header). */
export const RECORDS = { order: ORDER, financing: FINANCING, event: EVENT, effect: EFFECT, snapshot: SNAPSHOT } as const;

/**
 * An ORDER_RECORDED event as the domain writes it, most of a journal: its
 * order is the one the command recorded, still OPEN, in no pool, created and
 * updated at the event's time. So the row keeps only what the command gave
 * (seq, merchant, time, order id, buyer, currency, amount, arrival) and
 * `decode` rebuilds the same event from it: 78 bytes instead of 175 for the
 * $e1 form of a bench order, which LevelDB writes to its log, its memtable
 * and again on every compaction. An ORDER_RECORDED event that differs in any field is
 * written as $e1 (recordedForm).
 */
const RECORDED = shape('$r1', [
  ['seq', 'num'], ['merchantId', 'str'], ['time', 'num'], ['orderId', 'str'], ['buyerId', 'str'], ['currency', 'str'],
  ['amount', 'big'], ['arrival', 'num'],
]);
const recordedFields = RECORDED.decode;
RECORDED.decode = (a) => {
  const r = recordedFields(a);
  for (const f of RECORDED.fields) if (r[f.name] === undefined) throw new Error(`codec: a $r1 record without its ${f.name}`);
  return {
    seq: r.seq, merchantId: r.merchantId, time: r.time, type: 'ORDER_RECORDED',
    order: {
      merchantId: r.merchantId, orderId: r.orderId, buyerId: r.buyerId, currency: r.currency, amount: r.amount, state: 'OPEN',
      financingId: '', createTime: r.time, updateTime: r.time, refundReason: '', repayment: 0n, arrival: r.arrival, pledgeSeq: 0,
    },
  };
};

/** The $r1 form of an event, when it is exactly what $r1 rebuilds (see RECORDED); else undefined. */
function recordedForm(e: Record<string, unknown>): unknown[] | undefined {
  if (e.type !== 'ORDER_RECORDED') return undefined;
  const o = e.order as Record<string, unknown> | null | undefined;
  if (typeof o !== 'object' || o === null) return undefined;
  const { seq, merchantId, time } = e;
  if (!Number.isFinite(seq) || typeof merchantId !== 'string' || !Number.isFinite(time)) return undefined;
  let keys = 0;
  for (const _ in e) keys++;
  if (keys !== 5) return undefined; // seq, merchantId, time, type, order: no financing, amount or detail
  if (o.merchantId !== merchantId || o.createTime !== time || !asRecorded(o)) return undefined;
  return ['$r1', seq, merchantId, time, o.orderId, o.buyerId, o.currency, String(o.amount), o.arrival];
}

/**
 * An order's row while it is as recorded (OPEN, in no pool, not updated
 * since it was created), the row of every order a RecordOrder writes: only
 * what the command gave, as $r1 does for its event. 72 bytes instead of 118
 * for a bench order; an order in any other state is written as $o1.
 */
const OPEN_ORDER = shape('$q1', [
  ['merchantId', 'str'], ['orderId', 'str'], ['buyerId', 'str'], ['currency', 'str'], ['amount', 'big'], ['createTime', 'num'], ['arrival', 'num'],
]);
const openFields = OPEN_ORDER.decode;
OPEN_ORDER.decode = (a) => {
  const r = openFields(a);
  for (const f of OPEN_ORDER.fields) if (r[f.name] === undefined) throw new Error(`codec: a $q1 record without its ${f.name}`);
  return {
    merchantId: r.merchantId, orderId: r.orderId, buyerId: r.buyerId, currency: r.currency, amount: r.amount, state: 'OPEN',
    financingId: '', createTime: r.createTime, updateTime: r.createTime, refundReason: '', repayment: 0n, arrival: r.arrival, pledgeSeq: 0,
  };
};

/** Whether `o` is an order exactly as $q1 and $r1 rebuild it: OPEN, in no pool, as created. */
function asRecorded(o: Record<string, unknown>): boolean {
  if (typeof o.merchantId !== 'string' || typeof o.orderId !== 'string' || typeof o.buyerId !== 'string' || typeof o.currency !== 'string'
    || typeof o.amount !== 'bigint' || o.state !== 'OPEN' || o.financingId !== '' || !Number.isFinite(o.createTime) || o.updateTime !== o.createTime
    || o.refundReason !== '' || o.repayment !== 0n || !Number.isFinite(o.arrival) || o.pledgeSeq !== 0) return false;
  let keys = 0;
  for (const _ in o) keys++;
  return keys === ORDER.fields.length; // a property the order shape does not name: $o1 throws for it
}

/** Writes a record in its shape's positional form (RECORDS); `decode` reads it back. */
export function encodeRecord<T extends object>(sh: Shape, value: T): string {
  if (sh === EVENT) {
    const r = recordedForm(value as Record<string, unknown>);
    if (r) return JSON.stringify(r);
  } else if (sh === ORDER) {
    const o = value as Record<string, unknown>;
    if (asRecorded(o)) return JSON.stringify(['$q1', o.merchantId, o.orderId, o.buyerId, o.currency, String(o.amount), o.createTime, o.arrival]);
  }
  return JSON.stringify(sh.encode(value as Record<string, unknown>));
}
