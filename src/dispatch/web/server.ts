/**
 * The dispatch node's web server: the JSON API, the live event streams, the page, probes and
 * metrics, on one fastify 5 instance built around a `DispatchService`.
 *
 * ```ts
 * const app = createWebServer(service, { logger, metrics: registry });
 * await app.listen({ host: '127.0.0.1', port: 4900 }); // listening is the caller's
 * // or, with the defaults below:
 * const { app, url } = await startWebServer(service, { logger, port: 4901 });
 * await app.close(); // ends every SSE stream first, then stops listening
 * ```
 *
 * Behaviour at the edge:
 * - Bodies: JSON only (`application/json`; anything else 415), at most `bodyLimitBytes` (413);
 *   malformed JSON, unknown fields and bad values are 400 with a message naming the problem, and
 *   the service is not called.
 * - Access (`access.ts`): a `Host` allowlist (403, stops DNS rebinding), a bearer token when one is
 *   given (401; `startWebServer` requires one on a non-loopback host), and state-changing requests
 *   from a browser page of another origin refused (403), so a page on the internet cannot drive the
 *   chaos controls of a local cluster. Chaos routes answer 403 when `chaos` is false.
 * - Limits (`WEB_LIMITS`): connections and event streams per client (429) and in total (503), a
 *   rate of state-changing requests per client (429 `rate_limited` with `Retry-After`;
 *   `rate-limit.ts`), a request timeout and an idle timeout, and a hero cap (503 `hero_limit`).
 *   Refusals over a limit are logged as a count per code every 10 s at most (`refusal-log.ts`),
 *   not a line each: a flood must not buy the node a log line per request.
 * - Page snapshots (the first, whole-table update of a page stream) render one per event-loop
 *   turn (`turn-gate.ts`), so a burst of new page streams cannot stall the node.
 * - Probes: `/livez` and `/readyz` here, answered on any connection whatever the caps; with
 *   `probePort`, `startWebServer` also serves them on a port of their own (`probe-server.ts`),
 *   which a flood of the web port cannot queue them behind.
 * - HTTPS when `https` is given (the node's TLS certificate).
 * - Errors are `{"error": {"code", "message"}}`; unexpected ones are logged with details and
 *   answered with a generic 500.
 * - `close()` ends open event streams in `preClose` (browsers reconnect to another node or to this
 *   one after it restarts); requests arriving while closing get 503 `unavailable` (the API's
 *   error shape, `Retry-After` and `Connection: close`).
 *
 * When not to use: this serves one node; cluster-wide routing belongs to the service behind it.
 */
import { CodedError } from '@superhero-dispatch/runtime';
import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { AccessOptions } from './access.ts';
import { accessCheck, isProbe } from './access.ts';
import { ClientCaps } from './client-caps.ts';
import { watchConnections } from './connection-limits.ts';
import { isLoopbackHost } from './loopback.ts';
import type { ProbeServer } from './probe-server.ts';
import { startProbeServer } from './probe-server.ts';
import { RateLimiter, rateKeyOf } from './rate-limit.ts';
import { RefusalLog } from './refusal-log.ts';
import { TurnGate } from './turn-gate.ts';
import type { WebLimits } from './web-limits.ts';
import { WEB_LIMITS } from './web-limits.ts';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { DispatchService } from '../service.ts';
import { DispatchError } from '../service.ts';
import { registerApiRoutes } from './api-routes.ts';
import { registerHostedRoute } from './hosted-route.ts';
import { InvalidRequestError, RateLimitedError, errorBody, toHttpFailure } from './errors.ts';
import { registerEventRoute } from './events-route.ts';
import { registerHealthRoutes } from './health-routes.ts';
import { registerPageRoutes } from './page-routes.ts';
import { RecentLog } from './recent-log.ts';
import type { SseStream } from './sse-stream.ts';
import { createWebMetrics } from './web-metrics.ts';

export { WEB_LIMITS } from './web-limits.ts';
export type { WebLimits } from './web-limits.ts';

