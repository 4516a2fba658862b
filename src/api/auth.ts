/**
 * Bearer-token authentication and role checks (DESIGN.md "Running it").
 * Tokens are stored as sha256 hex in the auth file and never logged.
 * Without an auth file every call is allowed (the server then listens on
 * loopback only unless --insecure).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type * as grpc from '@grpc/grpc-js';
import { z } from 'zod';
import { denied, OrderpoolError } from '../domain/errors';

export interface Principal {
  name: string;
  roles: string[];
}

const AuthFile = z.object({
  principals: z.array(z.object({
    name: z.string().min(1),
    token_sha256: z.string().regex(/^[0-9a-f]{64}$/),
    roles: z.array(z.string().regex(/^(platform|admin|merchant:[\x21-\x7e]+|lender:[\x21-\x7e]+)$/)),
  })),
});

/** The principal used when no auth file is configured. */
export const ANYONE: Principal = { name: 'anonymous', roles: ['*'] };

export class Auth {
  private constructor(private readonly byHash: Map<string, Principal> | null) {}

  static none(): Auth {
    return new Auth(null);
  }

  static fromFile(file: string): Auth {
    const parsed = AuthFile.parse(JSON.parse(readFileSync(file, 'utf8')));
    return new Auth(new Map(parsed.principals.map((p) => [p.token_sha256, { name: p.name, roles: p.roles }])));
  }

  get enabled(): boolean {
    return this.byHash !== null;
  }

  authenticate(metadata: grpc.Metadata): Principal {
    if (!this.byHash) return ANYONE;
    const header = metadata.get('authorization')[0];
    const m = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!m) throw new OrderpoolError('UNAUTHENTICATED', 'MISSING_CREDENTIALS', 'send authorization: Bearer <token>');
    const p = this.byHash.get(createHash('sha256').update(m[1]!).digest('hex'));
    if (!p) throw new OrderpoolError('UNAUTHENTICATED', 'INVALID_CREDENTIALS', 'unknown token');
    return p;
  }
}

/** Throws PERMISSION_DENIED unless the principal holds one of the roles. */
export function requireRole(p: Principal, allowed: string[]): void {
  if (p.roles.includes('*')) return;
  if (allowed.some((r) => p.roles.includes(r))) return;
  throw denied('ROLE_NOT_ALLOWED', `${p.name} may not make this call`, { principal: p.name });
}
