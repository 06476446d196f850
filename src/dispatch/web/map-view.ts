/**
 * The cluster map's markup: a row of node cards joined by the mesh line. Each card shows the node's
 * name, state (up / down / stopped; partitioned cards drop below the line, cut off from it), store
 * role (a crown for the raft leader) and its heroes: one small mark per hero coloured by health, or
 * counts by health when the card holds more than the mark limit (see `map-model.ts`).
 *
 * ```ts
 * renderMap(tracker.build(cluster, heroes, now)); // <section id="map">…
 * renderMap(model, 'outerHTML'); // the same as a live out-of-band swap
 * ```
 *
 * Test hooks: the section is `cluster-map` (`data-store-mode`); cards are `map-node` with
 * `data-node`, `data-status`, `data-store-role` and `data-heroes`; marks are `map-mark` with
 * `data-hero-id` and `data-state` (steady / moved / dying / dead); counts are `map-band` with
 * `data-band` (high / mid / low); a card in counts mode still draws its just-arrived heroes' marks.
 *
 * When not to use: the map is markup for this page only.
 */
import type { MapCard, MapMark, MapModel } from './map-model.ts';
import { html } from './html.ts';
import type { SafeHtml } from './html.ts';

const BAND_HP = { high: 'hp-high', mid: 'hp-mid', low: 'hp-low' } as const;

function renderMark(mark: MapMark): SafeHtml {
  return html`<i
    class="mark ${BAND_HP[mark.band]} ${mark.state}"
    data-testid="map-mark"
    data-hero-id="${mark.id}"
    data-state="${mark.state}"
    title="${mark.name}"
  ></i>`;
}

function renderHeroes(card: MapCard): SafeHtml {
  if (card.marks !== undefined) {
    return html`<div class="marks">${card.marks.map(renderMark)}</div>`;
  }
  const bands = (['high', 'mid', 'low'] as const).map(
    (band) =>
      html`<span class="band" data-testid="map-band" data-band="${band}"
        ><i class="mark ${BAND_HP[band]}"></i>${card.bands[band]}</span
      >`,
  );
  const arrivals =
    card.arrivals.length === 0
      ? null
      : html`<div class="marks arrivals">${card.arrivals.map(renderMark)}</div>`;
  return html`<div class="bands">${bands}</div>
    ${arrivals}`;
}

function roleLabel(card: MapCard): SafeHtml {
  if (card.storeRole === 'leader') return html`<span class="role leader">♛ leader</span>`;
  return html`<span class="role">${card.storeRole}</span>`;
}

function renderCard(card: MapCard): SafeHtml {
  const unplaced = card.status === 'unplaced';
  const cut = card.status === 'partitioned';
  return html`<div
    class="card ${card.status}${card.self ? ' here' : ''}"
    data-testid="map-node"
    data-node="${card.name}"
    data-status="${card.status}"
    data-store-role="${card.storeRole}"
    data-heroes="${card.heroes}"
  >
    <div class="card-head">
      <b>${unplaced ? 'between nodes' : card.name}</b>
      ${unplaced ? null : html`<span class="badge ${card.status}">${cut ? 'cut off' : card.status}</span>`}
    </div>
    <div class="card-meta">
      ${unplaced ? null : roleLabel(card)}<span class="count">${card.heroes} heroes</span>
    </div>
    ${renderHeroes(card)}
  </div>`;
}

export function renderMap(map: MapModel, oob?: 'outerHTML'): SafeHtml {
  return html`<section
    id="map"
    class="panel map"
    ${oob === undefined ? null : html` hx-swap-oob="${oob}"`}
    data-testid="cluster-map"
    data-store-mode="${map.storeMode ?? ''}"
  >
    <h2>
      Cluster
      map${map.storeMode === undefined ? null : html` <span class="muted">store: ${map.storeMode}</span>`}
    </h2>
    <div class="mesh">${map.cards.map(renderCard)}</div>
  </section>`;
}
