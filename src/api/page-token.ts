/** Opaque page tokens: base64url JSON, checked on the way back in. */
import { invalid } from '../domain/errors';

export function encodeToken(value: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeToken<T extends Record<string, string | number>>(token: string, shape: Record<keyof T, 'string' | 'number'>): T | undefined {
  if (token === '') return undefined;
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Record<string, unknown>;
    for (const [k, t] of Object.entries(shape)) {
      if (typeof v[k] !== t) throw new Error(k);
      if (t === 'number' && !(Number.isSafeInteger(v[k]) && (v[k] as number) >= 0)) throw new Error(k);
    }
    return v as T;
  } catch {
    throw invalid('INVALID_PAGE_TOKEN', 'page_token is not one this service returned', 'page_token');
  }
}
