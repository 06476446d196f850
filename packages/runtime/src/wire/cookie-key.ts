/**
 * Keys from the cluster cookie: one slow, memory-hard derivation per cookie (scrypt), then one
 * cheap key per purpose (HKDF-SHA256), so a handshake transcript or a gossip packet seen on the
 * network no longer allows a cheap offline guess of the cookie.
 *
 * Why scrypt and not HKDF alone: HKDF is a fast key expansion; it makes no guess dearer. A cookie
 * a person chose is a password, and testing a guess against a recorded proof must cost what a
 * password hash costs. scrypt (N = 2^15, r = 8, p = 1: 32 MiB and ~0.1 s per guess on one core)
 * is in `node:crypto`, needs no dependency, and its memory cost blunts GPU guessing. The salt is
 * fixed (the nodes share nothing but the cookie): it separates this use of the cookie from any
 * other, not one cluster from another, so a cookie must still be long and random — hence the
 * 16-byte minimum (a generated 32-byte cookie makes guessing hopeless whatever the KDF).
 *
 * Example:
 * ```ts
 * const key = deriveKey(cookie, 'handshake');   // throws CookieTooShortError under 16 bytes
 * ```
 *
 * API: `deriveKey(cookie, purpose): Buffer` (32 bytes), `checkCookie(cookie)`, `MIN_COOKIE_BYTES`.
 * The scrypt result is cached per cookie (a few entries), so only a node's first handshake pays
 * for it, and the transports derive it when they are constructed, not on a connection.
 *
 * Not for: encryption. The cookie authenticates; use mutual TLS for confidentiality.
 */
import { createHash, hkdfSync, scryptSync } from 'node:crypto';
import { CookieTooShortError } from './errors.ts';

/** Shortest cookie accepted, in bytes (UTF-8): 128 bits, the floor for a shared secret. */
export const MIN_COOKIE_BYTES = 16;

/** scrypt cost: 2^15 × 8 × 128 B = 32 MiB of memory per derivation. */
const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
const SALT = 'superhero-dispatch/cookie/v1';

/** Master keys by cookie fingerprint; tests and multi-node processes use few cookies. */
const masters = new Map<string, Buffer>();
const MAX_CACHED = 8;

/** Throws `CookieTooShortError` unless `cookie` has at least `MIN_COOKIE_BYTES` bytes. */
export function checkCookie(cookie: string | Uint8Array): void {
  const bytes = typeof cookie === 'string' ? Buffer.byteLength(cookie, 'utf8') : cookie.byteLength;
  if (bytes < MIN_COOKIE_BYTES) throw new CookieTooShortError(bytes, MIN_COOKIE_BYTES);
}

/** A 32-byte key for one purpose (`'handshake'`, `'gossip'`, …) from the shared cookie. */
export function deriveKey(cookie: string | Uint8Array, purpose: string): Buffer {
  const master = masterKey(cookie);
  const info = `superhero-dispatch/${purpose}/v1`;
  return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), info, 32));
}

function masterKey(cookie: string | Uint8Array): Buffer {
  checkCookie(cookie);
  const secret = typeof cookie === 'string' ? Buffer.from(cookie, 'utf8') : Buffer.from(cookie);
  // The cache is keyed by a hash, so the map holds no cookie in the clear.
  const id = createHash('sha256').update(secret).digest('base64');
  const cached = masters.get(id);
  if (cached !== undefined) return cached;
  const master = scryptSync(secret, SALT, 32, SCRYPT);
  if (masters.size >= MAX_CACHED) masters.delete(masters.keys().next().value!);
  masters.set(id, master);
  return master;
}
