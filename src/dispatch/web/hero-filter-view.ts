/**
 * The hero table's controls: the filter bar (city, status, name search) and the pager ("51–100 of
 * 1,234", Previous / Next). The page script reads the bar and the pager's `data-page` buttons and
 * re-opens the live stream with them as query parameters (`/api/events?format=html&city=…&page=…`),
 * whose first event then re-sends the window.
 *
 * ```ts
 * renderFilterBar(citiesOf(cluster)); // <form id="hero-filter">…
 * renderPager(pager, 'outerHTML'); // a live out-of-band swap of <div id="pager">
 * ```
 *
 * Test hooks: `filter-city`, `filter-status`, `filter-q`; `pager` (with `data-page`, `data-pages`,
 * `data-matching`), `page-prev`, `page-next`.
 *
 * When not to use: programs filter `GET /api/heroes` themselves.
 */
import { capitalise, html } from './html.ts';
import type { SafeHtml } from './html.ts';
import type { Pager } from './page-feed.ts';

const number = new Intl.NumberFormat('en-US');

export function renderFilterBar(cities: readonly string[]): SafeHtml {
  return html`<form id="hero-filter" class="filters" data-testid="hero-filter">
    <select name="city" data-testid="filter-city" aria-label="Filter by location">
      <option value="">All locations</option>
      ${['home', ...cities].map((c) => html`<option value="${c}">${capitalise(c)}</option>`)}
    </select>
    <select name="status" data-testid="filter-status" aria-label="Filter by status">
      <option value="">Any status</option>
      <option value="fighting">Fighting Crime</option>
      <option value="resting">Resting</option>
    </select>
    <input
      name="q"
      type="search"
      maxlength="64"
      placeholder="Search names"
      autocomplete="off"
      data-testid="filter-q"
      aria-label="Search hero names"
    />
  </form>`;
}

export function renderPager(pager: Pager | undefined, oob?: 'outerHTML'): SafeHtml {
  const attrs = oob === undefined ? null : html` hx-swap-oob="${oob}"`;
  if (pager === undefined) return html`<div id="pager" class="pager" data-testid="pager" ${attrs}></div>`;
  const range =
    pager.matching === 0
      ? 'no heroes match'
      : `${number.format(pager.first)}–${number.format(pager.last)} of ${number.format(pager.matching)}`;
  return html`<div
    id="pager"
    class="pager"
    data-testid="pager"
    data-page="${pager.page}"
    data-pages="${pager.pages}"
    data-matching="${pager.matching}"
    ${attrs}
  >
    <button
      type="button"
      data-testid="page-prev"
      data-page="${pager.page - 1}"
      ${pager.page <= 1 ? html` disabled` : null}
    >
      ‹ Previous
    </button>
    <span class="range">${range}</span>
    <span class="muted">page ${pager.page} of ${pager.pages}</span>
    <button
      type="button"
      data-testid="page-next"
      data-page="${pager.page + 1}"
      ${pager.page >= pager.pages ? html` disabled` : null}
    >
      Next ›
    </button>
  </div>`;
}
