/**
 * A `DispatchService` over a dispatch node's HTTP API: each call is one request, each error answer
 * becomes the `DispatchError` its code names. The conformance suite runs through it against a real
 * cluster, so the contract is checked end to end (validation, status codes, error bodies).
 *
 * ```ts
 * const service = httpDispatchService('http://127.0.0.1:4900', 'gotham');
 * await service.createHero({ name: 'Lady Nova' }, { idempotencyKey: 'k-1' });
 * ```
 *
 * A request that gets no answer (a reset, a refused connection, the `timeoutMs` hang guard) rejects
 * with `HttpNoAnswerError`: its outcome is unknown. An answer whose status and code disagree with the
 * contract (`../../dispatch/web/errors.ts`) rejects with a plain `Error` naming both: a bug.
 *
 * When not to use: the page and the event stream (`subscribe` is not served over this client).
 */
import { CodedError } from '@superhero-dispatch/runtime';
import type { ClusterView, Hero, Location } from '../model.ts';
import type { DispatchErrorCode, DispatchService, NodeAction, WriteRequest } from '../service.ts';
import { DispatchError } from '../service.ts';

/** The request got no HTTP answer; whether it took effect is unknown. */
export class HttpNoAnswerError extends CodedError<'no_answer'> {
  constructor(message: string, options?: { cause?: unknown }) {
    super('no_answer', message, options);
  }
}

const STATUS_OF: Readonly<Record<DispatchErrorCode, number>> = {
  bad_request: 400,
  not_found: 404,
  dead_hero: 409,
  city_down: 409,
  no_quorum: 503,
  unavailable: 503,
  timeout: 504,
  outcome_unknown: 504,
};

export interface HttpAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** One request; resolves with any HTTP answer, rejects with `HttpNoAnswerError` without one. */
export async function request(
  base: string,
  method: string,
  path: string,
  options: { body?: unknown; key?: string; timeoutMs?: number } = {},
): Promise<HttpAnswer> {
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.key !== undefined) headers['idempotency-key'] = options.key;
  let res: Response;
  let text: string;
  try {
    res = await fetch(`${base}${path}`, {
      method,
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
    });
    text = await res.text();
  } catch (err) {
    throw new HttpNoAnswerError(`${method} ${path}: no answer (${String(err)})`, { cause: err });
  }
  return { status: res.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

export function httpDispatchService(base: string, nodeName: string, timeoutMs = 15_000): DispatchService {
  const call = async <T>(
    method: string,
    path: string,
    status: number,
    options: { body?: unknown; key?: string } = {},
  ): Promise<T> => {
    const answer = await request(base, method, path, { ...options, timeoutMs });
    if (answer.status === status) return answer.body as T;
    const error = (answer.body as { error?: { code?: string; message?: string } } | undefined)?.error;
    const code = error?.code as DispatchErrorCode | undefined;
    if (code === undefined || !(code in STATUS_OF))
      throw new Error(`${method} ${path}: unexpected answer ${answer.status} ${JSON.stringify(answer.body)}`);
    if (STATUS_OF[code] !== answer.status)
      throw new Error(`${method} ${path}: status ${answer.status} does not match code ${code}`);
    throw new DispatchError(code, error?.message ?? code);
  };
  const key = (r: WriteRequest | undefined): { key?: string } =>
    r?.idempotencyKey === undefined ? {} : { key: r.idempotencyKey };
  return {
    nodeName,
    listHeroes: async () => (await call<{ heroes: Hero[] }>('GET', '/api/heroes', 200)).heroes,
    getHero: (id) => call<Hero>('GET', `/api/heroes/${id}`, 200),
    createHero: (input, r) => call<Hero>('POST', '/api/heroes', 201, { body: input, ...key(r) }),
    terminateHero: async (id, r) => {
      await call('DELETE', `/api/heroes/${id}`, 204, key(r));
    },
    assignHero: (id, location: Location, r) =>
      call<Hero>('POST', `/api/heroes/${id}/assign`, 200, { body: { location }, ...key(r) }),
    cluster: () => call<ClusterView>('GET', '/api/cluster', 200),
    destroyCity: async (city) =>
      (await call<{ city: string }>('POST', `/api/cities/${city}/destroy`, 200)).city,
    nodeAction: async (node, action: NodeAction) => {
      await call('POST', `/api/nodes/${node}/${action}`, 202);
    },
    subscribe: () => {
      throw new Error('subscribe is not served over the HTTP client');
    },
    ready: () => true,
  };
}
