/**
 * The AP state layer: a delta-state CRDT map replicated by anti-entropy. `driver/` runs a replica
 * on a cluster node (with `driver/storage/` keeping it on disk); `core/` is the pure replicator the
 * driver steps, with time as an input; `baseline/` is the full-state last-writer-wins map the delta
 * map is measured against. Published as `@superhero-dispatch/runtime/crdt`. Most programs use it
 * through the store (`startCrdtStore` in `@superhero-dispatch/runtime/store`).
 *
 * ```ts
 * import { CrdtDriver, awaitConverged } from '@superhero-dispatch/runtime/crdt';
 * const driver = CrdtDriver.start({ node });
 * driver.put('heroes/h1', hero);
 * ```
 *
 * When not to use: for linearizable state, use the Raft store.
 */
export * from './driver/index.ts';
export * from './driver/storage/index.ts';
export * from './core/index.ts';
export * from './baseline/index.ts';
