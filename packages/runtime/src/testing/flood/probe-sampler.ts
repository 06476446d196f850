/**
 * Asks a node's `/livez` again and again, each on a new connection as kubelet does, and keeps
 * every answer's round trip: what a liveness probe would have seen while something else ran.
 *
 * ```ts
 * const sampler = sampleProbe('http://127.0.0.1:4800/livez', { pauseMs: 20 });
 * await somethingHeavy();
 * const { ms, failures } = await sampler.stop(); // round trips in ms; failures as messages
 * ```
 *
 * A probe not answered 200 within `guardMs` is a failure (the hang guard), not a sample. One probe
 * is in flight at a time, with `pauseMs` between two.
 *
 * When not to use: for load; this is one client asking politely.
 */
import { request } from 'node:http';

export interface ProbeSamples {
  /** Round trips of the probes answered 200, ms, in order. */
  readonly ms: readonly number[];
  /** Probes not answered 200 in time, as error messages. */
  readonly failures: readonly string[];
}

export interface ProbeSampler {
  /** Stops after the probe in flight; resolves with every sample. */
  stop(): Promise<ProbeSamples>;
}

/** One GET of `url` on a fresh connection; resolves with its round trip in ms. */
export function probeOnce(url: string, guardMs: number): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () =>
        res.statusCode === 200
          ? resolve(performance.now() - started)
          : reject(new Error(`${url}: ${res.statusCode}`)),
      );
    });
    req.setTimeout(guardMs, () => req.destroy(new Error(`${url}: no answer within ${guardMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

export function sampleProbe(
  url: string,
  options: { readonly pauseMs?: number; readonly guardMs?: number } = {},
): ProbeSampler {
  const ms: number[] = [];
  const failures: string[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      await probeOnce(url, options.guardMs ?? 30_000).then(
        (t) => ms.push(t),
        (err: unknown) => failures.push(err instanceof Error ? err.message : String(err)),
      );
      await new Promise((r) => setTimeout(r, options.pauseMs ?? 20));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { ms, failures };
    },
  };
}
