/**
 * Public surface of the AP store's pure core: hybrid logical clock, delta-state add-wins map of
 * LWW registers, and the anti-entropy replicator as a state machine. No I/O, timers or clocks
 * inside; a driver feeds inputs and performs effects. See docs/crdt.md for the semantics.
 *
 * Example:
 * ```ts
 * import { Replicator } from './crdt/core/index.ts';
 * const r = new Replicator<Hero>({ node: 'gotham', incarnation: 1, nowMs: 0, random: 0.5 });
 * r.step({ type: 'put', key: 'h1', value: hero, nowMs: 0 });
 * ```
 *
 * When not to use: for state that must be linearizable, use the Raft store.
 */
export { BucketHashes, DEFAULT_BUCKETS } from './buckets.ts';
export { CausalContext, type WireContext } from './causal-context.ts';
export { DeltaLog, DEFAULT_LOG_PER_ORIGIN } from './delta-log.ts';
export { DeltaMap, type KeyChange, type MapState } from './delta-map.ts';
export {
  emptyImage,
  isEmptyImage,
  type DurableImage,
  type DurableRecord,
  type DurableState,
} from './durable.ts';
export { compareEntries, joinKeyDeltas, winnerOf, type Entry, type KeyDelta } from './entry.ts';
export {
  CrdtMessageError,
  CrdtOptionError,
  CrdtProtocolError,
  CrdtReplicaIdError,
  CrdtStateError,
} from './errors.ts';
export { hash64, type Hash64 } from './hash.ts';
export {
  compareHlc,
  DEFAULT_MAX_DRIFT_MS,
  HybridLogicalClock,
  type HlcReceiveResult,
  type HlcStamp,
} from './hlc.ts';
export {
  parseReplicaMessage,
  type DeltasMessage,
  type DigestMessage,
  type HashesMessage,
  type HashRequestMessage,
  type ReplicaMessage,
  type SnapshotMessage,
  type SummaryMessage,
} from './messages.ts';
export {
  DEFAULT_REPLICATOR_OPTIONS,
  resolveReplicatorOptions,
  type ReplicatorOptions,
  type ResolvedReplicatorOptions,
} from './options.ts';
export { prunable, type PeerReport, type PruneInput } from './prune.ts';
export { isRefilling, type RefillFacts } from './refill.ts';
export { dotKey, incarnationOf, nodeOf, replicaId, type Dot, type ReplicaId } from './replica-id.ts';
export {
  converged,
  Replicator,
  type ReplicatorEffect,
  type ReplicatorInit,
  type ReplicatorInput,
} from './replicator.ts';
export {
  packDeltas,
  packEntries,
  unpackDeltas,
  unpackEntries,
  type WireEntry,
  type WireKeyDelta,
  type WireKeyEntries,
} from './compact.ts';