export interface WebServerOptions {
  /** Logger for requests and failures. Default: none (silent), so tests and embedders stay quiet. */
  readonly logger?: Logger;
  /** Registry served at `/metrics` and given the web layer's own metrics. Default: none; `/metrics` is 404. */
  readonly metrics?: Registry;
  /** Interface for `startWebServer`. Default `127.0.0.1`: a local cluster is not exposed to the network. */
  readonly host?: string;
  /** Port for `startWebServer`. Default 4900, gotham's port; 0 picks a free one. */
  readonly port?: number;
  /** Largest accepted request body, in bytes. Default 16,384: a hero request is under 200 bytes. */
  readonly bodyLimitBytes?: number;
  /** Interval of `:` heartbeats on event streams, in ms. Default 15,000: below common proxy idle cuts. */
  readonly heartbeatMs?: number;
  /** Page update batching window, in ms. Default 100: smooth at 1,000 heroes, still feels instant. */
  readonly batchMs?: number;
  /** Retry interval when a page's snapshot cannot be read, in ms. Default 3,000. */
  readonly snapshotRetryMs?: number;
  /** Ids of the heroes running on this node, for `GET /api/hosted`. Default none: that route is 404. */
  readonly hostedHeroes?: () => readonly string[];
  /** Token, public reads and `Host` allowlist (`access.ts`). Default: no token, loopback only. */
  readonly access?: AccessOptions;
  /** Chaos routes (destroy, shutdown, restart, partition, heal). Default true; false answers 403. */
  readonly chaos?: boolean;
  /** Connection, stream and time limits; each defaults to `WEB_LIMITS`. */
  readonly limits?: Partial<WebLimits>;
  /** Most heroes the cluster accepts, and how many it has now. Default: no cap. */
  readonly heroCap?: { readonly max: number; readonly count: () => number };
  /** Serve HTTPS with this PEM key and certificate. Default: plain HTTP. */
  readonly https?: { readonly key: string | Buffer; readonly cert: string | Buffer };
  /**
   * For `startWebServer`: also serve `/livez` and `/readyz` on this port, on `host`, over plain
   * HTTP (`probe-server.ts`); 0 picks a free one. Default none: probes on the web port only.
   */
  readonly probePort?: number;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Refusals over a limit: counted and logged in summaries, not one line each. */
const FLOOD_CODES = new Set(['too_many_connections', 'too_many_streams', 'server_busy', 'rate_limited']);

/** The write-rate check of `limits`: throws `RateLimitedError`; a no-op when the rate is 0. */
function writeRateCheck(limits: WebLimits): (method: string, client: string) => void {
  if (limits.writesPerSecond === 0) return () => {};
  const limiter = new RateLimiter({ ratePerSec: limits.writesPerSecond, burst: limits.writeBurst });
  return (method, client) => {
    if (SAFE_METHODS.has(method)) return;
    if (!limits.rateLimitLoopback && isLoopbackHost(client)) return;
    const verdict = limiter.take(rateKeyOf(client), performance.now());
    if (!verdict.ok) throw new RateLimitedError(limits.writesPerSecond, verdict.retryAfterMs);
  };
}

function serverTimeouts(limits: WebLimits): {
  requestTimeout: number;
  headersTimeout: number;
  connectionsCheckingInterval: number;
} {
  return {
    requestTimeout: limits.requestTimeoutMs,
    headersTimeout: limits.requestTimeoutMs,
    connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(limits.requestTimeoutMs / 4))),
  };
}

