/**
 * The dispatch web layer: HTTP API, live event streams and the dispatch page of one node.
 *
 * ```ts
 * import { startWebServer } from './web/index.ts';
 * const { app, url } = await startWebServer(service, { logger, metrics: registry, port: 4900 });
 * // … later
 * await app.close();
 * ```
 *
 * See `server.ts` for the options, `api-routes.ts` for the routes, `events-route.ts` for the event
 * streams and `page-view.ts` for the page's markup and test hooks.
 *
 * When not to use: to talk to a node from a program, use its JSON API over HTTP.
 */
export { ExposedWebServerError, WEB_LIMITS, createWebServer, startWebServer } from './server.ts';
export type { WebLimits, WebServerOptions } from './server.ts';
export type { AccessOptions } from './access.ts';
export { isLoopbackHost } from './loopback.ts';
export {
  CapacityError,
  ChaosDisabledError,
  ForbiddenHostError,
  ForbiddenOriginError,
  HttpRefusal,
  InvalidRequestError,
  RateLimitedError,
  TooManyError,
  UnauthorizedError,
  toHttpFailure,
} from './errors.ts';
export type { HttpFailure } from './errors.ts';
export { PageFeed } from './page-feed.ts';
export type { LogEntry, LogLine, PageFeedOptions, PageOp } from './page-feed.ts';
export { NAME_MAX_CHARS, isValidHeroName } from './validation.ts';
