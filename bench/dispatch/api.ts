/**
 * A small JSON client for a dispatch node's HTTP API. Failures never throw: a refused connection
 * or a timeout comes back as status 0, so a load generator counts it and carries on.
 *
 * ```ts
 * const r = await apiRequest(4900, 'POST', '/api/heroes', {});
 * if (r.status === 201) console.log((r.json as { id: string }).id);
 * const metrics = await fetchText(4900, '/metrics');
 * ```
 *
 * Requests go through the benchmarks' own keep-alive client (`bench/lib/http-client.ts`, one
 * connection per request in flight, no pipelining), shared by the whole process. Node's `fetch`
 * cost the load generator ~1 ms of CPU per request (streams, abort signals, header objects): at
 * 10,000 heroes a third of a core on this two-core machine, taken from the nodes it measures.
 *
 * When not to use: for the event stream (`event-feed.ts`) or for anything that must see the raw
 * bytes of a response.
 */
import { HttpClient } from '../lib/http-client.ts';

export interface ApiResponse {
  /** HTTP status, or 0 when the request did not complete (connection refused, timeout). */
  readonly status: number;
  readonly json: unknown;
  /** Wall time of the request, ms. */
  readonly ms: number;
}

/** Default per-request timeout, ms: above the API's own 8 s call timeouts, so they answer first. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** Idle connections do not keep the process alive; nothing needs to close it. */
const client = new HttpClient();

export async function apiRequest(
  webPort: number,
  method: string,
  path: string,
  body?: unknown,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<ApiResponse> {
  const started = performance.now();
  try {
    const res = await client.request(`http://127.0.0.1:${webPort}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      timeoutMs,
    });
    const text = res.text();
    let json: unknown = undefined;
    if (text) {
      try {
        json = JSON.parse(text) as unknown;
      } catch {
        json = text;
      }
    }
    return { status: res.status, json, ms: performance.now() - started };
  } catch (err) {
    return { status: 0, json: { error: String(err) }, ms: performance.now() - started };
  }
}

/** The body of a GET as text (for `/metrics`), or undefined when the node did not answer. */
export async function fetchText(
  webPort: number,
  path: string,
  timeoutMs = 5000,
): Promise<string | undefined> {
  try {
    const res = await client.request(`http://127.0.0.1:${webPort}${path}`, { timeoutMs });
    return res.status >= 200 && res.status < 300 ? res.text() : undefined;
  } catch {
    return undefined;
  }
}
