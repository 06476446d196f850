/**
 * Errors of the etcd store, as the store interface's `StoreError` codes, the client's error kept as
 * `cause`: what the Raft store raises in the same situation, so that callers (placement, dispatch)
 * cannot tell the two apart.
 *
 * | etcd / client                                              | `StoreError.code` |
 * | ---------------------------------------------------------- | ----------------- |
 * | a `Txn` compare failed                                     | `conflict` (`EtcdConflictError`, a `ConflictError` with the `current` versions) |
 * | no leader, no endpoint reachable, lease lapsed             | `no_quorum`       |
 * | deadline passed, "request timed out", "leader changed"     | `timeout` (outcome unknown) |
 * | invalid argument, request too large, duplicate key in txn  | `invalid`         |
 * | store closed, auth refused, quota ("database space exceeded") | `unavailable`  |
 *
 * A watch start revision older than the last compaction is `EtcdCompactedError` (`unavailable`):
 * re-read, then resume from the read's revision.
 *
 * When not to use: the other stores have their own mapping (`raft-errors.ts`).
 */
import { CodedError } from '../../util/errors.ts';
import {
  ClientClosedError,
  EtcdPermissionDeniedError,
  EtcdAuthenticationFailedError,
  GRPCDeadlineExceededError,
  GRPCInvalidArgumentError,
  GRPCUnavailableError,
  GRPCResourceExhastedError,
} from 'etcd3';
import type { KeyVersion } from '../ops.ts';
import { ConflictError } from '../ops.ts';
import { StoreError } from '../types.ts';

/** A condition of a transaction failed; `current` holds the actual versions (0: absent). */
export class EtcdConflictError extends ConflictError {
  constructor(current: readonly KeyVersion[]) {
    const parts = current.map(
      (c) => `${c.table}/${c.key}: current version ${c.version === 0 ? '0 (absent)' : c.version}`,
    );
    super(current, `conflict: ${parts.join('; ')}`);
    this.name = 'EtcdConflictError';
  }
}

/** Changes after `revision` were compacted away in etcd; `compactRevision` is the oldest kept. */
export class EtcdCompactedError extends StoreError {
  readonly revision: number;
  readonly compactRevision: number;
  constructor(revision: number, compactRevision: number) {
    super(
      'unavailable',
      `etcd compacted its history up to revision ${compactRevision}: changes after ${revision} are gone; re-read and resume from the read's revision`,
    );
    this.name = 'EtcdCompactedError';
    this.revision = revision;
    this.compactRevision = compactRevision;
  }
}

/**
 * The cause of a `no_quorum` for a request that never reached an etcd leader: nothing was applied
 * (`maybeApplied: false`, as the Raft driver reports it), so a caller may answer "not written".
 */
export class EtcdNotSentError extends CodedError<'not_sent'> {
  readonly maybeApplied = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super('not_sent', message, options);
  }
}

/** The request never reached a leader: nothing was applied. */
const NOT_SENT =
  /no leader|ECONNREFUSED|No connection established|connection refused|failed to connect|unhealthy cluster/i;
const TIMEOUT = /request timed out|leader changed|deadline exceeded|timed out/i;
const INVALID = /duplicate key|too large|too many operations|key is not provided|exceeds.*size/i;

/**
 * The store's view of a client error. `writable`: whether this node held its lease a moment ago;
 * when it did not, a timeout is reported as `no_quorum`, as the Raft store does without a leader.
 * `write`: a write whose connection dropped may have been applied (`timeout`, outcome unknown); a
 * read is simply unavailable (`no_quorum`).
 */
export function toStoreError(
  err: unknown,
  { writable, write }: { writable: boolean; write: boolean },
): StoreError {
  if (err instanceof StoreError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const as = (code: StoreError['code']): StoreError =>
    new StoreError(code, `etcd: ${message}`, { cause: err });
  if (err instanceof ClientClosedError) return as('unavailable');
  if (err instanceof EtcdPermissionDeniedError || err instanceof EtcdAuthenticationFailedError)
    return as('unavailable');
  if (err instanceof GRPCResourceExhastedError)
    return as(/too large/i.test(message) ? 'invalid' : 'unavailable');
  if (err instanceof GRPCInvalidArgumentError || INVALID.test(message)) return as('invalid');
  if (NOT_SENT.test(message)) {
    return new StoreError('no_quorum', `etcd: ${message}`, {
      cause: new EtcdNotSentError(message, { cause: err }),
    });
  }
  if (err instanceof GRPCDeadlineExceededError || TIMEOUT.test(message)) {
    return as(writable || write ? 'timeout' : 'no_quorum');
  }
  if (err instanceof GRPCUnavailableError) return as(write ? 'timeout' : 'no_quorum');
  return as('unavailable');
}
