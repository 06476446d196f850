/**
 * Configuration of one Raft member. Validated once, when the node is created.
 *
 * Example:
 * ```ts
 * const config = resolveConfig({ id: 'gotham', rng: () => prng.next() });
 * ```
 *
 * API: `RaftOptions` (what callers pass; everything but `id` and `rng` has a default),
 * `RaftConfig` (fully resolved), `resolveConfig(options)` which throws `RaftConfigError`.
 *
 * Time is measured in ticks: the driver calls `tick()` at a fixed interval (the cluster driver
 * uses 100 ms, like etcd), so "10 ticks" means one second there. Sizes are in bytes of entry data.
 *
 * When not to use: the options do not cover transport or disk behaviour; those belong to drivers.
 */
import { RaftConfigError } from './errors.ts';

export interface RaftOptions {
  /** This member's id; non-empty and never reused for another member. */
  readonly id: string;
  /**
   * Uniform random numbers in [0, 1), used only to randomise the election timeout. Injected so a
   * seed replays a whole cluster; never `Math.random` inside the core.
   */
  readonly rng: () => number;
  /**
   * Ticks without hearing from a leader before a follower campaigns; the actual timeout is drawn
   * from [electionTick, 2 * electionTick) so that candidates rarely collide. Default 10 (one second
   * at 100 ms ticks, as etcd): long enough to ride out a GC pause or a slow fsync.
   */
  readonly electionTick?: number;
  /**
   * Ticks between leader heartbeats. Default 1: followers hear from the leader ten times per
   * election timeout, so a single lost heartbeat never causes an election. Must be < electionTick.
   */
  readonly heartbeatTick?: number;
  /**
   * Pre-vote (thesis 9.6): a would-be candidate first asks whether it could win, without bumping
   * its term, so a node rejoining after a partition cannot depose a healthy leader. Default true.
   */
  readonly preVote?: boolean;
  /**
   * Check-quorum: a leader that has not heard from a quorum within an election timeout steps
   * down, and followers that heard from a leader within that time ignore vote requests (the
   * leader lease). Default true: a minority leader stops accepting writes it cannot commit.
   */
  readonly checkQuorum?: boolean;
  /**
   * When the driver reports the leader unreachable (its connection dropped), forget the leader and
   * campaign at once instead of waiting out the election timeout. Default true: failover then
   * takes about one round trip instead of one election timeout.
   */
  readonly campaignOnLeaderLoss?: boolean;
  /**
   * Upper bound on the entry bytes in one append message, counting each entry's data plus 16
   * bytes of overhead (at least one entry is always sent).
   * Default 1 MiB (etcd's value): large enough to batch thousands of small commands, small enough
   * not to stall a connection or blow a frame size limit.
   */
  readonly maxSizePerMsg?: number;
  /**
   * Append messages in flight per follower in the replicate state before the leader waits for
   * acknowledgements. Default 256: enough to keep a 10 ms link busy at high rates while bounding
   * memory spent on a slow follower.
   */
  readonly maxInflightMsgs?: number;
  /**
   * Entry bytes in flight per follower. Default Infinity (count limit only), as in etcd; set it to
   * bound memory when entries are large.
   */
  readonly maxInflightBytes?: number;
  /**
   * Bytes of entry data the leader accepts that are not yet committed; proposals beyond are
   * rejected with `overloaded` so clients back off instead of growing the log without bound.
   * Default 64 MiB.
   */
  readonly maxUncommittedBytes?: number;
  /**
   * Bytes of committed entries handed out per Ready; the rest follow in later Readies so one
   * Ready never holds an unbounded amount of work. Default 16 MiB.
   */
  readonly maxCommittedBytesPerReady?: number;
  /**
   * Entries kept in memory below the index passed to `compact`, so that a follower only slightly
   * behind gets entries rather than a whole snapshot. Default 1000 (etcd keeps 5000 on disk; this
   * is the in-memory tail).
   */
  readonly compactionTrailingEntries?: number;
  /**
   * Ticks a follower stays in the snapshot state without an answer before the leader assumes the
   * snapshot was lost and probes again (which re-sends it if still needed). Default 30 (three
   * election timeouts), long enough for a large snapshot on a healthy link. A driver that knows
   * the outcome calls `reportSnapshot` sooner.
   */
  readonly snapshotTimeoutTicks?: number;
}

