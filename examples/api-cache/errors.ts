/**
 * Errors of the API cache, one class per failure, each with a stable `code`:
 *
 * | code | class | when |
 * | --- | --- | --- |
 * | `invalid_id` | `InvalidTodoIdError` | the id is not an integer from 1 to 200 |
 * | `not_found` | `TodoNotFoundError` | the upstream API answered 404 |
 * | `upstream_timeout` | `UpstreamTimeoutError` | the upstream API did not answer within `fetchTimeoutMs` |
 * | `upstream_failed` | `UpstreamError` | any other upstream failure: connection refused, a non-200 status, a body that is not a todo |
 * | `invalid_option` | `CacheOptionError` | a bad option given to a cache, node or command |
 *
 * Store failures are not errors of a fetch: a cache that cannot be read or written is bypassed
 * (the record comes from upstream, `wasCached: false`) and counted in `stats().storeErrors`.
 */

export type CacheErrorCode =
  'invalid_id' | 'not_found' | 'upstream_timeout' | 'upstream_failed' | 'invalid_option';

export class CacheError extends Error {
  readonly code: CacheErrorCode;
  constructor(code: CacheErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

export class InvalidTodoIdError extends CacheError {
  constructor(id: unknown) {
    super('invalid_id', `todo ids are integers from 1 to 200, got ${JSON.stringify(id)}`);
  }
}

export class TodoNotFoundError extends CacheError {
  constructor(id: number) {
    super('not_found', `todo ${id} does not exist upstream`);
  }
}

export class UpstreamTimeoutError extends CacheError {
  constructor(id: number, timeoutMs: number, cause?: unknown) {
    super('upstream_timeout', `todo ${id}: no answer from upstream within ${timeoutMs} ms`, { cause });
  }
}

export class UpstreamError extends CacheError {
  constructor(id: number, detail: string, cause?: unknown) {
    super('upstream_failed', `todo ${id}: ${detail}`, cause === undefined ? undefined : { cause });
  }
}

export class CacheOptionError extends CacheError {
  constructor(message: string) {
    super('invalid_option', message);
  }
}
