/**
 * Errors of the table state machine. Malformed commands inside the log are not errors (they give an
 * `invalid` result on every replica alike); these are bugs in the caller.
 */

/** `encodeCommand` was given a command that would be rejected by every replica. */
export class InvalidCommandError extends Error {
  readonly code = 'invalid-command';
  override readonly name = 'InvalidCommandError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** `apply` was called with an index not above the last applied one: entries must come in log order. */
export class ApplyOrderError extends Error {
  readonly code = 'apply-order';
  override readonly name = 'ApplyOrderError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** `restore` was given bytes that are not a snapshot of this format. */
export class SnapshotFormatError extends Error {
  readonly code = 'bad-snapshot';
  override readonly name = 'SnapshotFormatError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