export interface RaftConfig {
  readonly id: string;
  readonly rng: () => number;
  readonly electionTick: number;
  readonly heartbeatTick: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  readonly campaignOnLeaderLoss: boolean;
  readonly maxSizePerMsg: number;
  readonly maxInflightMsgs: number;
  readonly maxInflightBytes: number;
  readonly maxUncommittedBytes: number;
  readonly maxCommittedBytesPerReady: number;
  readonly compactionTrailingEntries: number;
  readonly snapshotTimeoutTicks: number;
}

export const DEFAULTS = {
  electionTick: 10,
  heartbeatTick: 1,
  preVote: true,
  checkQuorum: true,
  campaignOnLeaderLoss: true,
  maxSizePerMsg: 1024 * 1024,
  maxInflightMsgs: 256,
  maxInflightBytes: Number.POSITIVE_INFINITY,
  maxUncommittedBytes: 64 * 1024 * 1024,
  maxCommittedBytesPerReady: 16 * 1024 * 1024,
  compactionTrailingEntries: 1000,
  snapshotTimeoutTicks: 30,
} as const;

function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) {
    throw new RaftConfigError(`${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

function positiveSize(name: string, value: number): number {
  if (!(value > 0)) throw new RaftConfigError(`${name} must be > 0, got ${String(value)}`);
  return value;
}

/** Fills defaults and checks every option; throws `RaftConfigError` on the first bad one. */
export function resolveConfig(options: RaftOptions): RaftConfig {
  if (typeof options.id !== 'string' || options.id.length === 0) {
    throw new RaftConfigError('id must be a non-empty string');
  }
  if (typeof options.rng !== 'function') throw new RaftConfigError('rng must be a function');
  const electionTick = positiveInt('electionTick', options.electionTick ?? DEFAULTS.electionTick);
  const heartbeatTick = positiveInt('heartbeatTick', options.heartbeatTick ?? DEFAULTS.heartbeatTick);
  if (heartbeatTick >= electionTick) {
    throw new RaftConfigError(`heartbeatTick (${heartbeatTick}) must be < electionTick (${electionTick})`);
  }
  const trailing = options.compactionTrailingEntries ?? DEFAULTS.compactionTrailingEntries;
  if (!Number.isInteger(trailing) || trailing < 0) {
    throw new RaftConfigError(`compactionTrailingEntries must be an integer >= 0, got ${String(trailing)}`);
  }
  return {
    id: options.id,
    rng: options.rng,
    electionTick,
    heartbeatTick,
    preVote: options.preVote ?? DEFAULTS.preVote,
    checkQuorum: options.checkQuorum ?? DEFAULTS.checkQuorum,
    campaignOnLeaderLoss: options.campaignOnLeaderLoss ?? DEFAULTS.campaignOnLeaderLoss,
    maxSizePerMsg: positiveSize('maxSizePerMsg', options.maxSizePerMsg ?? DEFAULTS.maxSizePerMsg),
    maxInflightMsgs: positiveInt('maxInflightMsgs', options.maxInflightMsgs ?? DEFAULTS.maxInflightMsgs),
    maxInflightBytes: positiveSize('maxInflightBytes', options.maxInflightBytes ?? DEFAULTS.maxInflightBytes),
    maxUncommittedBytes: positiveSize(
      'maxUncommittedBytes',
      options.maxUncommittedBytes ?? DEFAULTS.maxUncommittedBytes,
    ),
    maxCommittedBytesPerReady: positiveSize(
      'maxCommittedBytesPerReady',
      options.maxCommittedBytesPerReady ?? DEFAULTS.maxCommittedBytesPerReady,
    ),
    compactionTrailingEntries: trailing,
    snapshotTimeoutTicks: positiveInt(
      'snapshotTimeoutTicks',
      options.snapshotTimeoutTicks ?? DEFAULTS.snapshotTimeoutTicks,
    ),
  };
}
