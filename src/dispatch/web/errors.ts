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
 * | `unauthorized` | 401 | a bearer token is required and missing or wrong (`UnauthorizedError`) |
 * | `forbidden_origin` | 403 | a state-changing request sent by a page of another origin (`ForbiddenOriginError`) |
 * | `forbidden_host` | 403 | a `Host` header outside the allowlist, e.g. DNS rebinding (`ForbiddenHostError`) |
 * | `chaos_disabled` | 403 | a chaos route on a node started without `--chaos` (`ChaosDisabledError`) |
 * | `not_found` | 404 | unknown route, city or node, or a hero id that never existed |
 * | `dead_hero` | 409 | the hero was terminated or died; it cannot be read, assigned or terminated |
 * | `city_down` | 409 | assigned to a city that is not up in the cluster |
 * | `payload_too_large` | 413 | body above the limit (16 KiB) |
 * | `unsupported_media_type` | 415 | a body that is not `application/json` |
 * | `too_many_connections` · `too_many_streams` | 429 | this client holds its share of connections or event streams (`TooManyError`) |
 * | `rate_limited` | 429 | this client sent state-changing requests faster than its rate (`RateLimitedError`; `Retry-After` says when to retry) |
 * | `server_busy` · `hero_limit` | 503 | every connection or stream slot is taken / the hero cap is reached (`CapacityError`) |
 * | `no_quorum` · `unavailable` | 503 | the store has no quorum here / the node or city cannot answer |
 * | `timeout` · `outcome_unknown` | 504 | the cluster did not answer in time / a write may or may not have taken effect (retry with the same `Idempotency-Key`) |
 * | `internal` | 500 | anything else; the details go to the log, never to the client |
 *
 * Every refusal of the edge is an `HttpRefusal` (status and stable code); the service is not asked,
 * so nothing is written.
 *
 * When not to use: the service itself throws `DispatchError` (see `../service.ts`); these classes are
 * only for failures the HTTP edge detects before the service is asked.
 */
import { CodedError } from '@superhero-dispatch/runtime';
import { DispatchError } from '../service.ts';

/** A request the HTTP edge refuses before the service is asked. */
export abstract class HttpRefusal<C extends string = string> extends CodedError<C> {
  abstract readonly status: number;
}

/** The request is malformed; nothing reached the service. */
export class InvalidRequestError extends HttpRefusal<'bad_request'> {
  readonly status = 400;
  constructor(message: string, options?: { cause?: unknown }) {
    super('bad_request', message, options);
    this.name = 'InvalidRequestError';
  }
}

/** A bearer token is required (a non-loopback web host) and the request has none or a wrong one. */
export class UnauthorizedError extends HttpRefusal<'unauthorized'> {
  readonly status = 401;
  constructor(missing: boolean) {
    super(
      'unauthorized',
      missing
        ? 'this node requires a bearer token: send "Authorization: Bearer <token>" (see the node\'s web-token file)'
        : 'the bearer token is wrong',
    );
    this.name = 'UnauthorizedError';
  }
}

/** A browser page of another origin tried a state-changing request (cross-site request forgery). */
export class ForbiddenOriginError extends HttpRefusal<'forbidden_origin'> {
  readonly status = 403;
  readonly origin: string;
  constructor(origin: string) {
    super(
      'forbidden_origin',
      `requests from origin ${JSON.stringify(origin)} are not allowed; use this node's own page`,
    );
    this.name = 'ForbiddenOriginError';
    this.origin = origin;
  }
}

/** A `Host` header this node does not answer to: a DNS-rebinding page, or a name not in `--web-origin`. */
export class ForbiddenHostError extends HttpRefusal<'forbidden_host'> {
  readonly status = 403;
  constructor(host: string | undefined) {
    super(
      'forbidden_host',
      host === undefined
        ? 'requests must carry a Host header'
        : `host ${JSON.stringify(host.slice(0, 100))} is not allowed; reach this node by IP address, localhost or a name given with --web-origin`,
    );
    this.name = 'ForbiddenHostError';
  }
}

/** A chaos route (destroy, shutdown, restart, partition, heal) on a node where they are off. */
export class ChaosDisabledError extends HttpRefusal<'chaos_disabled'> {
  readonly status = 403;
  constructor() {
    super('chaos_disabled', 'chaos controls are off on this node; start it with --chaos to enable them');
    this.name = 'ChaosDisabledError';
  }
}

/** This client already holds its share (connections or event streams); others are not affected. */
export class TooManyError extends HttpRefusal<'too_many_connections' | 'too_many_streams'> {
  readonly status = 429;
  constructor(what: 'connections' | 'streams', limit: number) {
    super(
      what === 'streams' ? 'too_many_streams' : 'too_many_connections',
      `too many open ${what === 'streams' ? 'event streams' : 'connections'} from this client (limit ${limit}); close some and retry`,
    );
    this.name = 'TooManyError';
  }
}

/** This client sent state-changing requests faster than its rate allows; it may retry after `retryAfterSec`. */
export class RateLimitedError extends HttpRefusal<'rate_limited'> {
  readonly status = 429;
  /** Whole seconds until the client has a request again (at least 1), for `Retry-After`. */
  readonly retryAfterSec: number;
  constructor(ratePerSec: number, retryAfterMs: number) {
    const retryAfterSec = Math.max(1, Math.ceil(retryAfterMs / 1000));
    super(
      'rate_limited',
      `too many requests from this client (limit ${ratePerSec} per second); retry in ${retryAfterSec} s`,
    );
    this.name = 'RateLimitedError';
    this.retryAfterSec = retryAfterSec;
  }
}

/** A limit of the whole node: every connection or stream slot is taken, or the hero cap is reached. */
export class CapacityError extends HttpRefusal<'server_busy' | 'hero_limit'> {
  readonly status = 503;
  constructor(code: 'server_busy' | 'hero_limit', message: string) {
    super(code, message);
    this.name = 'CapacityError';
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
  city_down: 409,
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
  if (err instanceof HttpRefusal) {
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
