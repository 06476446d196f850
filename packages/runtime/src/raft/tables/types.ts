/**
 * Commands, results and records of the table state machine.
 *
 * A command is plain data (encoded with msgpack, never code), applied to every replica in log order:
 *
 * ```ts
 * const cmd: TableCommand = {
 *   kind: 'txn',
 *   session: { client: 'gotham-store-1', seq: 42 },
 *   conditions: [{ table: 'heroes', key: 'h1', version: 17 }],
 *   ops: [{ op: 'put', table: 'heroes', key: 'h1', value: { health: 80 } }],
 * };
 * ```
 *
 * Versions: every record's `version` is the log index of its last write and `createIndex` the index
 * that created it. A condition's `version: 0` means "must be absent"; a positive version on an absent
 * (never written or deleted) record fails, so a stale writer cannot resurrect a deleted record.
 */

/** A client session for exactly-once retries: `seq` starts at 1 and grows with each new request. */
export interface Session {
  client: string;
  seq: number;
}

export type Op =
  { op: 'put'; table: string; key: string; value: unknown } | { op: 'delete'; table: string; key: string };

export interface Condition {
  table: string;
  key: string;
  version: number;
}

/** Conditions are checked against the state before the transaction; then all ops apply, in order. */
export interface TxnCommand {
  kind: 'txn';
  session?: Session;
  ops: Op[];
  conditions?: Condition[];
}

/** Changes nothing; the Raft driver appends one when a leader starts its term. */
export interface NoopCommand {
  kind: 'noop';
}

export type TableCommand = TxnCommand | NoopCommand;

export interface KeyVersion {
  table: string;
  key: string;
  version: number;
}

/**
 * The typed result of applying one log entry.
 *
 * - `ok: true`: committed at `index`; `versions` has one entry per op, in op order (the index for a
 *   put, 0 for a delete). A no-op has no versions.
 * - `conflict`: a condition failed; `current` holds the actual versions of the failing conditions.
 *   Nothing was applied.
 * - `invalid`: the entry is not a well-formed command; nothing was applied.
 * - `session-expired`: the client's session is unknown and `seq` is not 1; it was expired (or never
 *   started), so the machine cannot tell whether this request already ran. Start a new session.
 * - `session-stale`: the client has already moved past `seq`; this is an old duplicate.
 */
export type ApplyResult =
  | { ok: true; index: number; versions: KeyVersion[] }
  | { ok: false; code: 'conflict'; index: number; current: KeyVersion[] }
  | { ok: false; code: 'invalid'; index: number; reason: string }
  | { ok: false; code: 'session-expired'; index: number }
  | { ok: false; code: 'session-stale'; index: number; lastSeq: number };

/** A stored record. Values are frozen: treat them as read-only. */
export interface TableRecord {
  readonly value: unknown;
  readonly version: number;
  readonly createIndex: number;
}

export interface TableEntry extends TableRecord {
  readonly key: string;
}

/**
 * One record change for change feeds, in commit order. A delete has `value: undefined`,
 * `version: 0` and `createIndex: 0`; `previous` is the record before the change.
 */
export interface Change {
  table: string;
  key: string;
  value: unknown;
  version: number;
  createIndex: number;
  /** The log index of the transaction that made the change. */
  index: number;
  previous: TableRecord | undefined;
}

/** What `apply` hands back. `duplicate` is true when a session retry got the cached result. */
export interface ApplyOutcome {
  result: ApplyResult;
  changes: Change[];
  duplicate: boolean;
}
