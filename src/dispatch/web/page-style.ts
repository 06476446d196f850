/**
 * The dispatch page's stylesheet: a dark "dispatch console" look with system fonts only (no web
 * fonts, nothing fetched). Inlined into the page under the response's CSP nonce.
 *
 * ```ts
 * html`<style nonce="${nonce}">${PAGE_STYLE}</style>`
 * ```
 *
 * Obligation: trusted constant markup; it must never contain `</style>` or interpolated data.
 *
 * When not to use: it styles only the markup of `page-view.ts`.
 */
import { SafeHtml } from './html.ts';
import { CHART_STYLE } from './chart-view.ts';
import { MAP_STYLE } from './map-style.ts';
import { SCENARIO_STYLE } from './scenario-view.ts';

// Health bar widths in 5% steps as classes: the CSP allows no inline style attributes.
const WIDTH_STEPS = Array.from({ length: 21 }, (_, i) => `.w${i * 5}{width:${i * 5}%}`).join('');

export const PAGE_STYLE = new SafeHtml(`
:root{--bg:#0b1016;--panel:#121a23;--line:#1f2b38;--text:#d6e2ee;--muted:#7f93a8;--accent:#f5c542;--ok:#3ecf8e;--warn:#f0a030;--bad:#ef5350;--blue:#4aa3ff;color-scheme:dark}
*{box-sizing:border-box}
body[data-chaos="off"] [data-post^="/api/nodes/"],body[data-chaos="off"] [data-post^="/api/cities/"]{display:none}
html,body{margin:0;background:var(--bg);color:var(--text);font:14px/1.45 ui-sans-serif,system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
header{display:flex;align-items:center;gap:24px;flex-wrap:wrap;padding:14px 24px;background:linear-gradient(180deg,#101822,#0b1016);border-bottom:1px solid var(--line);position:sticky;top:0;z-index:2}
.brand{display:flex;align-items:center;gap:12px}
h1{margin:0;font-size:22px;letter-spacing:.04em;text-transform:uppercase;color:var(--accent)}
h2{margin:0 0 10px;font-size:12px;letter-spacing:.12em;text-transform:uppercase;color:var(--muted);font-weight:600}
.stats{color:var(--muted);font-variant-numeric:tabular-nums}
.stats b{color:var(--text)}
.commands{margin-left:auto;display:flex;gap:10px}
.signal{width:10px;height:10px;border-radius:50%;background:var(--warn);box-shadow:0 0 8px var(--warn)}
.signal[data-state=live]{background:var(--ok);box-shadow:0 0 8px var(--ok)}
.signal[data-state=reconnecting]{background:var(--bad);box-shadow:0 0 8px var(--bad)}
button,select{font:inherit;color:var(--text);background:#1a2532;border:1px solid #2c3c4e;border-radius:6px;padding:4px 10px;cursor:pointer}
button:hover,select:hover{border-color:var(--blue)}
button:focus-visible,select:focus-visible{outline:2px solid var(--blue);outline-offset:1px}
button.primary{background:#1d3b5c;border-color:#2f6aa3;padding:7px 14px;font-weight:600}
button.danger{border-color:#6b2a2a}
button.danger:hover{background:#3a1717;border-color:var(--bad)}
button.warn:hover{border-color:var(--warn)}
header button.danger{background:#3a1717;padding:7px 14px;font-weight:600}
button.busy,select.busy{opacity:.55;cursor:progress}
#flash{position:fixed;bottom:20px;right:24px;z-index:3;display:flex;flex-direction:column-reverse;gap:8px;width:min(420px,calc(100vw - 48px))}
.flash{padding:10px 14px;border-radius:8px;border:1px solid;background:#10241b;border-color:#1f6b47;box-shadow:0 6px 20px #0008}
.flash.error{background:#2a1214;border-color:#8a2f33}
main{display:grid;grid-template-columns:minmax(0,1fr) 340px;grid-template-areas:"map map" "cluster charts" "scenarios charts" "heroes log";grid-template-rows:auto auto auto 1fr;gap:18px;padding:18px 24px}
@media (max-width:1100px){main{grid-template-columns:1fr;grid-template-areas:"map" "charts" "cluster" "scenarios" "heroes" "log"}}
${MAP_STYLE}${CHART_STYLE}${SCENARIO_STYLE}
#cluster{grid-area:cluster}
.heroes{grid-area:heroes;min-width:0}
.log-panel{grid-area:log;min-width:0}
.panel{background:var(--panel);border:1px solid var(--line);border-radius:10px;padding:14px 16px}
.scroll{max-height:calc(100vh - 330px);min-height:240px;overflow:auto}
.scroll{contain:content}
table.heroes,table.heroes thead,table.heroes tbody{display:block}
table.heroes tr{display:grid;grid-template-columns:minmax(9em,1fr) 122px 96px 96px 140px 52px 62px 118px 100px;align-items:center;min-width:886px;border-bottom:1px solid #17212c}
table.heroes td{border-bottom:0}
table.heroes th{border-bottom:0}
table.heroes thead tr{border-bottom:1px solid var(--line)}
table.heroes tbody tr{content-visibility:auto;contain-intrinsic-size:auto 37px}
table.heroes thead{position:sticky;top:0;z-index:1;background:var(--panel)}
table.heroes td{overflow:hidden;text-overflow:ellipsis}
table.heroes select{width:100%;max-width:110px}
table.heroes tr.placeholder{display:block}
tr.placeholder td{color:var(--muted);padding:18px 8px}
#hero-rows:empty::after{content:"No heroes on duty. Press Create superhero.";display:block;padding:18px 8px;color:var(--muted)}
table{width:100%;border-collapse:collapse;font-variant-numeric:tabular-nums}
th{position:sticky;top:0;background:var(--panel);text-align:left;font-size:11px;letter-spacing:.08em;text-transform:uppercase;color:var(--muted);font-weight:600;padding:6px 8px;border-bottom:1px solid var(--line)}
td{padding:5px 8px;border-bottom:1px solid #17212c;white-space:nowrap}
tbody tr:hover{background:#16202b}
.num{text-align:right}
td.name{font-weight:600}
.badge{display:inline-block;padding:1px 8px;border-radius:999px;font-size:12px;border:1px solid #2c3c4e;color:var(--muted)}
.badge.fighting{color:#ffd27a;border-color:#6d5220;background:#2a2110}
.badge.resting{color:#9cc8ff;border-color:#24496f;background:#0f1d2c}
.badge.up{color:var(--ok);border-color:#1f6b47}
.badge.down,.badge.stopped{color:var(--bad);border-color:#8a2f33}
.badge.partitioned{color:var(--warn);border-color:#7a531a}
.bar{display:inline-block;width:72px;height:8px;margin-right:8px;vertical-align:middle;background:#1c2733;border-radius:4px;overflow:hidden}
.bar i{display:block;height:100%;border-radius:4px}
.hp-high{background:var(--ok)}
.hp-mid{background:var(--warn)}
.hp-low{background:var(--bad)}
${WIDTH_STEPS}
.hp{display:inline-block;min-width:2.2em;text-align:right}
.nodes td.actions{text-align:right}
.nodes button{padding:2px 8px;font-size:12px;margin-left:4px}
.self{font-size:11px;color:var(--accent);margin-left:4px}
a{color:var(--blue);text-decoration:none}
a:hover{text-decoration:underline}
.muted{color:var(--muted);font-weight:400;text-transform:none;letter-spacing:0}
#log{list-style:none;margin:0;padding:0;max-height:calc(100vh - 150px);min-height:160px;overflow:auto;font:12px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
#log li{padding:2px 0;border-bottom:1px dashed #17212c;overflow-wrap:anywhere}
#log time{color:var(--muted);margin-right:6px}
#log .log-warn{color:var(--warn)}
#log .log-error{color:var(--bad)}
`);
