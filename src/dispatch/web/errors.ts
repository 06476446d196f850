/**
 * Errors of the dispatch web layer and the one mapping from any failure to an HTTP answer.
 *
 * ```ts
 * const failure = toHttpFailure(err); // { status: 503, code: 'no_quorum', message: 'no quorum: …', internal: false }
 * reply.code(failure.status).send({ error: { code: failure.code, message: failure.message } });
 * ```
 *
 * | code | status | when |
 * | --- | --- | --- |
 * | `bad_request` | 400 | malformed JSON, unknown field or location, bad UUID or name (`InvalidRequestError`), or a service `bad_request` |
 * | `forbidden_origin` | 403 | a state-changing request sent by a page of another origin (`ForbiddenOriginError`) |
 * | `not_found` | 404 | unknown route, city or node, or a hero id that never existed |
 * | `dead_hero` | 409 | the hero was terminated or died; it cannot be read, assigned or terminated |
 * | `payload_too_large` | 413 | body above the limit (16 KiB) |
 * | `unsupported_media_type` | 415 | a body that is not `application/json` |
 * | `no_quorum` · `unavailable` | 503 | the store has no quorum here / the node or city cannot answer |
 * | `timeout` · `outcome_unknown` | 504 | the cluster did not answer in time / a write may or may not have taken effect (retry with the same `Idempotency-Key`) |
 * | `internal` | 500 | anything else; the details go to the log, never to the client |
 *
 * When not to use: the service itself throws `DispatchError` (see `../service.ts`); these classes are
 * only for failures the HTTP edge detects before the service is asked.
 */
import { DispatchError } from '../service.ts';

/** The request is malformed; nothing reached the service. */
export class InvalidRequestError extends Error {
  readonly code = 'bad_request';
  readonly status = 400;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidRequestError';
  }
}

/** A browser page of another origin tried a state-changing request (cross-site request forgery). */
export class ForbiddenOriginError extends Error {
  readonly code = 'forbidden_origin';
  readonly status = 403;
  readonly origin: string;
  constructor(origin: string) {
    super(`requests from origin ${JSON.stringify(origin)} are not allowed; use this node's own page`);
    this.name = 'ForbiddenOriginError';
    this.origin = origin;
  }
}

export interface HttpFailure {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  /** True when the client gets a generic message and the real error must be logged. */
  readonly internal: boolean;
}

const DISPATCH_STATUS: Readonly<Record<DispatchError['code'], number>> = {
  bad_request: 400,
  not_found: 404,
  dead_hero: 409,
  no_quorum: 503,
  unavailable: 503,
  timeout: 504,
  outcome_unknown: 504,
};

/** Maps the body limit's byte count into the message, so a client knows how much it may send. */
export interface FailureContext {
  readonly bodyLimitBytes: number;
}

function fastifyCode(
  err: unknown,
): { code: string; statusCode: number | undefined; message: string } | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { code, statusCode, message } = err as { code?: unknown; statusCode?: unknown; message?: unknown };
  if (typeof code !== 'string' || !code.startsWith('FST_')) return undefined;
  return {
    code,
    statusCode: typeof statusCode === 'number' ? statusCode : undefined,
    message: typeof message === 'string' ? message : code,
  };
}

export function toHttpFailure(err: unknown, context: FailureContext): HttpFailure {
  if (err instanceof DispatchError) {
    let message = err.message;
    if (err.code === 'no_quorum' && !/quorum/i.test(message)) message = `no quorum: ${message}`;
    return { status: DISPATCH_STATUS[err.code], code: err.code, message, internal: false };
  }
  if (err instanceof InvalidRequestError || err instanceof ForbiddenOriginError) {
    return { status: err.status, code: err.code, message: err.message, internal: false };
  }
  const fst = fastifyCode(err);
  if (fst !== undefined) {
    if (fst.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return {
        status: 413,
        code: 'payload_too_large',
        message: `request body is larger than the limit of ${context.bodyLimitBytes} bytes`,
        internal: false,
      };
    }
    if (fst.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return {
        status: 415,
        code: 'unsupported_media_type',
        message: 'send the body as JSON with content-type application/json',
        internal: false,
      };
    }
    if (fst.statusCode !== undefined && fst.statusCode >= 400 && fst.statusCode < 500) {
      return { status: fst.statusCode, code: 'bad_request', message: fst.message, internal: false };
    }
  }
  return { status: 500, code: 'internal', message: 'internal error; see the node log', internal: true };
}

/** The JSON body of every error answer. */
export function errorBody(failure: HttpFailure): { error: { code: string; message: string } } {
  return { error: { code: failure.code, message: failure.message } };
}
