/**
 * Errors of the Raft driver. Each has a stable string `code` and an optional `cause`; request
 * errors say whether the request may still have been applied (`maybeApplied`), which decides
 * whether a blind retry is safe.
 *
 * Example:
 * ```ts
 * try { await driver.submit(bytes); }
 * catch (e) { if (e instanceof NoQuorumError && !e.maybeApplied) retryLater(); }
 * ```
 *
 * When not to use: the table store turns these into `StoreError`s; applications see those.
 */
import { codedError } from '../coded-error.ts';

interface RequestErrorOptions {
  readonly cause?: unknown;
  /** True when the request reached a leader's log and may still commit. */
  readonly maybeApplied?: boolean;
}

/** A request's error base: `codedError` plus `maybeApplied` (false unless given). */
function requestError<C extends string>(code: C) {
  return class RequestError extends codedError(code) {
    readonly maybeApplied: boolean;
    constructor(message: string, options: RequestErrorOptions = {}) {
      super(message, options.cause === undefined ? undefined : { cause: options.cause });
      this.maybeApplied = options.maybeApplied ?? false;
    }
  };
}

/** An option is out of range. */
export class RaftDriverConfigError extends codedError('raft_config') {}

/**
 * The log on disk belongs to another Raft group: neither this member nor any of the voters it was
 * given is a member there. Usually the node's address (`name@host:port`, a member's identity)
 * changed since the data was written, or the data directory is another cluster's. Nothing was
 * written.
 */
export class ForeignRaftDataError extends codedError('foreign_data') {
  readonly storedVoters: readonly string[];
  constructor(dataDir: string, self: string, storedVoters: readonly string[]) {
    super(
      `the Raft log in ${dataDir} belongs to a group whose voters are ${storedVoters.join(', ')}; ` +
        `this member is ${self}, and none of the voters it was given is among them. Start the ` +
        `node with the address it had when it wrote that log, or remove ${dataDir} to join afresh ` +
        `(what it holds is then lost here).`,
    );
    this.storedVoters = storedVoters;
  }
}

/** No leader is known, or a majority of voters is unreachable, so nothing can commit now. */
export class NoQuorumError extends requestError('no_quorum') {}

/** The request did not finish within its timeout although a quorum seemed reachable. */
export class RequestTimeoutError extends requestError('timeout') {}

/** A command is larger than `maxCommandBytes`; it was not proposed. */
export class CommandTooLargeError extends codedError('too_large') {}

/** The driver was closed (or failed) before the request finished. */
export class DriverClosedError extends codedError('closed') {}

/** A membership change is not valid for the current configuration. */
export class MembershipChangeError extends codedError('membership') {}

/** The cluster node already hosts a running Raft member; close it first. */
export class AlreadyAttachedError extends codedError('already_attached') {}
