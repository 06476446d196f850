/**
 * One interface for application state, whatever keeps it: Raft tables (CP), the delta-CRDT map (AP),
 * or node-local tables in memory or on disk. The placement layer and the dispatch application use
 * only this.
 *
 * ```ts
 * const heroes = store.table<Hero>('heroes');
 * const v = await heroes.put(hero.id, hero);                        // → version
 * await heroes.put(hero.id, next, { expectVersion: v });           // compare-and-set
 * const off = heroes.subscribe((c) => console.log(c.key, c.value)); // local change feed
 * ```
 *
 * Consistency by mode:
 * - `raft`: linearizable `get` (stale on request), `put`/`delete` commit on a quorum; conditions
 *   (`expectVersion`) are checked atomically; without quorum writes fail with `no_quorum`.
 * - `crdt`: always writable, reads are local, replicas converge; `expectVersion` is checked against
 *   the local replica only (a best effort — concurrent writes on two sides are merged by the CRDT).
 * - `memory` / `disk`: one node; conditions are exact.
 *
 * Capabilities beyond tables are optional members of `Store`, present where the store has them
 * (test for the member, never for the class): `transaction` (multi-key, conditional; `ops.ts`),
 * `maxTransactionOps`, `consensusGroup`, `backendStatus`, `notReady`, `restartEmpty`, `refilling`.
 *
 * When not to use: state one actor owns alone and need not survive it (keep it in the actor).
 */
import type { Transaction } from './ops.ts';

export type StoreMode = 'raft' | 'etcd' | 'crdt' | 'memory' | 'disk';

export interface Versioned<V> {
  readonly key: string;
  readonly value: V;
  /** Increases with every write of this key (Raft: the log index; CRDT: an HLC-derived number). */
  readonly version: number;
}

export interface Change<V> {
  readonly table: string;
  readonly key: string;
  /** `undefined` when the key was deleted. */
  readonly value: V | undefined;
  readonly version: number;
  /** Where the write came from (a node name), when the store knows it. */
  readonly origin?: string;
}

export interface WriteOptions {
  /** Apply only if the key's current version is this (0: the key must be absent). */
  readonly expectVersion?: number;
}

/**
 * How far a write had got when it was acknowledged (`crdt`, see docs/crdt.md "Write concern"):
 * `replicated` — at least one other replica held it; `local` — only this node's replica did (no
 * peer was reachable, or none answered in time). A `local` write is still applied and spreads
 * once a peer is reachable; it is lost only if this replica loses its state before then.
 */
export type Durability = 'replicated' | 'local';

export interface WriteResult {
  /** The new version (for a delete, the version the deletion's change carries). */
  readonly version: number;
  readonly durability: Durability;
}

export interface ReadOptions {
  /** Serve from the local replica without a quorum round (Raft); other modes always do. */
  readonly stale?: boolean;
}

export interface Table<V> {
  readonly name: string;
  get(key: string, options?: ReadOptions): Promise<Versioned<V> | undefined>;
  list(options?: ReadOptions): Promise<Versioned<V>[]>;
  /** Resolves with the new version. Rejects with `StoreError` (`conflict`, `no_quorum`, `timeout`, …). */
  put(key: string, value: V, options?: WriteOptions): Promise<number>;
  delete(key: string, options?: WriteOptions): Promise<void>;
  /** Changes applied on this node, in order, each once. Returns an unsubscribe function. */
  subscribe(listener: (change: Change<V>) => void): () => void;
  /**
   * Optional, for stores whose replicas accept concurrent writes of a key (`crdt`): every value
   * `key` holds on this node, the one `get` returns first; empty when absent. More than one value
   * means concurrent writes that no later write has replaced yet. A caller that merges its values
   * itself reads them all, merges, and puts the result with `expectVersion` of the first: the put
   * replaces every value it read. Stores that never hold more than one value leave it out; for
   * them it would equal `get`.
   */
  concurrent?(key: string): Promise<Versioned<V>[]>;
  /**
   * Optional, with `concurrent`: tells `listener` when a key gains a value that `get` does not
   * show (a concurrent write that lost to the visible one), which `subscribe` does not report as
   * the visible value did not change. `value`, `version` and `origin` are the hidden value's.
   * Returns an unsubscribe function.
   */
  onConcurrent?(listener: (change: Change<V>) => void): () => void;
  /**
   * Optional, for stores that acknowledge a write before every replica holds it (`crdt`): `put`,
   * reporting how far the write had got when it was acknowledged. `put` waits the same way and
   * returns only the version.
   */
  write?(key: string, value: V, options?: WriteOptions): Promise<WriteResult>;
  /** Optional, with `write`: `delete`, reporting how far the deletion had got. */
  remove?(key: string, options?: WriteOptions): Promise<{ readonly durability: Durability }>;
}

