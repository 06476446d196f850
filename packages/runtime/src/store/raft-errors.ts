/**
 * Errors of the Raft store: the driver's failures and the table machine's refusals as
 * `StoreError`s with the store's codes (`no_quorum`, `timeout`, `conflict`, `invalid`,
 * `unavailable`), the original kept as `cause`.
 *
 * Example:
 * ```ts
 * try { await heroes.put(id, hero, { expectVersion: 12 }); }
 * catch (e) { if (e instanceof ConflictError) console.log(e.current); }   // any store's conflict
 * ```
 *
 * `RaftConflictError` is the Raft store's `ConflictError` (`ops.ts`): callers test for
 * `ConflictError` (or `StoreError` code `conflict`), which every store with conditions raises.
 *
 * When not to use: outside the Raft store; each store maps its own errors.
 */
import {
  CommandTooLargeError,
  DriverClosedError,
  MembershipChangeError,
  NoQuorumError,
  RequestTimeoutError,
} from '../raft/driver/index.ts';
import { InvalidCommandError } from '../raft/tables/index.ts';
import type { KeyVersion } from './ops.ts';
import { conditionKey, ConflictError } from './ops.ts';
import { StoreError } from './types.ts';

/** A condition of a transaction failed; `current` holds the actual versions (0: absent). */
export class RaftConflictError extends ConflictError {
  constructor(current: readonly KeyVersion[], expected: ReadonlyMap<string, number>) {
    const parts = current.map((c) => {
      const want = expected.get(conditionKey(c.table, c.key));
      const found = c.version === 0 ? '0 (absent)' : String(c.version);
      return `${c.table}/${c.key}: expected version ${want ?? '?'}, current version ${found}`;
    });
    super(current, `conflict: ${parts.join('; ')}`);
    this.name = 'RaftConflictError';
  }
}

/** The store's view of a driver or codec error. */
export function toStoreError(err: unknown): Error {
  if (err instanceof StoreError) return err;
  if (err instanceof NoQuorumError) return new StoreError('no_quorum', err.message, { cause: err });
  if (err instanceof RequestTimeoutError) return new StoreError('timeout', err.message, { cause: err });
  if (err instanceof MembershipChangeError) return new StoreError('invalid', err.message, { cause: err });
  if (err instanceof InvalidCommandError) return new StoreError('invalid', err.message, { cause: err });
  if (err instanceof CommandTooLargeError) return new StoreError('invalid', err.message, { cause: err });
  if (err instanceof DriverClosedError) return new StoreError('unavailable', err.message, { cause: err });
  const message = err instanceof Error ? err.message : String(err);
  return new StoreError('unavailable', message, { cause: err });
}
