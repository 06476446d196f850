/**
 * The one error base of every layer: an `Error` with a stable string `code`, its concrete class's
 * name as `name`, and the usual `cause`. Each layer keeps its own subclasses (`ActorError`,
 * `WireError`, `StoreError`, `PlacementError`, the Raft and CRDT errors, `DispatchError`…), so a
 * caller tests a layer's failures with `instanceof` and branches on `code` within it; a caller that
 * only logs can take any `CodedError` and log its `code`.
 *
 * Example:
 * ```ts
 * export class LedgerError extends CodedError<'closed' | 'full'> {}
 * try { … } catch (err) {
 *   if (err instanceof StoreError && err.code === 'conflict') return retry();
 *   if (err instanceof CodedError) log.warn({ code: err.code, err }, 'write failed');
 *   throw err;
 * }
 * ```
 *
 * API: `new CodedError(code, message, { cause })`; `isCoded(err)` narrows an `unknown`.
 * Codes are stable: once shipped, a code keeps its meaning (logs, metrics and HTTP answers name
 * them). Most layers spell them in snake_case; the wire layer's `ERR_…` codes predate that and stay
 * as they are, since operators' log queries name them.
 *
 * Pure: imports nothing, so pure cores may use it.
 */
export class CodedError<C extends string = string> extends Error {
  readonly code: C;
  constructor(code: C, message: string, options?: { readonly cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Whether `err` is one of the project's errors (any layer). */
export function isCoded(err: unknown): err is CodedError {
  return err instanceof CodedError;
}
