/**
 * Turns a batch of `PageOp`s into one htmx out-of-band payload: the data of a single SSE `update`
 * event. Each operation is one `<template>`-wrapped element with `hx-swap-oob`, so table rows parse
 * on their own and htmx applies them by id:
 *
 * | op | markup |
 * | --- | --- |
 * | reset | `<tbody id="hero-rows" hx-swap-oob="outerHTML">` with every row |
 * | upsert (shown) | `<tr id="hero-<id>" hx-swap-oob="outerHTML">` |
 * | upsert (new) | `<tbody hx-swap-oob="beforeend:#hero-rows"><tr id="hero-<id>">…` |
 * | remove | `<tr id="hero-<id>" hx-swap-oob="delete">` |
 * | cluster | `<section id="cluster" hx-swap-oob="outerHTML">` |
 * | log | `<ol hx-swap-oob="afterbegin:#log"><li id="log-<seq>">`, plus a delete of the evicted line |
 * | log-reset | `<ol id="log" hx-swap-oob="outerHTML">` |
 * | flash | `<div hx-swap-oob="afterbegin:#flash">` |
 * | count | `<b id="hero-count" hx-swap-oob="true">` |
 * | pager | `<div id="pager" hx-swap-oob="outerHTML">` |
 * | map | `<section id="map" hx-swap-oob="outerHTML">` |
 *
 * ```ts
 * const data = renderOps(feed.take(), { cities: citiesOf(feed.cluster) });
 * ```
 *
 * A reset carries the rows of the page's window only (see `page-feed.ts`), in table order.
 *
 * The output is a single line (no `\n`), so it fits one SSE `data:` field.
 *
 * When not to use: for the first page load, `renderPage` renders the same rows in place.
 */
import { html } from './html.ts';
import type { SafeHtml } from './html.ts';
import type { PageOp } from './page-feed.ts';
import { renderPager } from './hero-filter-view.ts';
import { renderHeroRow } from './hero-row.ts';
import type { RowContext } from './hero-row.ts';
import { renderMap } from './map-view.ts';
import { renderClusterPanel, renderFlash, renderLogLine, renderLogList } from './page-parts.ts';

function wrap(inner: SafeHtml): SafeHtml {
  return html`<template>${inner}</template>`;
}

function renderOp(op: PageOp, context: RowContext): SafeHtml {
  switch (op.kind) {
    case 'reset':
      return wrap(
        html`<tbody id="hero-rows" hx-swap-oob="outerHTML">
          ${op.heroes.map((h) => renderHeroRow(h, context))}
        </tbody>`,
      );
    case 'upsert':
      return op.isNew
        ? wrap(
            html`<tbody hx-swap-oob="beforeend:#hero-rows">
              ${renderHeroRow(op.hero, context)}
            </tbody>`,
          )
        : wrap(renderHeroRow(op.hero, context, 'outerHTML'));
    case 'remove':
      return wrap(html`<tr id="hero-${op.id}" hx-swap-oob="delete"></tr>`);
    case 'cluster':
      return wrap(renderClusterPanel(op.cluster, 'outerHTML'));
    case 'log': {
      const added = wrap(
        html`<ol hx-swap-oob="afterbegin:#log">
          ${renderLogLine(op.line.entry, op.line.seq)}
        </ol>`,
      );
      if (op.evict === undefined) return added;
      return html`${added}${wrap(html`<li id="log-${op.evict}" hx-swap-oob="delete"></li>`)}`;
    }
    case 'log-reset':
      return wrap(renderLogList(op.lines, 'outerHTML'));
    case 'flash':
      return wrap(html`<div hx-swap-oob="afterbegin:#flash">${renderFlash(op.level, op.text)}</div>`);
    case 'count':
      return wrap(html`<b id="hero-count" hx-swap-oob="true" data-testid="hero-count">${op.heroes}</b>`);
    case 'pager':
      return wrap(renderPager(op.pager, 'outerHTML'));
    case 'map':
      return wrap(renderMap(op.map, 'outerHTML'));
  }
}

/** One SSE payload for the batch; empty string for an empty batch. */
export function renderOps(ops: readonly PageOp[], context: RowContext): string {
  let out = '';
  for (const op of ops) out += renderOp(op, context).value;
  // Newlines can only come from data (names are validated, log messages may not be); keep one line.
  return out.replace(/\r\n|\r|\n/g, ' ');
}
