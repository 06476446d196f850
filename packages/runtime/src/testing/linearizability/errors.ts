/**
 * Errors of the linearizability checker. A malformed history is a bug in the recording harness, so
 * it throws rather than producing a verdict.
 */
import { CodedError } from '../../util/errors.ts';

/** A history that cannot be checked: a call time that is not finite, or a return before its call. */
export class InvalidHistoryError extends CodedError<'invalid-history'> {
  constructor(message: string, options?: { cause?: unknown }) {
    super('invalid-history', message, options);
  }
}
