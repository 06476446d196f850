/**
 * Options of the Raft driver, validated once when the driver starts.
 *
 * Example:
 * ```ts
 * const options = resolveDriverOptions({ tickMs: 50, electionTicks: 10 });
 * options.electionTimeoutMs; // 500
 * ```
 *
 * API: `DriverOptions` (all optional), `ResolvedDriverOptions` (filled in, plus derived
 * `electionTimeoutMs`), `resolveDriverOptions(options)` which throws `RaftDriverConfigError`.
 *
 * Timing: a closed connection to the leader makes followers campaign at once (pre-vote), so the
 * election timeout only matters for silent failures (a partition, a paused process) and as the
 * fallback when two campaigns collide.
 *
 * When not to use: the Raft core's own options (`RaftOptions`) cover the protocol; these cover
 * timers, disk and request handling around it.
 */
import { RaftDriverConfigError } from './errors.ts';
import type { LogWrites } from '../storage/file-log-storage.ts';

/**
 * Where a member writes its log (see `DriverOptions.logWrites`): `FileLogStorage`'s two modes, or
 * `'leader-inline'`, inline while this member leads and on the thread pool while it follows.
 */
export type DriverLogWrites = LogWrites | 'leader-inline';

export interface DriverOptions {
  /**
   * Milliseconds between core ticks. Default 50: heartbeats every 50 ms keep followers' view of the
   * leader fresh (for `writable()` and follower reads) at a cost of two tiny messages per follower
   * per tick.
   */
  readonly tickMs?: number;
  /**
   * Ticks without a leader before a follower campaigns (randomised up to twice this). Default 20,
   * i.e. 1–2 s at 50 ms ticks (etcd's 1 s): heartbeats leave through the same Ready loop as log
   * writes, so a leader stalled on a slow fsync must not look dead; a closed connection still
   * triggers an election at once, so this only delays the reaction to silent failures.
   */
  readonly electionTicks?: number;
  /**
   * Ticks between leader heartbeats. Default 2 (100 ms at 50 ms ticks, etcd's heartbeat), or
   * `electionTicks - 1` when that is less; must be below `electionTicks`. Heartbeats are most of an
   * idle member's messages; nothing waits for the next one: a new commit index, a linearizable
   * read's round and an append all leave at once.
   */
  readonly heartbeatTicks?: number;
  /**
   * Milliseconds a write, read or membership change may take before it fails with `timeout` (or
   * `no_quorum` when no majority is reachable). Default 5 000, as ra's command timeout: covers a
   * few elections, far below a human's patience.
   */
  readonly requestTimeoutMs?: number;
  /**
   * Most applied entries between two snapshots of the state machine. Default 100 000 (etcd's value
   * since 3.2). Rarely reached: the policy (`snapshot-policy.ts`) snapshots well before it once the
   * entries since the last snapshot hold as many bytes as it, or as many entries as it held records.
   */
  readonly snapshotEntries?: number;
  /**
   * Fewest applied entries between two snapshots. Default 1 000. Between this and
   * `snapshotEntries`, a snapshot is taken once the entries applied since the last one hold as many
   * bytes as that snapshot, or are as many as the records it held (`snapshot-policy.ts`): a small
   * state is snapshotted often and cheaply, so that a restart replays little, and a large one only as
   * often as its snapshot costs no more than replaying the entries would.
   */
  readonly snapshotMinEntries?: number;
  /**
   * Records from which a snapshot is encoded across turns of the event loop, when the machine can
   * (`snapshotLater`), so that a large state does not stall the member (25,000 hero records take
   * 60–90 ms to encode). Default 2048: a smaller state encodes in a few milliseconds, in one go.
   * 0: always across turns.
   */
  readonly snapshotInSlicesFrom?: number;
  /**
   * Bytes per chunk when a snapshot is sent to a lagging member. Default 1 MiB: far below the
   * transport's 16 MiB frame limit, large enough that a 100 MB state takes only a hundred frames.
   */
  readonly snapshotChunkBytes?: number;
  /** Chunks of one snapshot in flight before the sender waits for acknowledgements. Default 8. */
  readonly snapshotWindow?: number;
  /**
   * Largest command in bytes. Default 1.5 MiB (etcd's request limit): one command must fit in one
   * append message with room to spare, and a huge value would stall replication for everyone.
   */
  readonly maxCommandBytes?: number;
  /**
   * Make log writes durable (`O_DSYNC`, fsync of files and directories) when the log is written
   * to a data directory. Default true. Turn it off only for benchmarks of CPU cost or tests that
   * do not care about crashes.
   */
  readonly fsync?: boolean;
  /**
   * How the log reaches the disk (`FileLogStorage`'s `writes`). `'inline'`: one synchronous
   * `O_DSYNC` write per Ready on the event loop thread, durable when it returns. `'threadpool'`:
   * the same write on libuv's thread pool, the loop running meanwhile. Default `'leader-inline'`:
   * inline while leading (its appends have left before it writes, so its write overlaps the
   * followers'), on the thread pool while following (the loop reads the next appends and the
   * commit index while the write is in flight). A process whose loop runs much other work
   * should choose `'threadpool'` (docs/raft.md, "Log writes").
   */
  readonly logWrites?: DriverLogWrites;
}

