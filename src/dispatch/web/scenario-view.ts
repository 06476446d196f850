/**
 * The guided scenarios panel: one button per scenario (shown only where chaos routes are on) and
 * the newest run's record: its narration (what the cluster should do in this store mode), the
 * steps taken, what was seen, and the measurements, with its state (running / done / failed).
 * The page script fetches `GET /api/page/scenario` (this fragment) every second while a run is
 * going, and after a button starts one.
 *
 * ```ts
 * renderScenarioPanel(runner.current(), chaos); // <section id="scenarios">…
 * ```
 *
 * Test hooks: the panel is `scenarios` with `data-state` (idle / running / done / failed) and
 * `data-scenario`; buttons `scenario-<id>`; lines `scenario-line` with `data-kind`; results
 * `scenario-result` with `data-label`.
 *
 * When not to use: the panel is markup for this page only.
 */
import { SafeHtml, html } from './html.ts';
import { SCENARIOS } from './scenario-plan.ts';
import type { ScenarioRun } from './scenario-runner.ts';

const KIND_LABEL = { expect: 'expect', do: 'do', saw: 'saw', error: 'error' } as const;

function renderRun(run: ScenarioRun): SafeHtml {
  const lines = run.lines.map(
    (l) =>
      html`<li class="sc-${l.kind}" data-testid="scenario-line" data-kind="${l.kind}">
        <b>${KIND_LABEL[l.kind]}</b> ${l.text}
      </li>`,
  );
  const results = run.results.map(
    (r) =>
      html`<tr data-testid="scenario-result" data-label="${r.label}">
        <th>${r.label}</th>
        <td>${r.value}</td>
      </tr>`,
  );
  return html`<div class="run">
    <h3>${run.title} <span class="badge ${run.status}">${run.status}</span></h3>
    <ol class="sc-lines">
      ${lines}
    </ol>
    ${
      run.results.length === 0
        ? null
        : html`<table class="sc-results">
            ${results}
          </table>`
    }
  </div>`;
}

export function renderScenarioPanel(run: ScenarioRun | undefined, chaos: boolean): SafeHtml {
  if (!chaos) return html``;
  const busy = run?.status === 'running';
  return html`<section
    id="scenarios"
    class="panel scenarios"
    data-testid="scenarios"
    data-state="${run?.status ?? 'idle'}"
    data-scenario="${run?.id ?? ''}"
    data-seq="${run?.seq ?? 0}"
  >
    <h2>Guided scenarios</h2>
    <div class="sc-buttons">
      ${SCENARIOS.map(
        (s) =>
          html`<button
            class="warn"
            data-testid="scenario-${s.id}"
            data-scenario-start="${s.id}"
            ${busy ? html` disabled` : null}
          >
            ${s.title}
          </button>`,
      )}
    </div>
    ${run === undefined ? html`<p class="muted">Pick one: it runs its chaos steps, says what the cluster should do, and measures what it did.</p>` : renderRun(run)}
  </section>`;
}

export const SCENARIO_STYLE = `
#scenarios{grid-area:scenarios;min-width:0}
.sc-buttons{display:flex;flex-wrap:wrap;gap:8px;margin-bottom:8px}
.scenarios h3{margin:6px 0;font-size:14px}
.sc-lines{list-style:none;margin:0;padding:0;font-size:12px;max-height:220px;overflow:auto}
.sc-lines li{padding:2px 0;border-bottom:1px dashed #17212c}
.sc-lines b{display:inline-block;min-width:4em;color:var(--muted);font-weight:600}
.sc-expect{color:#9cc8ff}
.sc-error{color:var(--bad)}
.sc-results{margin-top:8px;font-size:13px}
.sc-results th{position:static;text-transform:none;letter-spacing:0;font-size:13px;color:var(--muted);font-weight:400}
.badge.running{color:var(--warn);border-color:#7a531a}
.badge.done{color:var(--ok);border-color:#1f6b47}
.badge.failed{color:var(--bad);border-color:#8a2f33}
`;

/**
 * Browser code: start buttons, and polling of the panel while a run is going. Obligation: trusted
 * constant code; it must never contain `</script>` or interpolated data.
 */
export const SCENARIO_SCRIPT = new SafeHtml(`
(function () {
  'use strict';
  if (!document.getElementById('scenarios')) return;
  var TOKEN_KEY = 'superhero-web-token';
  function headers(json) {
    var h = { accept: json ? 'application/json' : 'text/html' };
    var token = sessionStorage.getItem(TOKEN_KEY);
    if (token) h.authorization = 'Bearer ' + token;
    if (json) h['content-type'] = 'application/json';
    return h;
  }
  var polling = 0;
  function refresh() {
    fetch('/api/page/scenario', { headers: headers(false), cache: 'no-store' }).then(function (res) {
      return res.ok ? res.text() : null;
    }).then(function (text) {
      if (text === null) return;
      var t = document.createElement('template');
      t.innerHTML = text;
      var fresh = t.content.firstElementChild;
      var old = document.getElementById('scenarios');
      if (fresh && old) old.replaceWith(fresh);
      var running = fresh && fresh.getAttribute('data-state') === 'running';
      if (running && !polling) polling = setInterval(refresh, 1000);
      if (!running && polling) { clearInterval(polling); polling = 0; }
    }, function () {});
  }
  document.addEventListener('click', function (evt) {
    var elt = evt.target.closest('button[data-scenario-start]');
    if (!elt || elt.disabled) return;
    elt.disabled = true;
    fetch('/api/scenarios/' + encodeURIComponent(elt.dataset.scenarioStart), { method: 'POST', headers: headers(true), body: '{}' })
      .then(function () { refresh(); }, function () { refresh(); });
  });
  refresh();
})();
`);
