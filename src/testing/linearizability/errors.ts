/**
 * Errors of the linearizability checker. A malformed history is a bug in the recording harness, so
 * it throws rather than producing a verdict.
 */

/** A history that cannot be checked: a call time that is not finite, or a return before its call. */
export class InvalidHistoryError extends Error {
  readonly code = 'invalid-history';
  override readonly name = 'InvalidHistoryError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
