/**
 * The live charts panel: store writes/s with write p99, hero actors per node, and fights/s over the
 * last few minutes, with dashed markers where the leader changed, a node went down or up, or a
 * partition began or healed. The server renders the empty panel; `CHART_SCRIPT` polls
 * `GET /api/page/charts` every 2 s and draws with uPlot (served as `/assets/uplot.js`, its
 * stylesheet inlined into the page's style: the CSP allows no other stylesheet).
 *
 * ```ts
 * html`${renderChartsPanel()} … <script nonce="${nonce}">${CHART_SCRIPT}</script>`
 * ```
 *
 * Test hooks: the panel is `charts` with `data-points` (samples drawn) and `data-markers` (markers
 * drawn), set after each poll; the charts are `chart-writes`, `chart-heroes`, `chart-fights`.
 *
 * Obligation: `CHART_SCRIPT` is trusted constant code; it must never contain `</script>` or
 * interpolated data. When not to use: Prometheus scrapes `/metrics` for anything beyond a glance.
 */
import { SafeHtml, html } from './html.ts';

export function renderChartsPanel(): SafeHtml {
  return html`<section id="charts" class="panel charts" data-testid="charts" data-points="0" data-markers="0">
    <h2>Live charts <span class="muted">last 5 minutes</span></h2>
    <h3>Store writes/s · write p99 ms</h3>
    <div class="chart" id="chart-writes" data-testid="chart-writes"></div>
    <h3>Heroes per node</h3>
    <div class="chart" id="chart-heroes" data-testid="chart-heroes"></div>
    <h3>Fights/s</h3>
    <div class="chart" id="chart-fights" data-testid="chart-fights"></div>
  </section>`;
}

export const CHART_STYLE = `
#charts{grid-area:charts;min-width:0}
#charts h3{margin:8px 0 2px;font-size:11px;font-weight:600;color:var(--muted)}
.chart{min-height:120px}
.chart .u-legend{font-size:11px;color:var(--muted)}
`;

export const CHART_SCRIPT = new SafeHtml(`
(function () {
  'use strict';
  var panel = document.getElementById('charts');
  if (!panel || typeof uPlot !== 'function') return;
  var TOKEN_KEY = 'superhero-web-token';
  var PALETTE = ['#4aa3ff', '#3ecf8e', '#f5c542', '#ef5350', '#b388ff', '#4dd0e1', '#ff8a65'];
  var MARK = { leader: '#f5c542', down: '#ef5350', up: '#3ecf8e', partition: '#f0a030', heal: '#4aa3ff' };
  var markers = [];
  var charts = {};
  var nodesKey = '';

  function markerPlugin() {
    return { hooks: { draw: function (u) {
      var ctx = u.ctx;
      var dpr = window.devicePixelRatio || 1;
      ctx.save();
      ctx.font = (10 * dpr) + 'px sans-serif';
      ctx.setLineDash([4 * dpr, 3 * dpr]);
      for (var i = 0; i < markers.length; i++) {
        var m = markers[i];
        var x = u.valToPos(m.at / 1000, 'x', true);
        if (!(x >= u.bbox.left && x <= u.bbox.left + u.bbox.width)) continue;
        ctx.strokeStyle = ctx.fillStyle = MARK[m.kind] || '#7f93a8';
        ctx.beginPath();
        ctx.moveTo(x, u.bbox.top);
        ctx.lineTo(x, u.bbox.top + u.bbox.height);
        ctx.stroke();
        ctx.fillText(m.text, x + 3 * dpr, u.bbox.top + 11 * dpr * (1 + (i % 3)));
      }
      ctx.restore();
    } } };
  }

  function make(id, series, axes, scales) {
    var el = document.getElementById(id);
    var opts = {
      width: Math.max(220, el.clientWidth || 300),
      height: 120,
      plugins: [markerPlugin()],
      cursor: { show: false },
      legend: { show: true, live: false },
      scales: Object.assign({ x: { time: true } }, scales || {}),
      series: [{}].concat(series),
      axes: [{ stroke: '#7f93a8', grid: { stroke: '#1f2b38' } }].concat(axes),
    };
    el.textContent = '';
    return new uPlot(opts, [[]].concat(series.map(function () { return []; })), el);
  }
  function axis(scale, side) {
    return { scale: scale, side: side || 3, stroke: '#7f93a8', grid: { stroke: side === 1 ? 'transparent' : '#1f2b38' }, size: 44 };
  }

  function draw(view) {
    markers = view.markers;
    var s = view.samples;
    var xs = s.map(function (p) { return p.at / 1000; });
    if (!charts.writes) {
      charts.writes = make('chart-writes', [
        { label: 'writes/s', stroke: PALETTE[0], scale: 'w', width: 1.5 },
        { label: 'p99 ms', stroke: PALETTE[2], scale: 'ms', width: 1.5 },
      ], [axis('w'), axis('ms', 1)], { w: { range: function (u, a, b) { return [0, Math.max(1, b)]; } }, ms: { range: function (u, a, b) { return [0, Math.max(1, b)]; } } });
      charts.fights = make('chart-fights', [{ label: 'fights/s', stroke: PALETTE[3], width: 1.5, fill: 'rgba(239,83,80,.12)' }], [axis('y')],
        { y: { range: function (u, a, b) { return [0, Math.max(1, b)]; } } });
    }
    var nodes = [];
    s.forEach(function (p) { Object.keys(p.heroesByNode).forEach(function (n) { if (nodes.indexOf(n) < 0) nodes.push(n); }); });
    if (nodes.join(',') !== nodesKey || !charts.heroes) {
      nodesKey = nodes.join(',');
      if (charts.heroes) charts.heroes.destroy();
      charts.heroes = make('chart-heroes', nodes.map(function (n, i) { return { label: n, stroke: PALETTE[i % PALETTE.length], width: 1.5 }; }), [axis('y')],
        { y: { range: function (u, a, b) { return [0, Math.max(1, b)]; } } });
    }
    charts.writes.setData([xs, s.map(function (p) { return p.writesPerSec; }), s.map(function (p) { return p.writeP99Ms; })]);
    charts.fights.setData([xs, s.map(function (p) { return p.fightsPerSec; })]);
    charts.heroes.setData([xs].concat(nodes.map(function (n) { return s.map(function (p) { var v = p.heroesByNode[n]; return v === undefined ? null : v; }); })));
    panel.setAttribute('data-points', String(s.length));
    panel.setAttribute('data-markers', String(markers.length));
  }

  function poll() {
    var headers = { accept: 'application/json' };
    var token = sessionStorage.getItem(TOKEN_KEY);
    if (token) headers.authorization = 'Bearer ' + token;
    fetch('/api/page/charts', { headers: headers, cache: 'no-store' })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (view) { if (view) draw(view); }, function () {});
  }
  poll();
  setInterval(poll, 2000);
})();
`);
