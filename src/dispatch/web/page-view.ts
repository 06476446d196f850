/**
 * The dispatch page's markup: the whole page for `GET /`, and the pieces the live stream swaps in
 * (one hero row, the nodes panel, one log line). Every value from the service is escaped by `html`.
 *
 * ```ts
 * const page = renderPage({ nodeName: 'gotham', cluster, logs, nonce });
 * const row = renderHeroRow(hero, { cities: citiesOf(cluster) });
 * ```
 *
 * Test hooks: rows carry `data-testid="hero-row"` and `data-hero-id`; buttons and selects carry
 * `data-testid` (`create-hero`, `destroy-city`, `assign`, `terminate`, `node-<action>`), and the
 * flash area is `#flash` with `data-testid="flash"` items.
 *
 * Actions are `data-post` / `data-delete` URLs of the JSON API, sent by the page script's one
 * delegated handler; `data-ok` / `data-fail` hold the flash texts, with `{field}` filled from the
 * JSON answer or the element's own `data-*` values (see `page-script.ts`).
 *
 * When not to use: API clients should use the JSON routes, not scrape this markup.
 */
import { CITY_NAMES } from '../model.ts';
import type { ClusterView, Hero, NodeView } from '../model.ts';
import type { NodeAction } from '../service.ts';
import { capitalise, html, isHttpUrl } from './html.ts';
import type { SafeHtml } from './html.ts';
import type { LogEntry, LogLine } from './page-feed.ts';
import { PAGE_SCRIPT } from './page-script.ts';
import { PAGE_STYLE } from './page-style.ts';

/** What a row needs beyond the hero: the cities its Assign select offers. */
export interface RowContext {
  readonly cities: readonly string[];
}

/** The city nodes of the cluster, in the canonical order; all cities while the view is unknown. */
export function citiesOf(cluster: ClusterView | undefined): readonly string[] {
  if (cluster === undefined) return CITY_NAMES;
  const present = new Set(cluster.nodes.filter((n) => n.role === 'city').map((n) => n.name));
  const cities = CITY_NAMES.filter((c) => present.has(c));
  return cities.length > 0 ? cities : CITY_NAMES;
}

/** Rows in a stable order: by name, then id. */
export function sortHeroes(heroes: readonly Hero[]): Hero[] {
  return [...heroes].sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
  );
}

function clampHealth(health: number): number {
  return Number.isFinite(health) ? Math.max(0, Math.min(100, Math.round(health))) : 0;
}

/** Bar colour: red at 20 or less (the seeds' health warning), amber to 50, green above. */
function healthClass(health: number): string {
  return health <= 20 ? 'hp-low' : health <= 50 ? 'hp-mid' : 'hp-high';
}

/** One hero row; `id="hero-<id>"` is what live updates swap by. */
export function renderHeroRow(hero: Hero, context: RowContext, oob?: 'outerHTML'): SafeHtml {
  const health = clampHealth(hero.health);
  const options = ['home', ...context.cities];
  if (!options.includes(hero.location)) options.push(hero.location);
  const status = hero.isPatrolling ? 'Fighting Crime' : 'Resting';
  return html`<tr
    id="hero-${hero.id}"
    ${oob === undefined ? null : html` hx-swap-oob="${oob}"`}
    data-testid="hero-row"
    data-hero-id="${hero.id}"
    data-location="${hero.location}"
    data-patrolling="${hero.isPatrolling ? 'true' : 'false'}"
  >
    <td class="name" data-testid="hero-name">${hero.name}</td>
    <td data-testid="hero-status">
      <span class="badge ${hero.isPatrolling ? 'fighting' : 'resting'}">${status}</span>
    </td>
    <td data-testid="hero-location">${capitalise(hero.location)}</td>
    <td data-testid="hero-node">${hero.node === '' ? '—' : hero.node}</td>
    <td data-testid="hero-health" data-health="${health}">
      <span class="bar"><i class="${healthClass(health)} w${Math.round(health / 5) * 5}"></i></span
      ><span class="hp">${health}</span>
    </td>
    <td class="num" data-testid="hero-wins">${hero.fightsWon}</td>
    <td class="num" data-testid="hero-losses">${hero.fightsLost}</td>
    <td>
      <select
        name="location"
        data-testid="assign"
        aria-label="Assign ${hero.name}"
        data-post="/api/heroes/${hero.id}/assign"
        data-name="${hero.name}"
        data-ok="{name} assigned to {location}"
        data-fail="Failed to assign {name}"
      >
        ${options.map((o) => html`<option value="${o}" ${o === hero.location ? html` selected` : null}>${capitalise(o)}</option>`)}
      </select>
    </td>
    <td>
      <button
        class="danger"
        data-testid="terminate"
        data-delete="/api/heroes/${hero.id}"
        data-name="${hero.name}"
        data-ok="{name} has been terminated"
        data-fail="Failed to terminate {name}"
      >
        Terminate
      </button>
    </td>
  </tr>`;
}

