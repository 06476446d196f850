/**
 * Small, fast, non-cryptographic string hashes for anti-entropy digests: 32-bit lanes (FNV-1a
 * over UTF-16 code units followed by the murmur3 finaliser), combined into 64-bit pairs.
 *
 * Example:
 * ```ts
 * const h = hash64('gotham#1\u00007');  // [lane0, lane1], two uint32
 * addHash(total, h); subHash(total, h);
 * ```
 *
 * API: `hash32(text, seed)`, `hash64(text)`, `Hash64`, `ZERO_HASH`, `addHash`, `subHash`,
 * `sameHash`.
 *
 * Sums of entry hashes (mod 2^32 per lane) form order-independent set digests that can be
 * updated in O(1) when an entry joins or leaves. Two unequal sets collide with probability about
 * 2^-64 per comparison, which the anti-entropy protocol accepts.
 *
 * When not to use: anything adversarial (an attacker can craft collisions) or security related.
 */
import { fmix32, fnv1a32 } from '../../util/hash.ts';

/** Two independent uint32 lanes. */
export type Hash64 = readonly [number, number];

export const ZERO_HASH: Hash64 = [0, 0];

const SEED_A = 0x811c9dc5;
const SEED_B = 0x9747b28c;

/** FNV-1a seeded with `seed`, then murmur3's finaliser (`util/hash.ts`). */
export function hash32(text: string, seed: number): number {
  return fmix32(fnv1a32(text, seed));
}

export function hash64(text: string): Hash64 {
  return [hash32(text, SEED_A), hash32(text, SEED_B)];
}

export function addHash(a: Hash64, b: Hash64): Hash64 {
  return [(a[0] + b[0]) >>> 0, (a[1] + b[1]) >>> 0];
}

export function subHash(a: Hash64, b: Hash64): Hash64 {
  return [(a[0] - b[0]) >>> 0, (a[1] - b[1]) >>> 0];
}

export function sameHash(a: Hash64, b: Hash64): boolean {
  return a[0] === b[0] && a[1] === b[1];
}
