/**
 * The dispatch page's shell for `GET /`: header ("<Node> Dispatcher", Create superhero, Destroy
 * city), the cluster map, the nodes panel, the hero table (one filtered page of it, filled by the
 * live stream) with its filter bar and pager, the event log, the flash area, and the live
 * connection. Every value from the service is escaped by `html`.
 *
 * ```ts
 * const page = renderPage({ nodeName: 'gotham', cluster, logs, nonce });
 * ```
 *
 * With chaos off (`data-chaos="off"` on the body) the style hides Destroy city and the node
 * controls, which the server would refuse anyway.
 *
 * Test hooks: `title`, `create-hero`, `destroy-city`, `hero-table`, `hero-count`, `connection`
 * (with `data-state` connecting / live / reconnecting), `log`; flashes are `data-testid="flash"`
 * items in `#flash`. Rows and node controls: see `hero-row.ts` and `page-parts.ts`; the map:
 * `map-view.ts`; filters and pager: `hero-filter-view.ts`.
 *
 * Actions are `data-post` / `data-delete` URLs of the JSON API, sent by the page script's one
 * delegated handler; `data-ok` / `data-fail` hold the flash texts, with `{field}` filled from the
 * JSON answer or the element's own `data-*` values (see `page-script.ts`).
 *
 * When not to use: API clients should use the JSON routes, not scrape this markup.
 */
import type { ClusterView } from '../model.ts';
import { renderFilterBar, renderPager } from './hero-filter-view.ts';
import { citiesOf } from './hero-row.ts';
import { CHART_SCRIPT, renderChartsPanel } from './chart-view.ts';
import { capitalise, html } from './html.ts';
import type { SafeHtml } from './html.ts';
import { MapTracker } from './map-model.ts';
import { renderMap } from './map-view.ts';
import type { LogEntry } from './page-feed.ts';
import { renderClusterPanel, renderLogLine } from './page-parts.ts';
import { PAGE_SCRIPT } from './page-script.ts';
import { PAGE_STYLE } from './page-style.ts';
import { SCENARIO_SCRIPT, renderScenarioPanel } from './scenario-view.ts';

export interface PageModel {
  readonly nodeName: string;
  readonly cluster: ClusterView | undefined;
  readonly clusterError?: string;
  readonly logs: readonly LogEntry[];
  /** Per-response CSP nonce for the inline style and script. */
  readonly nonce: string;
  /** Chaos routes on: their buttons are shown. Default true. */
  readonly chaos?: boolean;
  /** Trusted stylesheet text of the served libraries (uPlot's), inlined under the nonce. */
  readonly vendorStyle?: SafeHtml;
}

const HTMX_CONFIG = JSON.stringify({
  allowEval: false,
  allowScriptTags: false,
  includeIndicatorStyles: false,
  defaultSwapStyle: 'none',
  selfRequestsOnly: true,
  historyEnabled: false,
});

/**
 * The page shell. Hero rows are not rendered here: the live stream's first event replaces the table
 * with every row anyway, and sending 1,000 rows twice doubles the time to a usable page.
 */
export function renderPage(model: PageModel): string {
  const title = `${capitalise(model.nodeName)} Dispatcher`;
  const page = html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="htmx-config" content="${HTMX_CONFIG}" />
        <title>${title}</title>
        <link rel="icon" href="data:," />
        <style nonce="${model.nonce}">
          ${PAGE_STYLE}${model.vendorStyle}
        </style>
        <script src="/assets/htmx.min.js"></script>
        <script src="/assets/sse.js"></script>
        <script src="/assets/uplot.js"></script>
      </head>
      <body data-chaos="${model.chaos === false ? 'off' : 'on'}">
        <header>
          <div class="brand">
            <span
              class="signal"
              id="connection"
              data-testid="connection"
              data-state="connecting"
              title="live updates"
            ></span>
            <h1 data-testid="title">${title}</h1>
          </div>
          <div class="stats">
            <span><b id="hero-count" data-testid="hero-count">–</b> heroes</span>
          </div>
          <div class="commands">
            <button
              class="primary"
              data-testid="create-hero"
              data-post="/api/heroes"
              data-ok="{name} is ready for duty"
              data-fail="Failed to create superhero"
            >
              Create superhero
            </button>
            <button
              class="danger"
              data-testid="destroy-city"
              data-post="/api/cities/random/destroy"
              data-ok="{city} has been destroyed"
              data-fail="Failed to destroy a city"
            >
              Destroy city
            </button>
          </div>
        </header>
        <div id="flash" aria-live="polite"></div>
        <main>
          ${renderMap(new MapTracker().build(model.cluster, [], 0))}
          ${renderClusterPanel(model.cluster, undefined, model.clusterError)} ${renderChartsPanel()}
          ${renderScenarioPanel(undefined, model.chaos !== false)}
          <section class="panel heroes">
            <div class="table-head">
              <h2>Superheroes</h2>
              ${renderFilterBar(citiesOf(model.cluster))}
            </div>
            <div class="scroll">
              <table class="heroes" data-testid="hero-table">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>Status</th>
                    <th>Location</th>
                    <th>Node</th>
                    <th>Health</th>
                    <th class="num">Wins</th>
                    <th class="num">Losses</th>
                    <th>Assign</th>
                    <th></th>
                  </tr>
                </thead>
                <tbody id="hero-rows">
                  <tr class="placeholder">
                    <td colspan="9">Connecting to the dispatch stream…</td>
                  </tr>
                </tbody>
              </table>
            </div>
            ${renderPager(undefined)}
          </section>
          <section class="panel log-panel">
            <h2>Event log</h2>
            <ol id="log" data-testid="log">
              ${[...model.logs].reverse().map((e) => renderLogLine(e))}
            </ol>
          </section>
        </main>
        <div id="live" hidden hx-ext="sse" sse-connect="/api/events?format=html" sse-swap="update"></div>
        <script nonce="${model.nonce}">
          ${PAGE_SCRIPT};
          ${CHART_SCRIPT};
          ${SCENARIO_SCRIPT};
        </script>
      </body>
    </html> `;
  return page.value;
}
