/**
 * Options of the replicator, validated once when it is created.
 *
 * Example:
 * ```ts
 * const options = resolveReplicatorOptions({ flushMs: 0 }); // push every write at once
 * ```
 *
 * API: `ReplicatorOptions` (every field optional, defaults below), `ResolvedReplicatorOptions`,
 * `resolveReplicatorOptions(options)` (throws `CrdtOptionError`), `DEFAULT_REPLICATOR_OPTIONS`.
 *
 * Times are milliseconds of the `nowMs` the driver passes in; sizes are counts, not bytes.
 *
 * When not to use: transport limits (frame size, connection timeouts) belong to the driver.
 */
import { DEFAULT_BUCKETS } from './buckets.ts';
import { DEFAULT_LOG_PER_ORIGIN } from './delta-log.ts';
import { CrdtOptionError } from './errors.ts';
import { DEFAULT_MAX_DRIFT_MS } from './hlc.ts';

export interface ReplicatorOptions {
  /**
   * Coalesce window for eager pushes, ms. Default 5: a write with no push in the last 5 ms goes
   * out at once; writes within the window are joined per key and go out together when it closes.
   * Keeps bursts to one message per peer per 5 ms at a cost of ≤ 5 ms latency. 0 = no coalescing.
   */
  readonly flushMs?: number;
  /**
   * Period of push-pull anti-entropy with one random live peer, ms. Default 1000: repairs a lost
   * push within about a second, at ~50 B per second per replica when idle.
   */
  readonly antiEntropyMs?: number;
  /** Seqs kept per origin in the delta log. Default 1024 (see `delta-log.ts`). */
  readonly logPerOrigin?: number;
  /** Bucket count of the hash comparison; a power of two. Default 256 (see `buckets.ts`). */
  readonly buckets?: number;
  /**
   * Key deltas per `deltas` message. Default 512: about 128 KiB with 250 B records, well under
   * any frame limit, while a bulk load still needs few messages.
   */
  readonly maxDeltasPerMessage?: number;
  /**
   * Keys per snapshot chunk (chunks are cut at bucket boundaries, so one bucket may exceed it).
   * Default 2000: ~0.5 MiB chunks with 250 B records.
   */
  readonly maxSnapshotKeys?: number;
  /** Bound on adopting a remote HLC time ahead of our wall clock, ms. Default 60 000 (`hlc.ts`). */
  readonly maxDriftMs?: number;
  /**
   * How long a replica must have left the cluster before its entry may be pruned from version
   * vectors, ms. Default 60 000: far longer than any message stays in flight; the other pruning
   * conditions (see `prune.ts`) carry the safety argument.
   */
  readonly pruneAfterMs?: number;
  /**
   * How long a snapshot pull may stay incomplete before another may start, ms. Default 5000:
   * several round trips even for a 10k-key state, yet a lost chunk costs only seconds.
   */
  readonly pullTimeoutMs?: number;
}

export type ResolvedReplicatorOptions = Required<ReplicatorOptions>;

export const DEFAULT_REPLICATOR_OPTIONS: ResolvedReplicatorOptions = {
  flushMs: 5,
  antiEntropyMs: 1000,
  logPerOrigin: DEFAULT_LOG_PER_ORIGIN,
  buckets: DEFAULT_BUCKETS,
  maxDeltasPerMessage: 512,
  maxSnapshotKeys: 2000,
  maxDriftMs: DEFAULT_MAX_DRIFT_MS,
  pruneAfterMs: 60_000,
  pullTimeoutMs: 5000,
};

export function resolveReplicatorOptions(options: ReplicatorOptions = {}): ResolvedReplicatorOptions {
  const o: ResolvedReplicatorOptions = { ...DEFAULT_REPLICATOR_OPTIONS, ...options };
  const atLeast = (name: keyof ResolvedReplicatorOptions, min: number): void => {
    const v = o[name];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
      throw new CrdtOptionError(`${name} must be a finite number ≥ ${min}, got ${String(v)}`);
    }
  };
  atLeast('flushMs', 0);
  atLeast('antiEntropyMs', 1);
  atLeast('logPerOrigin', 0);
  atLeast('buckets', 1);
  atLeast('maxDeltasPerMessage', 1);
  atLeast('maxSnapshotKeys', 1);
  atLeast('maxDriftMs', 0);
  atLeast('pruneAfterMs', 0);
  atLeast('pullTimeoutMs', 1);
  return o;
}
