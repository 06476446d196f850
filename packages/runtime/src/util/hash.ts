/**
 * The project's one non-cryptographic string hash, in two parts that callers compose:
 * `fnv1a32` (32-bit FNV-1a over UTF-16 code units, seedable) and `fmix32` (murmur3's finaliser,
 * which spreads FNV's weakly mixed high bits over the whole word).
 *
 * Example:
 * ```ts
 * fnv1a32('hero-1');            // plain FNV-1a, offset basis 0x811c9dc5
 * fmix32(fnv1a32('hero-1', s)); // FNV-1a seeded with s, then avalanched (the CRDT digests)
 * ```
 *
 * API: `fnv1a32(text, seed?)`, `fmix32(h)`, `FNV_OFFSET_BASIS`. Both return uint32.
 *
 * Users, whose outputs must never change: CRDT anti-entropy digests (`crdt/core/hash.ts`; replicas
 * of two versions compare them), rendezvous placement (`placement/rendezvous.ts`; every node must
 * pick the same owner for a key) and the linearizability checker's state cache. A change of
 * either function here moves heroes and splits digests between versions.
 *
 * Pure: no I/O, no state, imports nothing, so any layer, pure cores included, may use it.
 *
 * When not to use: anything adversarial (collisions are easy to craft) or security-related.
 */

/** FNV-1a's 32-bit offset basis, the seed of plain FNV-1a. */
export const FNV_OFFSET_BASIS = 0x811c9dc5;

const FNV_PRIME = 0x01000193;

/** 32-bit FNV-1a of `text`'s UTF-16 code units, starting from `seed` (default: the offset basis). */
export function fnv1a32(text: string, seed: number = FNV_OFFSET_BASIS): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

/** murmur3's fmix32 finaliser: a bijection on 32-bit words in which every input bit moves every output bit. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
