/**
 * JSON with bigint: a bigint is written as {"$n":"123"}. Everything the store
 * writes goes through here, so amounts round-trip exactly.
 */

export function encode(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? { $n: v.toString() } : v));
}

export function decode<T>(text: string): T {
  return JSON.parse(text, (_k, v) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      if (keys.length === 1 && keys[0] === '$n' && typeof v.$n === 'string') return BigInt(v.$n);
    }
    return v;
  }) as T;
}
