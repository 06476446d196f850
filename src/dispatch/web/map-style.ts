/**
 * Styles of the cluster map, the hero table's filter bar and pager (part of the page's one
 * stylesheet, see `page-style.ts`). Cards sit on a mesh line; a partitioned card drops below it with
 * a dashed red edge, cut off; a down or stopped card greys out. Marks pulse when they arrive on a
 * card (`moved`) and fade when their hero dies (`dying`, then `dead`).
 *
 * Obligation: trusted constant CSS; it must never contain `</style>` or interpolated data.
 *
 * When not to use: it styles only the markup of `map-view.ts` and `hero-filter-view.ts`.
 */
export const MAP_STYLE = `
#map{grid-area:map}
.mesh{position:relative;display:flex;gap:14px;flex-wrap:wrap;align-items:flex-start;padding:6px 0 22px}
.mesh::before{content:"";position:absolute;left:0;right:0;top:28px;border-top:2px solid #2f6aa3;z-index:0}
.card{position:relative;z-index:1;flex:1 1 170px;max-width:260px;min-height:112px;background:#0f1720;border:1px solid #2c3c4e;border-radius:10px;padding:8px 10px;transition:transform .4s,opacity .4s}
.card.here{border-color:var(--accent)}
.card.partitioned{transform:translateY(18px);border:1px dashed var(--bad);box-shadow:0 -10px 0 -8px var(--bad)}
.card.partitioned::before{content:"✂ cut off";position:absolute;top:-20px;left:10px;font-size:11px;color:var(--bad)}
.card.down,.card.stopped{opacity:.45;filter:grayscale(1)}
.card.unplaced{border-style:dotted}
.card-head{display:flex;justify-content:space-between;align-items:center;gap:6px}
.card-meta{display:flex;justify-content:space-between;font-size:12px;color:var(--muted);margin:2px 0 6px}
.role.leader{color:var(--accent);font-weight:600}
.marks{display:flex;flex-wrap:wrap;gap:3px}
.mark{display:inline-block;width:10px;height:10px;border-radius:50%}
.mark.moved{animation:arrive .9s ease-out}
.mark.dying{animation:fade 1.5s forwards}
.mark.dead{opacity:.15}
@keyframes arrive{from{transform:scale(2.2);box-shadow:0 0 10px var(--accent)}to{transform:scale(1)}}
@keyframes fade{from{opacity:1}to{opacity:.15}}
.bands{display:flex;gap:10px;font-variant-numeric:tabular-nums}
.band{display:inline-flex;align-items:center;gap:4px}
.table-head{display:flex;align-items:baseline;gap:16px;flex-wrap:wrap}
.filters{display:flex;gap:8px;margin-bottom:8px}
.filters input{font:inherit;color:var(--text);background:#1a2532;border:1px solid #2c3c4e;border-radius:6px;padding:4px 10px;width:14em}
.pager{display:flex;align-items:center;gap:12px;padding-top:8px;font-variant-numeric:tabular-nums}
.pager .range{font-weight:600}
button:disabled{opacity:.4;cursor:default}
`;
