/**
 * The store layer: one `Store` interface of named tables of versioned values, and its
 * implementations — Raft tables (CP, linearizable), the delta-CRDT map (AP, always writable),
 * memory (with TTLs) and disk. Transactions and group commit are capabilities of the interface
 * (`ops.ts`, `group-commit.ts`). Published as `@superhero-dispatch/runtime/store`; the etcd store
 * has an entry of its own, `@superhero-dispatch/runtime/store/etcd`, so that its client library
 * loads only for those who use it.
 *
 * ```ts
 * import { startRaftStore } from '@superhero-dispatch/runtime/store';
 * const store = await startRaftStore({ node, voters: [node.name], dataDir: 'data/gotham/raft' });
 * const heroes = store.table<Hero>('heroes');
 * const v = await heroes.put('h1', hero);
 * await heroes.put('h1', next, { expectVersion: v }); // compare-and-set
 * ```
 *
 * Ask a store what it can do (`transaction`, `consensusGroup()`, `backendStatus()`), never its
 * class. When not to use: state that lives and dies with one actor belongs in the actor.
 */
export type {
  BackendMember,
  BackendStatus,
  Change,
  ConsensusGroup,
  Durability,
  ReadOptions,
  Store,
  StoreErrorCode,
  StoreMode,
  Table,
  Versioned,
  WriteOptions,
  WriteResult,
} from './types.ts';
export { StoreError } from './types.ts';
export { ConflictError, conditionKey } from './ops.ts';
export type { Condition, KeyVersion, Op, Transaction, TxnResult } from './ops.ts';
export { GroupCommit, groupCommit } from './group-commit.ts';
export type { GroupCommitOptions } from './group-commit.ts';
export { RaftStore, startRaftStore } from './raft-store.ts';
export type { RaftAdmission, RaftStoreOptions, RaftStoreRole } from './raft-store.ts';
export type { RaftChange } from './raft-feed.ts';
export { CrdtStore, startCrdtStore } from './crdt-store.ts';
export type { CrdtStoreOptions, WriteConcern } from './crdt-store.ts';
export { MemoryStore, MemoryTable } from './memory-store.ts';
export type { MemoryStoreOptions } from './memory-store.ts';
export { DiskStore, StoreCorruptError } from './disk-store.ts';
export type { DiskStoreOptions } from './disk-store.ts';