export function createWebServer(service: DispatchService, options: WebServerOptions = {}): FastifyInstance {
  const bodyLimitBytes = options.bodyLimitBytes ?? 16 * 1024;
  const limits: WebLimits = { ...WEB_LIMITS, ...options.limits };
  // Per-request info lines are off: the onResponse hook logs at debug, failures are logged with details.
  const common = {
    bodyLimit: bodyLimitBytes,
    logController: new LogController({ disableRequestLogging: true }),
    // Answered by our own hook instead (`closing`), in the API's error shape.
    return503OnClosing: false,
    exposeHeadRoutes: false,
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.idleTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Node checks request and header timeouts every `connectionsCheckingInterval` (30 s by
    // default): a slow-body request would outlive its timeout by up to that much.
    ...(options.https === undefined
      ? { http: serverTimeouts(limits) }
      : { https: { key: options.https.key, cert: options.https.cert, ...serverTimeouts(limits) } }),
  };
  const logger: FastifyBaseLogger | undefined = options.logger;
  // One instance type for HTTP and HTTPS: the routes only see requests and replies.
  const app = (logger === undefined
    ? Fastify({ ...common, logger: false })
    : Fastify({ ...common, loggerInstance: logger })) as unknown as FastifyInstance;
  const connections = watchConnections(app.server, {
    perClient: limits.connectionsPerClient,
    total: limits.connections,
    tls: options.https !== undefined,
  });
  const checkAccess = accessCheck(options.access ?? {});
  const checkWriteRate = writeRateCheck(limits);
  const refusals = new RefusalLog();
  const metrics = createWebMetrics(options.metrics);
  const streams = new Set<SseStream>();
  const recent = new RecentLog();
  const stopRecent = service.subscribe((event) => recent.push(event));

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse(text) as unknown);
    } catch (err) {
      done(
        new InvalidRequestError(`malformed JSON body: ${(err as Error).message}`, { cause: err }),
        undefined,
      );
    }
  });

  let closing = false;
  app.addHook('onRequest', async (request) => {
    if (closing) throw new DispatchError('unavailable', 'this node is shutting down; ask another node');
    // A probe is answered whatever the load: a liveness check failing under a flood would have
    // the node restarted, which helps nobody.
    if (!isProbe(request.url)) connections.check(request.raw.socket);
    // Before the token check: guessing a token costs a client its write budget too.
    checkWriteRate(request.method, request.ip);
    checkAccess(request);
  });

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    if (request.url.startsWith('/api/') && !reply.hasHeader('cache-control'))
      reply.header('cache-control', 'no-store');
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.request(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    request.log.debug(
      { method: request.method, url: request.url, status: reply.statusCode, ms: reply.elapsedTime },
      'request',
    );
  });

  app.setErrorHandler(async (err, request, reply) => {
    const failure = toHttpFailure(err, { bodyLimitBytes });
    if (failure.internal) {
      request.log.error({ err, method: request.method, url: request.url }, 'request failed');
    } else if (FLOOD_CODES.has(failure.code)) {
      const report = refusals.note(failure.code, performance.now());
      if (report !== undefined)
        request.log.warn(
          { refused: report.counts, ms: Math.round(report.ms) },
          'refusing requests over the limits',
        );
    } else if (failure.status >= 500) {
      request.log.warn({ code: failure.code, method: request.method, url: request.url }, failure.message);
    }
    if (err instanceof RateLimitedError) reply.header('retry-after', String(err.retryAfterSec));
    else if (failure.status === 503 || failure.status === 429) reply.header('retry-after', '1');
    if (failure.status === 401) reply.header('www-authenticate', 'Bearer realm="superhero"');
    if (closing || failure.code === 'too_many_connections' || failure.code === 'server_busy')
      reply.header('connection', 'close');
    return reply.code(failure.status).send(errorBody(failure));
  });

  app.setNotFoundHandler(async (request, reply) => {
    const path = (request.url.split('?')[0] ?? '').slice(0, 200);
    return reply.code(404).send(
      errorBody({
        status: 404,
        code: 'not_found',
        message: `no route ${request.method} ${path}`,
        internal: false,
      }),
    );
  });

  registerApiRoutes(app, service, {
    chaos: options.chaos ?? true,
    ...(options.heroCap === undefined ? {} : { heroCap: options.heroCap }),
  });
  registerEventRoute(app, {
    caps: new ClientCaps({ perClient: limits.streamsPerClient, total: limits.streams }),
    service,
    recent,
    streams,
    metrics,
    batchMs: options.batchMs ?? 100,
    heartbeatMs: options.heartbeatMs ?? 15_000,
    snapshotRetryMs: options.snapshotRetryMs ?? 3_000,
    bodyLimitBytes,
    snapshotGate: new TurnGate(),
  });
  registerHealthRoutes(app, service, options.metrics);
  registerHostedRoute(app, service.nodeName, options.hostedHeroes);
  registerPageRoutes(app, {
    service,
    recent,
    bodyLimitBytes,
    chaos: options.chaos ?? true,
    metrics: options.metrics,
  });

  app.addHook('preClose', async () => {
    closing = true;
    for (const stream of [...streams]) stream.close();
  });
  app.addHook('onClose', async () => {
    stopRecent();
    const report = refusals.flush(performance.now());
    if (report !== undefined)
      app.log.warn(
        { refused: report.counts, ms: Math.round(report.ms) },
        'refusing requests over the limits',
      );
  });
  return app;
}

/** Listening beyond loopback without a token: anyone on the network could drive the node. */
export class ExposedWebServerError extends CodedError<'web_token_required'> {
  constructor(host: string) {
    super(
      'web_token_required',
      `the web server would listen on ${host}, beyond loopback, without a bearer token`,
    );
  }
}

/**
 * Creates the server and listens on `options.host` / `options.port`, and on `options.probePort`
 * for probes when given; resolves with its base URL (and the probe listener's). `app.close()`
 * closes the probe listener too. Rejects with `ExposedWebServerError` for a non-loopback host
 * without `access.token`.
 */
export async function startWebServer(
  service: DispatchService,
  options: WebServerOptions = {},
): Promise<{ app: FastifyInstance; url: string; probeUrl?: string }> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopbackHost(host) && options.access?.token === undefined) throw new ExposedWebServerError(host);
  const app = createWebServer(service, options);
  let probes: ProbeServer | undefined;
  app.addHook('onClose', async () => probes?.close());
  await app.listen({ host, port: options.port ?? 4900 });
  if (options.probePort !== undefined) {
    try {
      probes = await startProbeServer(service, { host, port: options.probePort });
    } catch (err) {
      await app.close();
      throw err;
    }
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : (options.port ?? 4900);
  // A wildcard bind is reachable on loopback; that is the URL worth printing.
  const urlHost =
    host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  return {
    app,
    url: `${options.https === undefined ? 'http' : 'https'}://${urlHost}:${port}`,
    ...(probes === undefined ? {} : { probeUrl: `http://${urlHost}:${probes.port}` }),
  };
}
