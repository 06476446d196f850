/**
 * One hero row of the dispatch table: Name, Status ("Fighting Crime" / "Resting"), Location, Node,
 * Health (bar and number), Wins, Losses, an Assign select (home and the cities) and Terminate.
 *
 * ```ts
 * const row = renderHeroRow(hero, { cities: citiesOf(cluster) }); // <tr id="hero-<id>" …>
 * const replacement = renderHeroRow(hero, context, 'outerHTML'); // the same, as an htmx OOB swap
 * ```
 *
 * Test hooks: `data-testid="hero-row"` with `data-hero-id`, `data-location`, `data-patrolling`;
 * cells `hero-name`, `hero-status`, `hero-location`, `hero-node`, `hero-health` (with
 * `data-health`), `hero-wins`, `hero-losses`; controls `assign` and `terminate`, whose
 * `data-post` / `data-delete` URLs and `data-ok` / `data-fail` flash texts the page script uses.
 *
 * When not to use: the row is markup for this page only; programs read `GET /api/heroes`.
 */
import { CITY_NAMES } from '../model.ts';
import type { ClusterView, Hero } from '../model.ts';
import { capitalise, html } from './html.ts';
import type { SafeHtml } from './html.ts';

/** What a row needs beyond the hero: the cities its Assign select offers. */
export interface RowContext {
  readonly cities: readonly string[];
}

/**
 * The city nodes up in the cluster (any name is a city): the demo's five in their order first,
 * then the others by name; the demo's five while the view is unknown.
 */
export function citiesOf(cluster: ClusterView | undefined): readonly string[] {
  if (cluster === undefined) return CITY_NAMES;
  const up = cluster.nodes.filter((n) => n.role === 'city' && n.status !== 'down' && n.status !== 'stopped');
  const rank = (c: string): number => {
    const i = (CITY_NAMES as readonly string[]).indexOf(c);
    return i < 0 ? CITY_NAMES.length : i;
  };
  return up.map((n) => n.name).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
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