export interface ResolvedDriverOptions {
  readonly tickMs: number;
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  readonly requestTimeoutMs: number;
  readonly snapshotEntries: number;
  readonly snapshotMinEntries: number;
  readonly snapshotInSlicesFrom: number;
  readonly snapshotChunkBytes: number;
  readonly snapshotWindow: number;
  readonly maxCommandBytes: number;
  readonly fsync: boolean;
  readonly logWrites: DriverLogWrites;
  /** `tickMs * electionTicks`: the shortest election timeout. */
  readonly electionTimeoutMs: number;
}

export const DRIVER_DEFAULTS = {
  tickMs: 50,
  electionTicks: 20,
  heartbeatTicks: 2,
  requestTimeoutMs: 5000,
  snapshotEntries: 100_000,
  snapshotMinEntries: 1000,
  snapshotInSlicesFrom: 2048,
  snapshotChunkBytes: 1024 * 1024,
  snapshotWindow: 8,
  maxCommandBytes: 1536 * 1024,
  fsync: true,
  logWrites: 'leader-inline',
} as const;

function positiveInt(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RaftDriverConfigError(`${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

function nonNegativeInt(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RaftDriverConfigError(`${name} must be a non-negative integer, got ${String(value)}`);
  }
  return value;
}

function logWrites(value: string): DriverLogWrites {
  if (value !== 'inline' && value !== 'threadpool' && value !== 'leader-inline') {
    throw new RaftDriverConfigError(
      `logWrites must be 'inline', 'threadpool' or 'leader-inline', got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

export function resolveDriverOptions(options: DriverOptions = {}): ResolvedDriverOptions {
  const tickMs = positiveInt('tickMs', options.tickMs ?? DRIVER_DEFAULTS.tickMs);
  const electionTicks = positiveInt('electionTicks', options.electionTicks ?? DRIVER_DEFAULTS.electionTicks);
  const heartbeatTicks = positiveInt(
    'heartbeatTicks',
    options.heartbeatTicks ?? Math.max(1, Math.min(DRIVER_DEFAULTS.heartbeatTicks, electionTicks - 1)),
  );
  if (heartbeatTicks >= electionTicks) {
    throw new RaftDriverConfigError(
      `heartbeatTicks (${heartbeatTicks}) must be below electionTicks (${electionTicks})`,
    );
  }
  return {
    tickMs,
    electionTicks,
    heartbeatTicks,
    requestTimeoutMs: positiveInt(
      'requestTimeoutMs',
      options.requestTimeoutMs ?? DRIVER_DEFAULTS.requestTimeoutMs,
    ),
    snapshotEntries: positiveInt(
      'snapshotEntries',
      options.snapshotEntries ?? DRIVER_DEFAULTS.snapshotEntries,
    ),
    snapshotMinEntries: positiveInt(
      'snapshotMinEntries',
      options.snapshotMinEntries ?? DRIVER_DEFAULTS.snapshotMinEntries,
    ),
    snapshotInSlicesFrom: nonNegativeInt(
      'snapshotInSlicesFrom',
      options.snapshotInSlicesFrom ?? DRIVER_DEFAULTS.snapshotInSlicesFrom,
    ),
    snapshotChunkBytes: positiveInt(
      'snapshotChunkBytes',
      options.snapshotChunkBytes ?? DRIVER_DEFAULTS.snapshotChunkBytes,
    ),
    snapshotWindow: positiveInt('snapshotWindow', options.snapshotWindow ?? DRIVER_DEFAULTS.snapshotWindow),
    maxCommandBytes: positiveInt(
      'maxCommandBytes',
      options.maxCommandBytes ?? DRIVER_DEFAULTS.maxCommandBytes,
    ),
    fsync: options.fsync ?? DRIVER_DEFAULTS.fsync,
    logWrites: logWrites(options.logWrites ?? DRIVER_DEFAULTS.logWrites),
    electionTimeoutMs: tickMs * electionTicks,
  };
}
