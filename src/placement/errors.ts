/** Typed errors of the distributed supervisor. */
export type PlacementErrorCode = 'bad_spec' | 'already_started' | 'not_found' | 'unavailable' | 'timeout';

export class PlacementError extends Error {
  readonly code: PlacementErrorCode;
  constructor(code: PlacementErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'PlacementError';
  }
}
