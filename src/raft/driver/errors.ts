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

interface RequestErrorOptions {
  readonly cause?: unknown;
  /** True when the request reached a leader's log and may still commit. */
  readonly maybeApplied?: boolean;
}

/** An option is out of range. */
export class RaftDriverConfigError extends Error {
  readonly code = 'raft_config';
  override readonly name = 'RaftDriverConfigError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** No leader is known, or a majority of voters is unreachable, so nothing can commit now. */
export class NoQuorumError extends Error {
  readonly code = 'no_quorum';
  override readonly name = 'NoQuorumError';
  readonly maybeApplied: boolean;
  constructor(message: string, options: RequestErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.maybeApplied = options.maybeApplied ?? false;
  }
}

/** The request did not finish within its timeout although a quorum seemed reachable. */
export class RequestTimeoutError extends Error {
  readonly code = 'timeout';
  override readonly name = 'RequestTimeoutError';
  readonly maybeApplied: boolean;
  constructor(message: string, options: RequestErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.maybeApplied = options.maybeApplied ?? false;
  }
}

/** A command is larger than `maxCommandBytes`; it was not proposed. */
export class CommandTooLargeError extends Error {
  readonly code = 'too_large';
  override readonly name = 'CommandTooLargeError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The driver was closed (or failed) before the request finished. */
export class DriverClosedError extends Error {
  readonly code = 'closed';
  override readonly name = 'DriverClosedError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A membership change is not valid for the current configuration. */
export class MembershipChangeError extends Error {
  readonly code = 'membership';
  override readonly name = 'MembershipChangeError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The cluster node already hosts a running Raft member; close it first. */
export class AlreadyAttachedError extends Error {
  readonly code = 'already_attached';
  override readonly name = 'AlreadyAttachedError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
