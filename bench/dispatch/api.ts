/**
 * A small JSON client for a dispatch node's HTTP API, and a bounded-concurrency runner for many
 * requests. Failures never throw: a refused connection or a timeout comes back as status 0, so a
 * load generator counts it and carries on.
 *
 * ```ts
 * const r = await apiRequest(4900, 'POST', '/api/heroes', {});
 * if (r.status === 201) console.log((r.json as { id: string }).id);
 * await runBounded(1000, 32, async (i) => { await apiRequest(4900, 'GET', '/livez'); });
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

/**
 * Runs `task(0) … task(count - 1)` with at most `concurrency` in flight; stops starting new tasks
 * once `shouldStop()` turns true. Resolves when every started task has settled.
 */
export async function runBounded(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<void>,
  shouldStop: () => boolean = () => false,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count && !shouldStop()) {
      const index = next++;
      await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, worker));
}
