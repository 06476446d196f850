/**
 * The pure Raft core: a deterministic, I/O-free Raft state machine driven through `RawNode`.
 *
 * Example:
 * ```ts
 * import { RawNode } from './raft/core/index.ts';
 * const node = new RawNode({ id: 'a', rng });
 * node.bootstrap(['a', 'b', 'c']);
 * ```
 *
 * When not to use: applications use the Raft driver and the table store built on this core.
 */
export { RawNode, EMPTY_STATE } from './raw-node.ts';
export { DEFAULTS, resolveConfig } from './config.ts';
export type { RaftConfig, RaftOptions } from './config.ts';
export {
  ConfChangeDecodeError,
  ProposalRejectedError,
  RaftConfigError,
  RaftInvariantError,
  RaftUsageError,
} from './errors.ts';
export { applyConfChange, decodeConfEntry, encodeConfEntry, isVoter, quorumSize } from './conf-change.ts';
export type * from './types.ts';
