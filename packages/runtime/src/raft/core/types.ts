/**
 * The data types of the pure Raft core: log entries, persistent and volatile state, snapshots,
 * messages between members, and the `Ready` batch the core hands to its driver.
 *
 * Example:
 * ```ts
 * const e: Entry = { index: 7, term: 2, type: 'normal', data: new TextEncoder().encode('x') };
 * ```
 *
 * API: plain types only. Messages are a discriminated union on `type`; a wire codec must carry every
 * field. Node ids are non-empty strings; `null` means "no node" (no leader, no vote).
 *
 * When not to use: these are the core's types, not the store's. Applications talk to a driver.
 */

/** One record of the replicated log. `config` entries carry an encoded {@link ConfChange}. */
export interface Entry {
  readonly index: number;
  readonly term: number;
  readonly type: 'normal' | 'config';
  readonly data: Uint8Array;
}

/** State that must be durable before any message of the same `Ready` is sent. */
export interface HardState {
  readonly term: number;
  /** Candidate voted for in `term`, or null. */
  readonly vote: string | null;
  readonly commit: number;
}

export type Role = 'follower' | 'pre-candidate' | 'candidate' | 'leader';

/** Volatile state, reported when it changes; never persisted. */
export interface SoftState {
  readonly leader: string | null;
  readonly role: Role;
}

/** Membership: voters decide elections and commits; learners only receive the log. */
export interface ConfState {
  readonly voters: readonly string[];
  readonly learners: readonly string[];
}

/** A point-in-time image of the application state covering the log up to `index`. */
export interface Snapshot {
  readonly index: number;
  readonly term: number;
  /** Membership as of `index`. */
  readonly config: ConfState;
  readonly data: Uint8Array;
}

/** One membership change; only one may be in flight at a time. */
export interface ConfChange {
  readonly type: 'add-learner' | 'add-voter' | 'promote' | 'remove';
  readonly node: string;
}

/** The answer to a ReadIndex request: reads at `index` or later are linearizable for `ctx`. */
export interface ReadState {
  readonly index: number;
  readonly ctx: string;
}

interface Base {
  readonly from: string;
  readonly to: string;
  /** The sender's term; 0 for messages forwarded to the leader that carry no term. */
  readonly term: number;
}

/** Append entries after (prevIndex, prevTerm); also carries the leader's commit index. */
export interface AppendMessage extends Base {
  readonly type: 'app';
  readonly prevIndex: number;
  readonly prevTerm: number;
  readonly entries: readonly Entry[];
  readonly commit: number;
}

/**
 * Answer to `app` or `snap`. On success `index` is the highest index known to match; on reject
 * `index` is the rejected prevIndex and (`hintIndex`, `hintTerm`) a guess at the last match.
 */
export interface AppendResponse extends Base {
  readonly type: 'app-resp';
  readonly index: number;
  readonly reject: boolean;
  readonly hintIndex: number;
  readonly hintTerm: number;
}

/** Leader liveness ping. `readSeq` > 0 asks for an acknowledgement for ReadIndex. */
export interface HeartbeatMessage extends Base {
  readonly type: 'heartbeat';
  readonly commit: number;
  readonly readSeq: number;
}

export interface HeartbeatResponse extends Base {
  readonly type: 'heartbeat-resp';
  readonly readSeq: number;
}

/** (Pre-)vote request. `force` (leadership transfer) bypasses the leader lease. */
export interface VoteMessage extends Base {
  readonly type: 'vote' | 'pre-vote';
  readonly lastIndex: number;
  readonly lastTerm: number;
  readonly force: boolean;
}

export interface VoteResponse extends Base {
  readonly type: 'vote-resp' | 'pre-vote-resp';
  readonly reject: boolean;
}

/** Install-snapshot: replaces the follower's log prefix and state machine. */
export interface SnapshotMessage extends Base {
  readonly type: 'snap';
  readonly snapshot: Snapshot;
}

/** Leadership transfer: the recipient campaigns at once, without pre-vote. */
export interface TimeoutNowMessage extends Base {
  readonly type: 'timeout-now';
}

/** A follower forwarding `transferLeadership` to its leader. */
export interface TransferLeaderMessage extends Base {
  readonly type: 'transfer-leader';
  readonly transferee: string;
}

/** A follower forwarding a ReadIndex request to its leader. */
export interface ReadIndexMessage extends Base {
  readonly type: 'read-index';
  readonly ctx: string;
}

export interface ReadIndexResponse extends Base {
  readonly type: 'read-index-resp';
  readonly ctx: string;
  readonly index: number;
}

export type Message =
  | AppendMessage
  | AppendResponse
  | HeartbeatMessage
  | HeartbeatResponse
  | VoteMessage
  | VoteResponse
  | SnapshotMessage
  | TimeoutNowMessage
  | TransferLeaderMessage
  | ReadIndexMessage
  | ReadIndexResponse;

export type MessageType = Message['type'];

/**
 * Everything the driver must do, in this order: persist `snapshot`, `entries` and `hardState`
 * (durably, as one batch), then send `messages`, then restore `snapshot` into the state machine
 * and apply `committedEntries`, serve `readStates`, and finally call `advance(ready)`.
 */
export interface Ready {
  /** Present when leader or role changed since the last Ready. */
  readonly softState?: SoftState;
  /** Present when term, vote or commit changed since the last Ready. */
  readonly hardState?: HardState;
  /** Entries to append durably; an entry at index i replaces any stored entries at >= i. */
  readonly entries: readonly Entry[];
  /** A snapshot received from the leader: persist it and restore the state machine from it. */
  readonly snapshot?: Snapshot;
  /** Entries known committed, to apply in order after persisting. */
  readonly committedEntries: readonly Entry[];
  /** Messages to send only after this Ready's persistence completed. */
  readonly messages: readonly Message[];
  /** Answers to ReadIndex requests made on this node. */
  readonly readStates: readonly ReadState[];
  /** True when `hardState` (term or vote), `entries` or `snapshot` must reach disk with fsync. */
  readonly mustSync: boolean;
}

/** What storage hands back on restart. */
export interface InitialState {
  readonly hardState: HardState;
  readonly snapshot: Snapshot | null;
  /** Entries in index order; entries at or below the snapshot index are ignored. */
  readonly entries: readonly Entry[];
}

export type ProposeRejection =
  'not-leader' | 'no-leader' | 'transferring' | 'overloaded' | 'conf-change-pending' | 'invalid-conf-change';

/** Expected outcome of a proposal: where it went in the log, or why it was not accepted. */
export type ProposeResult =
  | { readonly ok: true; readonly index: number; readonly term: number }
  | { readonly ok: false; readonly reason: ProposeRejection; readonly leader: string | null };

export type ReadIndexResult =
  { readonly ok: true } | { readonly ok: false; readonly reason: 'no-leader'; readonly leader: null };

export type TransferResult =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly reason: 'no-leader' | 'not-voter' | 'already-leader';
      readonly leader: string | null;
    };

export interface ProgressStatus {
  readonly match: number;
  readonly next: number;
  readonly state: 'probe' | 'replicate' | 'snapshot';
  readonly learner: boolean;
}

/** A read-only view of one node's Raft state, for drivers, metrics and tests. */
export interface Status {
  readonly id: string;
  readonly role: Role;
  readonly term: number;
  readonly vote: string | null;
  readonly leader: string | null;
  readonly commit: number;
  readonly applied: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly config: ConfState;
  readonly leadTransferee: string | null;
  /** Per-member replication progress; present only on the leader. */
  readonly progress: Readonly<Record<string, ProgressStatus>> | null;
}
