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
 */

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
}

export type StoreErrorCode = 'conflict' | 'no_quorum' | 'timeout' | 'unavailable' | 'invalid';

export class StoreError extends Error {
  readonly code: StoreErrorCode;
  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'StoreError';
  }
}
