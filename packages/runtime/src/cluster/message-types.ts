/**
 * Type ids of the node-level protocols (32 and up; see `wire/message-types.ts` for the rules:
 * ONLY APPEND, never renumber or reuse).
 */
export const ClusterMessageType = {
  /** An actor envelope (call, cast, send, reply, link, monitor, exit, down). */
  Envelope: 32,
  /** The sender's member list, for the full mesh. */
  Members: 33,
  /** Every global name held by the sender's actors (sent on connect). */
  NamesSync: 34,
  NameClaim: 35,
  NameRelease: 36,
  /** A pub/sub publication. */
  Publish: 37,
  /** The sender is leaving gracefully. */
  Leave: 38,
  /** AP store replication (CRDT deltas, digests, snapshots). */
  Crdt: 39,
  /** Raft peer messages. */
  Raft: 40,
  /** Raft client requests forwarded to the leader, and their answers. */
  RaftClient: 41,
  /** Placement (distributed supervisor) protocol. */
  Placement: 42,
} as const;

export const CLUSTER_MESSAGE_TYPES: readonly number[] = Object.values(ClusterMessageType);
