/**
 * Options of the CRDT driver, validated once when it starts, and the slice of a cluster node it
 * needs (`CrdtNode`; a `ClusterNode` is one).
 *
 * Example:
 * ```ts
 * const driver = CrdtDriver.start({ node, replicator: { antiEntropyMs: 500 } });
 * ```
 *
 * API: `CrdtNode`, `CrdtDriverOptions`, `ResolvedCrdtDriverOptions`, `resolveDriverOptions`,
 * `DRIVER_REPLICATOR_DEFAULTS`, `monotonicWallMs`.
 *
 * When not to use: protocol timing (push coalescing, anti-entropy period, log size) belongs to the
 * core's `ReplicatorOptions`, passed through as `replicator`.
 */
import type { Logger } from 'pino';
import type { NodeDownReason } from '../../cluster/node-options.ts';
import { resolveReplicatorOptions, type ReplicatorOptions } from '../core/options.ts';
import { CrdtDriverOptionError } from './errors.ts';
import type { CrdtStorage } from './storage/storage.ts';

/** What the driver uses of a cluster node (a `ClusterNode` satisfies it; tests may wrap one). */
export interface CrdtNode {
  /** Full node name, `gotham@127.0.0.1:4370`. */
  readonly name: string;
  readonly log: Logger;
  nodes(): string[];
  onNodeUp(listener: (peer: string) => void): () => void;
  onNodeDown(listener: (peer: string, reason: NodeDownReason) => void): () => void;
  handle(type: number, handler: (peer: string, payload: unknown) => void): void;
  sendTo(peer: string, type: number, payload: unknown): boolean;
}

export interface CrdtDriverOptions {
  readonly node: CrdtNode;
  /** Where drift reports, rejected messages and refills are logged. Default: the node's logger. */
  readonly logger?: Logger;
  /**
   * Protocol options of the replicator. Defaults: the core's (`../core/options.ts`) except
   * `antiEntropyMs`, 500 here (the core's is 1000): a lost push is repaired within about half a
   * second, so even on a busy host it stays well within 1.5 s, for ~60 B/s per node when idle
   * instead of ~30.
   */
  readonly replicator?: ReplicatorOptions;
  /**
   * Wall clock in ms (floored to whole ms), the HLC's physical time and the timers' clock.
   * Default `monotonicWallMs`:
   * wall time at process start plus a monotonic clock, so a clock step backwards cannot stall
   * anti-entropy or reorder this node's own writes.
   */
  readonly now?: () => number;
  /** Uniform random numbers in [0, 1): anti-entropy peer choice. Default `Math.random`. */
  readonly random?: () => number;
  /**
   * How often a `hello` is repeated to a connected peer whose replica id is still unknown, ms
   * (doubling up to 32×). Default 1000: a lost hello (random loss, a store that started late)
   * delays replication with that peer by about a second. It is also the longest the driver's timer
   * sleeps.
   */
  readonly helloRetryMs?: number;
  /**
   * Least time between two log lines about one peer's clock drift or rejected messages, ms.
   * Default 10 000: a broken peer is reported, not allowed to flood the log.
   */
  readonly logIntervalMs?: number;
  /**
   * Where the replica writes down what it applies, so that a restarted process starts from it.
   * Default none: the replica lives in memory only. The creator of the storage closes it.
   */
  readonly storage?: CrdtStorage;
  /**
   * Answer every push with an `ack` of the pusher's writes it carried, once joined and written
   * down (about 25 B per push). Default true: writers count them for their write concern.
   */
  readonly acks?: boolean;
}

export interface ResolvedCrdtDriverOptions {
  readonly node: CrdtNode;
  readonly logger: Logger;
  readonly replicator: ReplicatorOptions;
  readonly now: () => number;
  readonly random: () => number;
  readonly helloRetryMs: number;
  readonly logIntervalMs: number;
  readonly storage: CrdtStorage | undefined;
  readonly acks: boolean;
}

/** Wall time at process start advanced by the monotonic clock, in whole ms. */
export function monotonicWallMs(): number {
  return Math.floor(performance.timeOrigin + performance.now());
}

/** The driver's own protocol defaults, applied under the caller's `replicator` options. */
export const DRIVER_REPLICATOR_DEFAULTS: ReplicatorOptions = { antiEntropyMs: 500 };

export function resolveDriverOptions(o: CrdtDriverOptions): ResolvedCrdtDriverOptions {
  const replicator = { ...DRIVER_REPLICATOR_DEFAULTS, ...o.replicator };
  resolveReplicatorOptions(replicator); // throws CrdtOptionError early, not at the first restart
  const positive = (name: string, v: number): number => {
    if (!Number.isFinite(v) || v <= 0) throw new CrdtDriverOptionError(`${name} must be > 0, got ${v}`);
    return v;
  };
  return {
    node: o.node,
    logger: o.logger ?? o.node.log,
    replicator,
    now: o.now ?? monotonicWallMs,
    random: o.random ?? Math.random,
    helloRetryMs: positive('helloRetryMs', o.helloRetryMs ?? 1000),
    logIntervalMs: positive('logIntervalMs', o.logIntervalMs ?? 10_000),
    storage: o.storage,
    acks: o.acks ?? true,
  };
}
