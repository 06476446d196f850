/**
 * Prometheus metrics of the web layer, registered in the registry the node gives to
 * `createWebServer` (and nothing when it gives none).
 *
 * | metric | type | labels |
 * | --- | --- | --- |
 * | `dispatch_http_requests_total` | counter | `method`, `route` (the route pattern, never the raw URL), `status` |
 * | `dispatch_http_request_duration_seconds` | histogram | `method`, `route` |
 * | `dispatch_sse_streams` | gauge | `format` (`json` or `html`) |
 *
 * ```ts
 * const metrics = createWebMetrics(registry);
 * metrics.request('GET', '/api/heroes', 200, 0.004);
 * ```
 *
 * Several servers may share one registry (tests run two "nodes" in one process): an existing metric
 * of the same name is reused instead of registered twice.
 *
 * When not to use: application metrics (heroes, fights) belong to the service, not to the web layer.
 */
import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';

export interface WebMetrics {
  request(method: string, route: string, status: number, seconds: number): void;
  streamOpened(format: 'json' | 'html'): void;
  streamClosed(format: 'json' | 'html'): void;
}

const NOOP: WebMetrics = {
  request: () => undefined,
  streamOpened: () => undefined,
  streamClosed: () => undefined,
};

function existing<T>(
  registry: Registry,
  name: string,
  kind: abstract new (...args: never[]) => T,
): T | undefined {
  const metric = registry.getSingleMetric(name);
  return metric instanceof kind ? metric : undefined;
}

export function createWebMetrics(registry: Registry | undefined): WebMetrics {
  if (registry === undefined) return NOOP;
  const requests =
    existing(registry, 'dispatch_http_requests_total', Counter) ??
    new Counter({
      name: 'dispatch_http_requests_total',
      help: 'HTTP requests answered by the dispatch web layer.',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    });
  const durations =
    existing(registry, 'dispatch_http_request_duration_seconds', Histogram) ??
    new Histogram({
      name: 'dispatch_http_request_duration_seconds',
      help: 'Time to answer an HTTP request, in seconds (SSE streams excluded).',
      labelNames: ['method', 'route'] as const,
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers: [registry],
    });
  const streams =
    existing(registry, 'dispatch_sse_streams', Gauge) ??
    new Gauge({
      name: 'dispatch_sse_streams',
      help: 'Open server-sent-event streams.',
      labelNames: ['format'] as const,
      registers: [registry],
    });
  return {
    request(method, route, status, seconds) {
      requests.inc({ method, route, status: String(status) });
      durations.observe({ method, route }, seconds);
    },
    streamOpened(format) {
      streams.inc({ format });
    },
    streamClosed(format) {
      streams.dec({ format });
    },
  };
}
