/**
 * Errors of the Raft store: the driver's failures and the table machine's refusals as
 * `StoreError`s with the store's codes (`no_quorum`, `timeout`, `conflict`, `invalid`,
 * `unavailable`), the original kept as `cause`.
 *
 * Example:
 * ```ts
 * try { await heroes.put(id, hero, { expectVersion: 12 }); }
 * catch (e) { if (e instanceof RaftConflictError) console.log(e.current); }
 * ```
 *
 * When not to use: other stores raise plain `StoreError`s; only this one adds `RaftConflictError`.
 */
import {
  CommandTooLargeError,
  DriverClosedError,
  MembershipChangeError,
  NoQuorumError,
  RequestTimeoutError,
} from '../raft/driver/index.ts';
import { InvalidCommandError } from '../raft/tables/index.ts';
import type { KeyVersion } from '../raft/tables/index.ts';
import { StoreError } from './types.ts';

/** A condition of a transaction failed; `current` holds the actual versions (0: absent). */
export class RaftConflictError extends StoreError {
  readonly current: readonly KeyVersion[];
  constructor(current: readonly KeyVersion[], expected: ReadonlyMap<string, number>) {
    const parts = current.map((c) => {
      const want = expected.get(conditionKey(c.table, c.key));
      const found = c.version === 0 ? '0 (absent)' : String(c.version);
      return `${c.table}/${c.key}: expected version ${want ?? '?'}, current version ${found}`;
    });
    super('conflict', `conflict: ${parts.join('; ')}`);
    this.name = 'RaftConflictError';
    this.current = current;
  }
}

export function conditionKey(table: string, key: string): string {
  return `${table}\u0000${key}`;
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
