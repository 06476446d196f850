/**
 * Whether a replica is refilling: it started empty while peers hold the map, and no peer has filled
 * it yet. Until then a key absent from it says nothing about the cluster: the key may exist
 * everywhere else and simply not have arrived. Once it is filled, an absent key is as absent as on
 * any replica (it may still lag a write made a moment ago elsewhere, as every AP replica may).
 *
 * Example:
 * ```ts
 * isRefilling({ restored: false, filled: false, peersKnown: true });  // true: restarted empty, peers exist
 * isRefilling({ restored: false, filled: true, peersKnown: true });   // false: a snapshot was applied
 * isRefilling({ restored: false, filled: false, peersKnown: false }); // false: alone, nothing to refill from
 * isRefilling({ restored: true, filled: false, peersKnown: true });   // false: started from its disk
 * ```
 *
 * API: `RefillFacts`, `isRefilling(facts)`. The replicator computes it from its own state
 * (`Replicator.refilling`); the store reports it (`CrdtStore.refilling()`).
 *
 * The facts, and why each:
 * - `filled`: a peer's snapshot has been applied in full since the replica started (the
 *   replicator's `snapshotApplied`, after which its context covers everything the peer held). A
 *   replica pulls one from the first peer it reaches; delta pushes and digests alone never make a
 *   replica filled, as they carry recent writes, not the state.
 * - `restored`: the replica started from a durable image that held state (a process restart on its
 *   data directory). It holds what it had: it may lag the cluster, like a replica that was cut
 *   off, but it is not missing everything. Not refilling, whatever its refresh from a peer
 *   (`Replicator.caughtUp`) says.
 * - `peersKnown`: a peer was seen up since the replica started, or the replica this one replaced
 *   (a restart empty: a lost disk, a destroyed city) had seen one. It stays true when the peer goes
 *   down or leaves: what it holds still exists (a node that left comes back with its disk). A
 *   replica restarted empty while cut off is refilling, though no peer is reachable: its peers
 *   hold what it lost. A replica that never saw a peer (the first node of a new cluster, a node
 *   alone) has nothing to refill from, and is not refilling until it sees one.
 *
 * When not to use: to wait for a refill, use the driver's `refilled(timeoutMs)` (it also waits for a
 * restored replica's refresh). This says only whether an absent key can be trusted right now.
 */

export interface RefillFacts {
  /** Started from a durable image that held state (not an empty or absent one). */
  readonly restored: boolean;
  /** A peer's snapshot has been applied in full since the replica started. */
  readonly filled: boolean;
  /** A peer was seen up since the start, or the replica this one replaced (restart empty) saw one. */
  readonly peersKnown: boolean;
}

/** True while an absent key may exist on the peers: started empty, peers known, not filled yet. */
export function isRefilling(facts: RefillFacts): boolean {
  return !facts.restored && !facts.filled && facts.peersKnown;
}
