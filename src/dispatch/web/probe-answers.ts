/**
 * The probe listener's decisions, as pure functions: whether the node's main event loop counts as
 * stalled, the answers a stalled or silent loop gets, and the bytes and headers of a reply. No
 * clock, no socket: callers pass ages in ms. (Which probe a request asks for is `routeProbe` in
 * `probe-server.ts`, with the listener's contract.)
 *
 * ```ts
 * const answer = livezAnswer(alive, 'gotham', heartbeat.ageMs(), 10_000);
 * write(res, replyOfAnswer(answer));
 * ```
 *
 * The answers a well node gives (`{status: 'ok'}`, `{status: 'ready'}`, `not_ready`) are made by
 * `probeAnswer` in `health-routes.ts` on the main thread; this module only adds what a thread
 * apart from the main loop can say about it:
 * - `/livez` 503 `event_loop_stalled` once the main loop's heartbeat is older than the limit;
 * - `/readyz` 503 `not_ready` when the loop is stalled, or has not answered within a limit.
 *
 * When not to use: the web port's probes are answered by fastify routes (`health-routes.ts`).
 */
import type { ProbeAnswer } from './health-routes.ts';

/** A whole HTTP reply: status, headers (with `content-length`) and body text. */
export interface ProbeReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly text: string;
}

/** The reply carrying `body` as JSON; every reply closes its connection (a probe opens one per check). */
export function replyOf(status: number, body: unknown, headers: Record<string, string> = {}): ProbeReply {
  const text = JSON.stringify(body);
  return {
    status,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(text)),
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      connection: 'close',
      ...headers,
    },
    text,
  };
}

/** The reply of a probe's answer: a 503 carries `Retry-After: 1`, as on the web port. */
export function replyOfAnswer(answer: ProbeAnswer): ProbeReply {
  return replyOf(answer.status, answer.body, answer.status === 503 ? { 'retry-after': '1' } : {});
}

/** Whether a heartbeat `ageMs` old means the main loop is stalled: older than `stallAfterMs`. */
export function isStalled(ageMs: number, stallAfterMs: number): boolean {
  return ageMs > stallAfterMs;
}

/**
 * `/livez`: `alive` (the main thread's own answer, made once at start) while the heartbeat is
 * fresh, else 503 `event_loop_stalled`: a loop that has not run for that long serves nothing, and
 * restarting the node is the remedy.
 */
export function livezAnswer(
  alive: ProbeAnswer,
  node: string,
  ageMs: number,
  stallAfterMs: number,
): ProbeAnswer {
  if (!isStalled(ageMs, stallAfterMs)) return alive;
  return {
    status: 503,
    body: {
      error: {
        code: 'event_loop_stalled',
        message: `${node}'s event loop has not run for ${Math.round(ageMs)} ms (the limit is ${stallAfterMs} ms)`,
      },
    },
  };
}

/** `/readyz` of a node whose main loop is stalled: not ready, without asking the loop. */
export function readyzStalledAnswer(node: string, ageMs: number): ProbeAnswer {
  return notReady(node, `its event loop has not run for ${Math.round(ageMs)} ms`);
}

/** `/readyz` when the main loop did not answer within `waitedMs`: not ready, as a slow loop is. */
export function readyzUnansweredAnswer(node: string, waitedMs: number): ProbeAnswer {
  return notReady(node, `its event loop did not answer within ${waitedMs} ms`);
}

function notReady(node: string, reason: string): ProbeAnswer {
  return { status: 503, body: { error: { code: 'not_ready', message: `${node} is not ready: ${reason}` } } };
}
