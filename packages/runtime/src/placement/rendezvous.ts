/**
 * Rendezvous (highest random weight) hashing: every node scores `hash(key, node)` and the highest
 * score wins. When a node leaves, only its keys move; when one joins, it takes about 1/n of them.
 * Pure and deterministic: every node computes the same owner from the same member list.
 */
import { fnv1a32 } from '../util/hash.ts';

export function rendezvous(key: string, nodes: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = -1;
  for (const node of nodes) {
    const score = fnv1a(`${key}\u0000${node}`);
    if (score > bestScore || (score === bestScore && best !== undefined && node < best)) {
      best = node;
      bestScore = score;
    }
  }
  return best;
}

/**
 * A node's score for a key: FNV-1a, then the first three steps of murmur3's finaliser (not the
 * whole `fmix32`). Every node must compute the same owner from the same members, whatever its
 * version, so this score must not change: a different one would move heroes.
 */
export function fnv1a(s: string): number {
  let h = fnv1a32(s);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}
