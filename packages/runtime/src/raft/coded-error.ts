/**
 * The shape every Raft-layer error shares: an `Error` subclass with a stable string `code`, its own
 * class name as `name`, and an optional `cause`. `codedError(code)` returns a base class to extend,
 * so each error is one line and keeps its own class for `instanceof`.
 *
 * Example:
 * ```ts
 * export class DriverClosedError extends codedError('closed') {}
 * const e = new DriverClosedError('closed', { cause });
 * e.code; // 'closed' (typed as the literal)
 * e.name; // 'DriverClosedError'
 * ```
 *
 * API: the returned class takes `(message, options?: { cause })`; a subclass may declare its own
 * constructor (extra fields, a built message) and call `super(message, options)`.
 *
 * The class returned extends `CodedError` (`util/errors.ts`), the base of every layer's errors.
 *
 * When not to use: store callers see `StoreError` (`store/types.ts`), which has one class and
 * many codes; use that shape when callers branch on `code` rather than on the class.
 */
import { CodedError } from '../util/errors.ts';

/** Options every Raft-layer error takes. */
export interface CodedErrorOptions {
  readonly cause?: unknown;
}

/** A base class whose instances carry `code`; `name` is the concrete subclass's name. */
export function codedError<C extends string>(code: C) {
  return class RaftCodedError extends CodedError<C> {
    constructor(message: string, options?: CodedErrorOptions) {
      super(code, message, options);
    }
  };
}
