/**
 * Public types of the Raft driver: the state machine it feeds, its options, and its status.
 *
 * Example:
 * ```ts
 * const machine: RaftStateMachine<ApplyOutcome> = new TableMachine();
 * const options: RaftDriverOptions<ApplyOutcome> = { node, voters, machine, dataDir };
 * ```
 *
 * When not to use: the table store's options are `RaftStoreOptions` (`store/raft-store.ts`).
 */
import type { Logger } from 'pino';
import type { ClusterNode } from '../../cluster/node.ts';
import type { RaftOptions } from '../core/config.ts';
import type { DriverOptions } from './options.ts';

/** A deterministic state machine fed by committed entries (the table machine is one). */
export interface RaftStateMachine<O extends { readonly result: unknown }> {
  apply(index: number, data: Uint8Array): O;
  snapshot(): Uint8Array;
  restore(data: Uint8Array): void;
  /**
   * How many records a snapshot taken now would hold. Optional: with it, a large state of small
   * entries is snapshotted once as many entries as it holds records were applied
   * (`snapshot-policy.ts`); without it, only bytes and `snapshotEntries` decide.
   */
  records?(): number;
  /**
   * Optional: the bytes `snapshot()` would return now, encoded over several turns of the event
   * loop. The state must be captured before it returns: the driver goes on applying meanwhile and
   * takes the result as the snapshot at the index applied when it called. Without it, a snapshot
   * is taken in one go (a stall in proportion to the state).
   */
  snapshotLater?(): Promise<Uint8Array>;
}

export interface RaftDriverOptions<O extends { readonly result: unknown }> extends DriverOptions {
  readonly node: ClusterNode;
  /** Founding voters (full node names); used only by a member that starts with empty storage. */
  readonly voters: readonly string[];
  readonly machine: RaftStateMachine<O>;
  /** Directory of the durable log. Default none: the log is kept in memory and lost on restart. */
  readonly dataDir?: string;
  readonly logger?: Logger;
  /** Protocol options of the core (defaults in `core/config.ts`); timers come from the driver's. */
  readonly raft?: Partial<Omit<RaftOptions, 'id' | 'rng' | 'electionTick' | 'heartbeatTick'>>;
  /** Called after each command entry is applied, in log order, synchronously. Must not throw. */
  readonly onApplied?: (index: number, outcome: O) => void;
  /** Called before and after the machine is replaced by a snapshot received from the leader. */
  readonly onRestore?: (phase: 'before' | 'after', index: number) => void;
  /** Called once if the driver stops on an unrecoverable error (storage failure, corrupt log). */
  readonly onFatal?: (err: Error) => void;
}

export type MemberRole = 'leader' | 'follower' | 'candidate' | 'learner' | 'none';

export interface DriverStatus {
  readonly id: string;
  readonly role: MemberRole;
  readonly term: number;
  readonly leader: string | null;
  readonly commit: number;
  readonly applied: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly snapshotIndex: number;
  readonly voters: readonly string[];
  readonly learners: readonly string[];
  readonly writable: boolean;
  readonly pendingWrites: number;
  readonly pendingReads: number;
  /** Match index per member; leader only. */
  readonly progress: Readonly<Record<string, number>> | null;
}
