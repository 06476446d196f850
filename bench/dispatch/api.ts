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
 * When not to use: for the event stream (`event-feed.ts`) or for anything that must see the raw
 * bytes of a response.
 */

export interface ApiResponse {
  /** HTTP status, or 0 when the request did not complete (connection refused, timeout). */
  readonly status: number;
  readonly json: unknown;
  /** Wall time of the request, ms. */
  readonly ms: number;
}

/** Default per-request timeout, ms: above the API's own 8 s call timeouts, so they answer first. */
export const DEFAULT_TIMEOUT_MS = 10_000;

export async function apiRequest(
  webPort: number,
  method: string,
  path: string,
  body?: unknown,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<ApiResponse> {
  const started = performance.now();
  try {
    const res = await fetch(`http://127.0.0.1:${webPort}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
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
    const res = await fetch(`http://127.0.0.1:${webPort}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
    return res.ok ? await res.text() : undefined;
  } catch {
    return undefined;
  }
}
