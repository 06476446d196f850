/**
 * Rendezvous (highest random weight) hashing: every node scores `hash(key, node)` and the highest
 * score wins. When a node leaves, only its keys move; when one joins, it takes about 1/n of them.
 * Pure and deterministic: every node computes the same owner from the same member list.
 */
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

/** 32-bit FNV-1a with a final avalanche, enough spread for placement. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}
