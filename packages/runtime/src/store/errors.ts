/**
 * The store layer's error: one class, `StoreError`, with a stable code a caller branches on (a
 * conflict is `ConflictError`, a subclass with the keys whose conditions failed: `ops.ts`). Every
 * store backend maps its own failures to these codes.
 *
 * | code | meaning |
 * | --- | --- |
 * | `conflict` | a compare-and-set or transaction condition failed; nothing was written |
 * | `no_quorum` | the store cannot reach a majority; the write may or may not apply (see `maybeApplied` on its cause) |
 * | `timeout` | no answer in time; the outcome is unknown |
 * | `unavailable` | the store is closed or cannot serve now |
 * | `invalid` | a bad key, value or request; nothing was written |
 */
import { CodedError } from '../util/errors.ts';

export type StoreErrorCode = 'conflict' | 'no_quorum' | 'timeout' | 'unavailable' | 'invalid';

export class StoreError extends CodedError<StoreErrorCode> {
  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'StoreError';
  }
}
