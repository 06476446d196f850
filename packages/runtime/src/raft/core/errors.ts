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
import { CodedError } from '../../util/errors.ts';

/** An option is missing or out of range. */
export class RaftConfigError extends CodedError<'RAFT_CONFIG'> {
  constructor(message: string, options?: { cause?: unknown }) {
    super('RAFT_CONFIG', message, options);
  }
}

/** The caller broke the protocol (e.g. `advance` without `ready`, `bootstrap` on a used node). */
export class RaftUsageError extends CodedError<'RAFT_USAGE'> {
  constructor(message: string, options?: { cause?: unknown }) {
    super('RAFT_USAGE', message, options);
  }
}

/** A Raft invariant does not hold: committed entry overwritten, state behind a snapshot, etc. */
export class RaftInvariantError extends CodedError<'RAFT_INVARIANT'> {
  constructor(message: string, options?: { cause?: unknown }) {
    super('RAFT_INVARIANT', message, options);
  }
}

/** A proposal was not accepted; `reason` says whether and where to retry. For drivers. */
export class ProposalRejectedError extends CodedError<'RAFT_PROPOSAL_REJECTED'> {
  readonly reason: string;
  readonly leader: string | null;
  constructor(reason: string, leader: string | null, options?: { cause?: unknown }) {
    super(
      'RAFT_PROPOSAL_REJECTED',
      `proposal rejected: ${reason}${leader === null ? '' : ` (leader ${leader})`}`,
      options,
    );
    this.reason = reason;
    this.leader = leader;
  }
}

/** A config entry could not be decoded: the log is corrupt or written by another format. */
export class ConfChangeDecodeError extends CodedError<'RAFT_CONF_DECODE'> {
  constructor(message: string, options?: { cause?: unknown }) {
    super('RAFT_CONF_DECODE', message, options);
  }
}
