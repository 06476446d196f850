/**
 * Typed errors of the distributed supervisor. `stale_epoch`: a fenced write by a child that no
 * longer owns its key at its epoch (CP mode); `unsupported`: fencing asked of a store without
 * transactions (AP mode).
 */
import { CodedError } from '../util/errors.ts';
export type PlacementErrorCode =
  'bad_spec' | 'already_started' | 'not_found' | 'unavailable' | 'timeout' | 'stale_epoch' | 'unsupported';

export class PlacementError extends CodedError<PlacementErrorCode> {
  constructor(code: PlacementErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'PlacementError';
  }
}
