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
 * - State-changing requests from a browser page of another origin are refused (403), so a page on
 *   the internet cannot drive the chaos controls of a local cluster.
 * - Errors are `{"error": {"code", "message"}}`; unexpected ones are logged with details and
 *   answered with a generic 500.
 * - `close()` ends open event streams in `preClose` (browsers reconnect to another node or to this
 *   one after it restarts); requests arriving while closing get 503.
 *
 * When not to use: this serves one node; cluster-wide routing belongs to the service behind it.
 */
import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { DispatchService } from '../service.ts';
import { registerApiRoutes } from './api-routes.ts';
import { registerHostedRoute } from './hosted-route.ts';
import { ForbiddenOriginError, InvalidRequestError, errorBody, toHttpFailure } from './errors.ts';
import { registerEventRoute } from './events-route.ts';
import { registerHealthRoutes } from './health-routes.ts';
import { registerPageRoutes } from './page-routes.ts';
import { RecentLog } from './recent-log.ts';
import type { SseStream } from './sse-stream.ts';
import { createWebMetrics } from './web-metrics.ts';

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
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function checkOrigin(method: string, origin: string | undefined, host: string | undefined): void {
  if (SAFE_METHODS.has(method) || origin === undefined) return;
  let originHost: string | undefined;
  try {
    originHost = new URL(origin).host;
  } catch {
    originHost = undefined;
  }
  if (originHost === undefined || originHost !== host) throw new ForbiddenOriginError(origin);
}

export function createWebServer(service: DispatchService, options: WebServerOptions = {}): FastifyInstance {
  const bodyLimitBytes = options.bodyLimitBytes ?? 16 * 1024;
  // Per-request info lines are off: the onResponse hook logs at debug, failures are logged with details.
  const common = {
    bodyLimit: bodyLimitBytes,
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    exposeHeadRoutes: false,
  };
  const logger: FastifyBaseLogger | undefined = options.logger;
  const app: FastifyInstance =
    logger === undefined
      ? Fastify({ ...common, logger: false })
      : Fastify({ ...common, loggerInstance: logger });
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

  app.addHook('onRequest', async (request) => {
    checkOrigin(request.method, request.headers.origin, request.headers.host);
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
    } else if (failure.status >= 500) {
      request.log.warn({ code: failure.code, method: request.method, url: request.url }, failure.message);
    }
    if (failure.status === 503) reply.header('retry-after', '1');
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

  registerApiRoutes(app, service);
  registerEventRoute(app, {
    service,
    recent,
    streams,
    metrics,
    batchMs: options.batchMs ?? 100,
    heartbeatMs: options.heartbeatMs ?? 15_000,
    snapshotRetryMs: options.snapshotRetryMs ?? 3_000,
    bodyLimitBytes,
  });
  registerHealthRoutes(app, service, options.metrics);
  registerHostedRoute(app, service.nodeName, options.hostedHeroes);
  registerPageRoutes(app, { service, recent, bodyLimitBytes });

  app.addHook('preClose', async () => {
    for (const stream of [...streams]) stream.close();
  });
  app.addHook('onClose', async () => {
    stopRecent();
  });
  return app;
}

/** Creates the server and listens on `options.host` / `options.port`; resolves with its base URL. */
export async function startWebServer(
  service: DispatchService,
  options: WebServerOptions = {},
): Promise<{ app: FastifyInstance; url: string }> {
  const app = createWebServer(service, options);
  const host = options.host ?? '127.0.0.1';
  await app.listen({ host, port: options.port ?? 4900 });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : (options.port ?? 4900);
  // A wildcard bind is reachable on loopback; that is the URL worth printing.
  const urlHost =
    host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  return { app, url: `http://${urlHost}:${port}` };
}
