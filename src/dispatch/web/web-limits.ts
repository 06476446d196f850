/**
 * The limits of a node's web server and their defaults (`WEB_LIMITS`), apart from the server so
 * the command line can state the defaults without loading it.
 *
 * ```ts
 * createWebServer(service, { limits: { streams: 64, writesPerSecond: 5 } }); // the rest from WEB_LIMITS
 * ```
 *
 * When not to use: the caps are enforced in `connection-limits.ts`, `events-route.ts` and
 * `rate-limit.ts`; this file only names them.
 */

export interface WebLimits {
  /** Open connections of one client (remote address). */
  readonly connectionsPerClient: number;
  /** Open connections of all clients. */
  readonly connections: number;
  /** Open event streams of one client. */
  readonly streamsPerClient: number;
  /** Open event streams of all clients. */
  readonly streams: number;
  /** Time to receive a whole request (headers and body), ms; a slow body is cut with 408. */
  readonly requestTimeoutMs: number;
  /** A connection idle this long is closed, ms (event streams send heartbeats, so stay up). */
  readonly idleTimeoutMs: number;
  /** An idle keep-alive connection between requests is closed after this long, ms. */
  readonly keepAliveTimeoutMs: number;
  /** State-changing requests (any method but GET/HEAD/OPTIONS) one client may send per second, sustained; 0: no limit. */
  readonly writesPerSecond: number;
  /** State-changing requests one client may send at once after a quiet spell (the bucket's size). */
  readonly writeBurst: number;
  /** Whether the write rate applies to loopback clients too (this machine: the launcher, local scripts). */
  readonly rateLimitLoopback: boolean;
}

/**
 * Defaults, with their reasons: a browser opens about 6 connections and 1 stream per page, so 64
 * and 8 per client leave room for several tabs and scripts. A page stream costs up to its socket
 * buffer (1 MiB before it counts as backed up) plus a table snapshot, so 128 streams keep a node
 * within a few hundred MiB of streams and its event loop free for the failure detector; 1,024
 * connections cost far less each. 10 s is plenty for a body of at most 16 KiB; 60 s idle is four
 * heartbeats; 5 s keep-alive is Node's own default. 20 writes a second with a burst of 100 is far
 * above a person at the page or a script creating heroes one by one, yet keeps one address from
 * filling the store; loopback is exempt, so the local demo, its benchmark and a reverse proxy on
 * the same machine (whose clients all look like loopback) are never refused by it.
 */
export const WEB_LIMITS: WebLimits = {
  connectionsPerClient: 64,
  connections: 1024,
  streamsPerClient: 8,
  streams: 128,
  requestTimeoutMs: 10_000,
  idleTimeoutMs: 60_000,
  keepAliveTimeoutMs: 5_000,
  writesPerSecond: 20,
  writeBurst: 100,
  rateLimitLoopback: false,
};
