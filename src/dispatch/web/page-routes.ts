/**
 * `GET /` (the dispatch page), `/assets/htmx.min.js`, `/assets/sse.js`, `/assets/uplot.js` (htmx 2,
 * its SSE extension and uPlot, read once from the installed packages; never a CDN), and
 * the guided scenarios' routes (`scenario-routes.ts`), and
 * `GET /api/page/charts` (the live charts' recent samples and markers, see `chart-sampler.ts`,
 * whose sampler starts with the first page or charts request, so a node nobody watches pays
 * nothing, and stops when the server closes).
 *
 * The page is rendered with the nodes and the recent log, under a strict Content-Security-Policy
 * with a fresh nonce for its one inline style and script; its live stream then fills the hero table
 * (or flashes "Database failed with <reason>." over an empty table, and retries on its own).
 *
 * ```ts
 * registerPageRoutes(app, { service, recent, bodyLimitBytes: 16_384, chaos: true });
 * ```
 *
 * Assets are served with an ETag and one hour of caching; `If-None-Match` gets a 304.
 *
 * When not to use: the JSON API is in `api-routes.ts`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { ClusterView } from '../model.ts';
import type { DispatchService } from '../service.ts';
import { ChartSampler } from './chart-sampler.ts';
import { toHttpFailure } from './errors.ts';
import { SafeHtml } from './html.ts';
import { registerScenarioRoutes } from './scenario-routes.ts';
import type { ScenarioRunnerOptions } from './scenario-runner.ts';
import { renderPage } from './page-view.ts';
import type { RecentLog } from './recent-log.ts';

interface Asset {
  readonly body: Buffer;
  readonly etag: string;
}

const ASSETS: Readonly<Record<string, string>> = {
  '/assets/htmx.min.js': 'htmx.org/dist/htmx.min.js',
  '/assets/sse.js': 'htmx-ext-sse/dist/sse.min.js',
  '/assets/uplot.js': 'uplot/dist/uPlot.iife.min.js',
};

/** uPlot's stylesheet, inlined into the page's own style (the CSP admits no other stylesheet). */
function loadVendorStyle(): SafeHtml {
  const text = loadAsset('uplot/dist/uPlot.min.css').body.toString('utf8');
  if (/<\//.test(text)) throw new Error('uPlot stylesheet contains "</": refusing to inline it');
  return new SafeHtml(text);
}

function loadAsset(specifier: string): Asset {
  const require = createRequire(import.meta.url);
  const body = readFileSync(require.resolve(specifier));
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  return { body, etag };
}

/** The policy: only this origin's scripts plus the nonce'd inline ones; no framing, no plugins. */
export function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'self' 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "connect-src 'self'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export interface PageRouteDeps {
  readonly service: DispatchService;
  readonly recent: RecentLog;
  readonly bodyLimitBytes: number;
  /** Chaos routes on (their buttons shown). */
  readonly chaos: boolean;
  /** The node's metrics registry, read by the charts' sampler. Default none: no write charts. */
  readonly metrics?: Registry | undefined;
  /** The guided scenarios' waits. Default: the runner's (30 s per measured outcome). */
  readonly scenarios?: ScenarioRunnerOptions;
}

export function registerPageRoutes(app: FastifyInstance, deps: PageRouteDeps): void {
  for (const [path, specifier] of Object.entries(ASSETS)) {
    const asset = loadAsset(specifier);
    app.get(path, async (request, reply) => {
      reply
        .header('etag', asset.etag)
        .header('cache-control', 'public, max-age=3600')
        .type('text/javascript; charset=utf-8');
      if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
      return reply.send(asset.body);
    });
  }

  const sampler = new ChartSampler(deps.service, deps.metrics, { log: app.log });
  app.addHook('onClose', async () => sampler.stop());
  app.get('/api/page/charts', async () => {
    sampler.start();
    return sampler.view();
  });

  registerScenarioRoutes(app, {
    service: deps.service,
    chaos: deps.chaos,
    ...(deps.scenarios === undefined ? {} : { runner: deps.scenarios }),
  });

  const vendorStyle = loadVendorStyle();
  app.get('/', async (request, reply) => {
    let clusterView: ClusterView | undefined;
    let clusterError: string | undefined;
    try {
      clusterView = await deps.service.cluster();
    } catch (err) {
      const failure = toHttpFailure(err, { bodyLimitBytes: deps.bodyLimitBytes });
      if (failure.internal) request.log.error({ err }, 'page: reading the cluster failed');
      clusterError = failure.message;
    }
    // After the page's own read: the sampler's first sample reads the cluster view too.
    sampler.start();
    const nonce = randomBytes(16).toString('base64');
    const page = renderPage({
      nodeName: deps.service.nodeName,
      cluster: clusterView,
      ...(clusterError === undefined ? {} : { clusterError }),
      logs: deps.recent.entries(),
      nonce,
      chaos: deps.chaos,
      vendorStyle,
    });
    return reply
      .header('content-security-policy', contentSecurityPolicy(nonce))
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(page);
  });
}
