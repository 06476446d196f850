/**
 * Where the cache keeps todos. One small interface over the five stores of the example:
 *
 * | mode | backend | scope | survives a node restart |
 * | --- | --- | --- | --- |
 * | `process` | one actor holding a `Map` (the original's `CacheGS`) | node | no |
 * | `memory` | `MemoryStore`, optional time-to-live (the ETS table; see `memory-backend.ts`) | node | no |
 * | `disk` | `DiskStore` (DETS; Mnesia `disc_copies` on one node) | node | yes, from its own disk |
 * | `crdt` | delta-CRDT map replicated to every node | cluster | yes, refilled from peers |
 * | `raft` | Raft-replicated table (Mnesia's replicated table, done with consensus) | cluster | yes, from its log and the quorum |
 *
 * ```ts
 * const backend = storeBackend(new MemoryStore({ ttlMs: 60_000 }));
 * await backend.put(1, todo);
 * await backend.get(1); // todo
 * ```
 *
 * `storeBackend` reads linearizably from a Raft store unless `staleReads` is set; the other stores
 * always read their local replica. Closing a backend closes the store it wraps.
 */
import type { Store } from '@superhero-dispatch/runtime/store';
import type { Todo } from './todo.ts';

export const CACHE_MODES = ['process', 'memory', 'disk', 'crdt', 'raft'] as const;
export type CacheMode = (typeof CACHE_MODES)[number];

export function isCacheMode(value: unknown): value is CacheMode {
  return typeof value === 'string' && (CACHE_MODES as readonly string[]).includes(value);
}

export interface CacheBackend {
  readonly mode: CacheMode | Store['mode'];
  get(id: number): Promise<Todo | undefined>;
  /**
   * Optional: the cached todo read synchronously, or undefined when this backend cannot tell
   * without waiting (absent, expired, or not known yet). Only backends whose reads are local and
   * immediate have it (`memory`); a miss here is confirmed with `get`.
   */
  peek?(id: number): Todo | undefined;
  put(id: number, todo: Todo): Promise<void>;
  /** Number of cached todos this node can see. */
  size(): Promise<number>;
  /** Whether the store can serve now (Raft: a leader with a quorum is known; others: always). */
  ready(): boolean;
  close(): Promise<void>;
}

export interface StoreBackendOptions {
  /** Table name. Default `todos`. */
  readonly table?: string;
  /**
   * Raft only: read this member's replica without a quorum round. Default false: a hit on one
   * node is then a hit on every node at once, as with Mnesia's transactional read.
   */
  readonly staleReads?: boolean;
}

export function storeBackend(store: Store, options: StoreBackendOptions = {}): CacheBackend {
  const table = store.table<Todo>(options.table ?? 'todos');
  const readOptions = options.staleReads ? { stale: true } : {};
  return {
    mode: store.mode,
    async get(id) {
      return (await table.get(String(id), readOptions))?.value;
    },
    async put(id, todo) {
      await table.put(String(id), todo);
    },
    async size() {
      return (await table.list(readOptions)).length;
    },
    ready: () => store.writable(),
    close: () => store.close(),
  };
}
