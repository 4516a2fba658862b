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

export function decode<T>(text: string): T {
  return revive(JSON.parse(text)) as T;
}
