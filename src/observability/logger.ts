/**
 * The server's logger: pino, JSON lines on stdout (or the given destination),
 * `service: "orderpool"` on every line. Nothing logs request bodies or
 * metadata; as a second line of defence, fields named `authorization` or
 * `token` (at the top level or one level down) are redacted. The one place a
 * secret is logged on purpose is the development-only verification code when
 * no --notifier is configured (src/gateways/clients.ts).
 */
import pino, { type DestinationStream, type Logger } from 'pino';

export const REDACT = ['authorization', '*.authorization', 'token', '*.token'];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = { level, base: { service: 'orderpool' }, redact: REDACT };
  return destination ? pino(options, destination) : pino(options);
}