const NODE_ACTIONS: readonly { action: NodeAction; label: string; ok: string; fail: string }[] = [
  {
    action: 'shutdown',
    label: 'Shutdown',
    ok: 'Shutdown of {node} requested',
    fail: 'Failed to shut down {node}',
  },
  {
    action: 'restart',
    label: 'Restart',
    ok: 'Restart of {node} requested',
    fail: 'Failed to restart {node}',
  },
  {
    action: 'partition',
    label: 'Partition',
    ok: '{node} is being cut off',
    fail: 'Failed to partition {node}',
  },
  { action: 'heal', label: 'Heal', ok: '{node} is being reconnected', fail: 'Failed to heal {node}' },
];

function renderNodeRow(node: NodeView, self: string): SafeHtml {
  const name = isHttpUrl(node.url) ? html`<a href="${node.url}">${node.name}</a>` : html`${node.name}`;
  return html`<tr
    id="node-${node.name}"
    data-testid="node-row"
    data-node="${node.name}"
    data-status="${node.status}"
  >
    <td>${name}${node.name === self ? html` <span class="self">this node</span>` : null}</td>
    <td><span class="badge ${node.status}">${node.status}</span></td>
    <td>${node.role}</td>
    <td>${node.storeRole}</td>
    <td class="num" data-testid="node-heroes">${node.heroesHosted}</td>
    <td class="actions">
      ${NODE_ACTIONS.map((a) => html`<button data-testid="node-${a.action}" data-post="/api/nodes/${node.name}/${a.action}" data-node="${node.name}" data-ok="${a.ok}" data-fail="${a.fail}" ${a.action === 'shutdown' || a.action === 'partition' ? html` class="warn"` : null}>${a.label}</button>`)}
    </td>
  </tr>`;
}

/** The nodes panel; a cluster event re-renders it whole (a handful of rows). */
export function renderClusterPanel(
  cluster: ClusterView | undefined,
  oob?: 'outerHTML',
  error?: string,
): SafeHtml {
  const body =
    cluster === undefined
      ? html`<p class="muted">Cluster view unavailable${error === undefined ? null : html`: ${error}`}.</p>`
      : html`<table class="nodes">
          <thead>
            <tr>
              <th>Name</th>
              <th>Status</th>
              <th>Role</th>
              <th>Store role</th>
              <th class="num">Heroes</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            ${cluster.nodes.map((n) => renderNodeRow(n, cluster.self))}
          </tbody>
        </table>`;
  return html`<section
    id="cluster"
    class="panel"
    ${oob === undefined ? null : html` hx-swap-oob="${oob}"`}
    data-testid="cluster"
  >
    <h2>
      Connected dispatch
      centers${cluster === undefined ? null : html` <span class="muted" data-testid="store-mode">store: ${cluster.storeMode}</span>`}
    </h2>
    ${body}
  </section>`;
}

function clock(at: number): { iso: string; short: string } {
  const date = new Date(Number.isFinite(at) ? at : 0);
  const iso = date.toISOString();
  return { iso, short: iso.slice(11, 19) };
}

/** One log line; `seq` gives it an id so the stream can evict it later. */
export function renderLogLine(entry: LogEntry, seq?: number): SafeHtml {
  const time = clock(entry.at);
  return html`<li${seq === undefined ? null : html` id="log-${seq}"`} class="log-${entry.level}" data-testid="log-line"><time datetime="${time.iso}" title="${time.iso}">${time.short}</time> ${entry.message}</li>`;
}

/** The log list, newest first. */
export function renderLogList(lines: readonly LogLine[], oob?: 'outerHTML'): SafeHtml {
  const newestFirst = [...lines].reverse();
  return html`<ol id="log" ${oob === undefined ? null : html` hx-swap-oob="${oob}"`} data-testid="log">
    ${newestFirst.map((l) => renderLogLine(l.entry, l.seq))}
  </ol>`;
}

export function renderFlash(level: 'info' | 'error', text: string): SafeHtml {
  return html`<div
    class="flash ${level}"
    data-testid="flash"
    role="${level === 'error' ? 'alert' : 'status'}"
  >
    ${text}
  </div>`;
}

export interface PageModel {
  readonly nodeName: string;
  readonly cluster: ClusterView | undefined;
  readonly clusterError?: string;
  readonly logs: readonly LogEntry[];
  /** Per-response CSP nonce for the inline style and script. */
  readonly nonce: string;
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
          ${PAGE_STYLE}
        </style>
        <script src="/assets/htmx.min.js"></script>
        <script src="/assets/sse.js"></script>
      </head>
      <body>
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
          ${renderClusterPanel(model.cluster, undefined, model.clusterError)}
          <section class="panel heroes">
            <h2>Superheroes</h2>
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
        </script>
      </body>
    </html> `;
  return page.value;
}
