/**
 * The seeds' replicated map and gossip (whole-map LWW with tombstones, whole-second timestamps,
 * one random full-state transfer per second), kept only as a baseline for benchmarks and
 * simulations next to the delta-state replicator in `../core/`.
 *
 * Example:
 * ```ts
 * import { BaselineReplica, BaselineDispatcher } from './crdt/baseline/index.ts';
 * ```
 *
 * When not to use: for real state; use `../core/`.
 */
export {
  BASELINE_GOSSIP_MS,
  BaselineDispatcher,
  BaselineReplica,
  type BaselineEffect,
  type BaselineInput,
  type BaselineMessage,
} from './gossip.ts';
export { BaselineMap, mergeBaseline, type BaselineData, type BaselineRecord } from './lww-map.ts';
