/**
 * Errors of the CRDT driver. A peer's bad message is not one of them: it is logged, counted in
 * `stats()` and dropped, and replication goes on.
 *
 * Example:
 * ```ts
 * try { await awaitConverged(stores, 5000); }
 * catch (e) { if (e instanceof CrdtConvergeTimeoutError) console.log(e.code, e.summaries); }
 * ```
 *
 * API: every class has a stable string `code` and takes an optional `cause`.
 *
 * When not to use: store callers see `StoreError` (`store/types.ts`), not these.
 */
import { CodedError } from '../../util/errors.ts';

/** The driver was used after `close()`. */
export class CrdtDriverClosedError extends CodedError<'CRDT_DRIVER_CLOSED'> {
  constructor(message = 'the CRDT driver is closed', options?: { cause?: unknown }) {
    super('CRDT_DRIVER_CLOSED', message, options);
    this.name = 'CrdtDriverClosedError';
  }
}

/** A second driver was started on a node whose driver is still open (one per node). */
export class CrdtDriverAttachedError extends CodedError<'CRDT_DRIVER_ATTACHED'> {
  constructor(node: string, options?: { cause?: unknown }) {
    super('CRDT_DRIVER_ATTACHED', `${node} already runs a CRDT driver; close it first`, options);
    this.name = 'CrdtDriverAttachedError';
  }
}

/** An option of the driver is out of range. */
export class CrdtDriverOptionError extends CodedError<'CRDT_DRIVER_OPTION'> {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CRDT_DRIVER_OPTION', message, options);
    this.name = 'CrdtDriverOptionError';
  }
}

/** `awaitConverged` gave up: the replicas' summaries still differed. */
export class CrdtConvergeTimeoutError extends CodedError<'CRDT_CONVERGE_TIMEOUT'> {
  /** The last summaries seen, one per replica, as `applied/state` hash strings. */
  readonly summaries: readonly string[];
  constructor(timeoutMs: number, summaries: readonly string[], options?: { cause?: unknown }) {
    super(
      'CRDT_CONVERGE_TIMEOUT',
      `replicas did not converge within ${timeoutMs} ms: ${summaries.join(' | ')}`,
      options,
    );
    this.name = 'CrdtConvergeTimeoutError';
    this.summaries = summaries;
  }
}
