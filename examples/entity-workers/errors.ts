/**
 * Errors of the entity workers, one class per failure, each with a stable `code`:
 *
 * | code | class | when |
 * | --- | --- | --- |
 * | `invalid_id` | `InvalidEntityIdError` | the id is not a non-empty string of at most 200 characters |
 * | `invalid_state` | `InvalidEntityStateError` | the state is not `initialized`, `working` or `finalized` |
 * | `unavailable` | `EntityUnavailableError` | the worker could not be reached or started, or the store refused the write (e.g. `no_quorum`); nothing was acknowledged |
 *
 * A rejected `setEntityState` was not acknowledged: the write may or may not have reached the
 * store (a timeout), but the caller was never told it succeeded.
 */

export type EntityErrorCode = 'invalid_id' | 'invalid_state' | 'unavailable';

export class EntityError extends Error {
  readonly code: EntityErrorCode;
  constructor(code: EntityErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

export class InvalidEntityIdError extends EntityError {
  constructor(id: unknown) {
    super(
      'invalid_id',
      `entity ids are non-empty strings of at most 200 characters, got ${JSON.stringify(id)}`,
    );
  }
}

export class InvalidEntityStateError extends EntityError {
  constructor(state: unknown) {
    super(
      'invalid_state',
      `entity state must be initialized, working or finalized, got ${JSON.stringify(state)}`,
    );
  }
}

export class EntityUnavailableError extends EntityError {
  constructor(id: string, detail: string, cause?: unknown) {
    super('unavailable', `entity ${id}: ${detail}`, cause === undefined ? undefined : { cause });
  }
}

/** Validates an entity id at the edge. */
export function checkEntityId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || id.length === 0 || id.length > 200) throw new InvalidEntityIdError(id);
}