export interface Store {
  readonly mode: StoreMode;
  table<V>(name: string): Table<V>;
  /** A short description of this node's part: leader / follower / candidate / learner / replica / local. */
  role(): string;
  /**
   * Whether this node can write now: Raft — a leader is known and reachable with a quorum; the
   * other modes are always writable.
   */
  writable(): boolean;
  close(): Promise<void>;
  /**
   * Optional: a multi-key transaction with version conditions (`ops.ts`). Raft, etcd and the memory
   * store (when asked) have it; the CRDT store has none (replicas accept concurrent writes, so a
   * condition has no single state to be checked against). The placement layer fences by epoch, and
   * `groupCommit` groups writes, only where it is present.
   */
  readonly transaction?: Transaction;
  /**
   * Optional, with `transaction`: the most ops one transaction should carry, each with up to two
   * conditions (its own key's version and a fence). Absent: no limit below the store's command size.
   */
  readonly maxTransactionOps?: number;
  /**
   * Optional, for a store whose nodes are the members of its own consensus group (Raft): the group
   * as this member sees it now — term, leader, voters and learners (full node names).
   */
  consensusGroup?(): ConsensusGroup;
  /**
   * Optional, for a store whose local (stale) reads and change feed can lag the cluster (Raft: a
   * member restarted from its log, or a follower behind): resolves once this node's state includes
   * every write acknowledged before the call; rejects with a `StoreError` (`no_quorum`, `timeout`)
   * when that cannot be known. Absent where local state needs no catching up.
   */
  barrier?(timeoutMs?: number): Promise<void>;
  /**
   * Optional, for a store that is a client of a cluster it does not run (etcd): that cluster's
   * members, leader, term and revision, as one of its members answers. Never rejects: a cluster
   * that did not answer gives an empty status with `error`.
   */
  backendStatus?(): Promise<BackendStatus>;
  /**
   * Optional, for a store whose node must first be admitted (Raft formation and learner
   * admission): why this node cannot be written through yet; null once it can.
   */
  notReady?(): string | null;
  /**
   * Optional, for a store whose replica can be rebuilt from its peers (CRDT): drops this node's
   * replica, disk included, and starts an empty one under a new id that refills from its peers.
   * Returns the new replica id. What a City's crash does to its node's replica in crdt mode.
   */
  restartEmpty?(): string;
  /**
   * Optional, for a store whose local replica can be missing records that exist (CRDT): true while
   * this node's replica started empty (restarted empty, or new) and has not been filled from a peer
   * yet, though peers hold state. A key absent then may exist elsewhere: report it as unknown
   * (unavailable), never as never written. Absent, or false: an absent key is absent here.
   */
  refilling?(): boolean;
}

/** A consensus group as one member sees it (`Store.consensusGroup`). */
export interface ConsensusGroup {
  readonly term: number;
  /** Full name of the leader; null when none is known. */
  readonly leader: string | null;
  readonly voters: readonly string[];
  readonly learners: readonly string[];
}

/** An external cluster behind the store (`Store.backendStatus`), e.g. etcd's members. */
export interface BackendStatus {
  readonly endpoints: readonly string[];
  readonly members: readonly BackendMember[];
  /** Name of the leader; null when the answering member knows none (or none answered). */
  readonly leader: string | null;
  readonly term: number;
  readonly revision: number;
  /** Why the status is empty, when no member answered. */
  readonly error?: string;
}

export interface BackendMember {
  readonly id: string;
  readonly name: string;
  readonly clientUrls: readonly string[];
  readonly leader: boolean;
}

export type { StoreErrorCode } from './errors.ts';
export { StoreError } from './errors.ts';
