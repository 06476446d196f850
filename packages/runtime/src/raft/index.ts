/**
 * The CP state layer: Raft. `core/` is the pure protocol (`RawNode`: tick, step, propose, then
 * `ready()`/`advance()`), `storage/` the durable log (`LogStorage`, with a file and an in-memory
 * implementation), `driver/` runs a member on the cluster mesh. The replicated table state machine
 * has an entry of its own, `@superhero-dispatch/runtime/raft/tables`. Published as
 * `@superhero-dispatch/runtime/raft`. Most programs use Raft through the store (`startRaftStore`
 * in `@superhero-dispatch/runtime/store`).
 *
 * ```ts
 * import { RawNode, MemoryLogStorage } from '@superhero-dispatch/runtime/raft';
 * ```
 *
 * When not to use: for state that must stay writable through a partition, use the CRDT store.
 */
export * from './core/index.ts';
export * from './storage/index.ts';
export * from './driver/index.ts';
