/**
 * Errors thrown by the Raft core. Expected outcomes (a proposal on a follower, a read without a
 * leader) are result values, not errors; these are thrown only for bad configuration, misuse of the
 * Ready/advance protocol, and broken invariants (a bug or corrupted storage).
 *
 * Example:
 * ```ts
 * try { node.advance(ready); } catch (e) { if (e instanceof RaftUsageError) log.error(e.code); }
 * ```
 *
 * API: every class has a stable string `code` and takes an optional `cause`.
 *
 * When not to use: drivers turn rejected proposals into their own errors (`ProposalRejectedError`).
 */

/** An option is missing or out of range. */
export class RaftConfigError extends Error {
  readonly code = 'RAFT_CONFIG';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RaftConfigError';
  }
}

/** The caller broke the protocol (e.g. `advance` without `ready`, `bootstrap` on a used node). */
export class RaftUsageError extends Error {
  readonly code = 'RAFT_USAGE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RaftUsageError';
  }
}

/** A Raft invariant does not hold: committed entry overwritten, state behind a snapshot, etc. */
export class RaftInvariantError extends Error {
  readonly code = 'RAFT_INVARIANT';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RaftInvariantError';
  }
}

/** A proposal was not accepted; `reason` says whether and where to retry. For drivers. */
export class ProposalRejectedError extends Error {
  readonly code = 'RAFT_PROPOSAL_REJECTED';
  readonly reason: string;
  readonly leader: string | null;
  constructor(reason: string, leader: string | null, options?: { cause?: unknown }) {
    super(`proposal rejected: ${reason}${leader === null ? '' : ` (leader ${leader})`}`, options);
    this.name = 'ProposalRejectedError';
    this.reason = reason;
    this.leader = leader;
  }
}

/** A config entry could not be decoded: the log is corrupt or written by another format. */
export class ConfChangeDecodeError extends Error {
  readonly code = 'RAFT_CONF_DECODE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfChangeDecodeError';
  }
}
