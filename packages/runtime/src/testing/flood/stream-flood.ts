/**
 * A flood of event-stream attempts against a node's web port, as a hostile client would send:
 * `attempts` requests for the page's stream (`/api/events?format=html`) from `clients` loopback
 * source addresses, `inFlight` at a time, each on a connection of its own; every stream granted is
 * held open (read, never closed) until `release()`.
 *
 * ```ts
 * const flood = await floodStreams({ port: 4900, attempts: 5000, clients: 20, inFlight: 500 });
 * flood.outcomes; // { '200': 128, '503': 4872 }: status or error code → count
 * flood.release(); // closes the held streams
 * ```
 *
 * Run it in a process of its own (`stream-flood-worker.ts`) when measuring the node: in the
 * measuring process, its 500 connections would delay the measurements' own sockets.
 *
 * Hang guard: an attempt with no answer within `answerTimeoutMs` is cut and counted as
 * `no answer`. Source addresses `127.0.<subnet>.1` to `.<clients>` need Linux's loopback /8.
 *
 * The folder (`flood/`, public surface in `index.ts`): this file; `stream-flood-worker.ts`, the
 * process entry that runs it (spawned by its path, `STREAM_FLOOD_WORKER`); `probe-sampler.ts`, the
 * liveness probes timed while a flood runs.
 *
 * When not to use: for a benchmark of normal traffic (`bench/dispatch`).
 */
import { request } from 'node:http';
import type { ClientRequest } from 'node:http';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Path of the worker script that runs a flood in a process of its own, for `fork` (beside this
 * file: `stream-flood-worker.ts` from source, run with tsx; `.js` in the compiled package).
 */
export const STREAM_FLOOD_WORKER = fileURLToPath(
  new URL(`./stream-flood-worker${extname(new URL(import.meta.url).pathname)}`, import.meta.url),
);

export interface StreamFloodOptions {
  readonly port: number;
  /** Stream requests sent in all. */
  readonly attempts: number;
  /** Distinct source addresses, 1 to 254. */
  readonly clients: number;
  /** Attempts waiting for their answer at once. */
  readonly inFlight: number;
  /** Third byte of the source addresses (`127.<subnet>.…`). Default 1. */
  readonly subnet?: number;
  /** An attempt unanswered this long is cut, ms. Default 60,000. */
  readonly answerTimeoutMs?: number;
}

export interface StreamFlood {
  /** Answers by status (`'200'`, `'503'` …) or error code (`'ECONNRESET'`, `'no answer'`). */
  readonly outcomes: Readonly<Record<string, number>>;
  /** Wall time from the first attempt to the last answer, ms. */
  readonly ms: number;
  /** Closes every held stream. */
  release(): void;
}

export async function floodStreams(options: StreamFloodOptions): Promise<StreamFlood> {
  const held: ClientRequest[] = [];
  const outcomes = new Map<string, number>();
  const count = (what: string): void => void outcomes.set(what, (outcomes.get(what) ?? 0) + 1);
  const attempt = (i: number): Promise<void> =>
    new Promise((resolve) => {
      const req = request({
        host: '127.0.0.1',
        port: options.port,
        path: '/api/events?format=html',
        localAddress: `127.0.${options.subnet ?? 1}.${1 + (i % options.clients)}`,
        agent: false,
      });
      req.setTimeout(options.answerTimeoutMs ?? 60_000, () => req.destroy(new Error('no answer')));
      req.on('response', (res) => {
        count(String(res.statusCode));
        res.resume();
        if (res.statusCode === 200) {
          held.push(req); // a stream: kept open until release, as an attacker would
          resolve();
          return;
        }
        res.on('end', () => resolve());
        res.on('error', () => resolve());
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (!held.includes(req)) count(err.code ?? err.message);
        resolve();
      });
      req.end();
    });
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: options.inFlight }, async () => {
      while (next < options.attempts) await attempt(next++);
    }),
  );
  return {
    outcomes: Object.fromEntries(outcomes),
    ms: performance.now() - started,
    release: () => held.splice(0).forEach((r) => r.destroy()),
  };
}
