// The page markup: seed texts, test hooks, escaping of every user string, the strict CSP, the
// static htmx assets, and a page that still renders when the cluster view cannot be read.
// fast-check prints the seed and path of any failure; replay with FC_SEED=<seed>.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Hero } from '../../src/dispatch/model.ts';
import { DispatchError } from '../../src/dispatch/service.ts';
import { escapeHtml, html } from '../../src/dispatch/web/html.ts';
import { renderOps } from '../../src/dispatch/web/page-fragments.ts';
import { renderHeroRow } from '../../src/dispatch/web/hero-row.ts';
import { setup } from './helpers.ts';

const fcParams = process.env['FC_SEED'] ? { seed: Number(process.env['FC_SEED']) } : {};

function decode(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&#96;/g, '`')
    .replace(/&amp;/g, '&');
}

test('property: escaping leaves no markup character and loses nothing', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), (text) => {
      const escaped = escapeHtml(text);
      assert.doesNotMatch(escaped, /[<>"'`]/);
      assert.doesNotMatch(escaped.replace(/&(amp|lt|gt|quot|#39|#96);/g, ''), /&/);
      assert.equal(decode(escaped), text);
    }),
    fcParams,
  );
});

test('html escapes interpolations, joins arrays and passes nested html through', () => {
  const name = '<img src=x onerror=alert(1)>"';
  const out = html`<td title="${name}">${[html`<b>${name}</b>`, 3, null, undefined]}</td>`;
  assert.equal(
    out.value,
    '<td title="&lt;img src=x onerror=alert(1)&gt;&quot;"><b>&lt;img src=x onerror=alert(1)&gt;&quot;</b>3</td>',
  );
});

test('property: a hero row never lets a name, node or location out of its text', () => {
  const hostile = fc.string({ unit: 'binary', maxLength: 80 });
  fc.assert(
    fc.property(hostile, hostile, (name, node) => {
      const h: Hero = {
        id: '1b4e28ba-2fa1-41d2-883f-0016d3cca427',
        name,
        location: 'gotham',
        node,
        isPatrolling: true,
        health: 55,
        fightsWon: 1,
        fightsLost: 2,
        updatedAt: 0,
      };
      const row = renderHeroRow(h, { cities: ['gotham'] }).value;
      // The only tags are the row's own: strip them and no `<` may remain.
      const tags = row.match(/<[^>]*>/g) ?? [];
      for (const tag of tags) assert.match(tag, /^<\/?(tr|td|span|i|select|option|button)[\s>]/);
      assert.ok(row.includes(escapeHtml(name)));
    }),
    { ...fcParams, numRuns: 200 },
  );
});

test('GET / renders "<Node> Dispatcher" with the seed buttons, columns, nodes and test hooks', async (t) => {
  const { app, service } = setup(t, {}, { nodeName: 'metropolis' });
  await service.createHero({ name: 'Captain Falcon' });
  const res = await app.inject({ method: 'GET', url: '/' });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /text\/html/);
  const page = res.body;
  assert.match(page, /<title>Metropolis Dispatcher<\/title>/);
  assert.match(page, /<h1 data-testid="title">Metropolis Dispatcher<\/h1>/);
  assert.match(page, /data-testid="create-hero"[^>]*>Create superhero</);
  assert.match(page, /data-testid="destroy-city"[^>]*>Destroy city</);
  for (const column of ['Name', 'Status', 'Location', 'Node', 'Health', 'Wins', 'Losses', 'Assign']) {
    assert.match(page, new RegExp(`<th[^>]*>${column}</th>`), column);
  }
  assert.match(page, /Connected dispatch centers/);
  assert.match(
    page,
    /<tr id="node-metropolis" data-testid="node-row" data-node="metropolis" data-status="up">/,
  );
  for (const action of ['Shutdown', 'Restart', 'Partition', 'Heal'])
    assert.match(page, new RegExp(`>${action}</button>`));
  assert.match(page, /data-post="\/api\/nodes\/capitol\/partition"/);
  assert.match(page, /sse-connect="\/api\/events\?format=html"/);
  assert.match(page, /<script src="\/assets\/htmx.min.js"><\/script>/);
  assert.match(page, /<script src="\/assets\/sse.js"><\/script>/);
  assert.doesNotMatch(page, /https?:\/\/(?!127\.0\.0\.1)/, 'nothing is loaded from another host');
  assert.doesNotMatch(page, /data-testid="hero-row"/, 'rows come with the live stream, not twice');
  assert.match(page, /Captain Falcon joined the roster/, 'the recent log is shown');
});

test('hero rows render the seed columns, with an Assign select and a Terminate button', async () => {
  const hero: Hero = {
    id: '1b4e28ba-2fa1-41d2-883f-0016d3cca427',
    name: 'Captain Falcon',
    location: 'gotham',
    node: 'gotham',
    isPatrolling: true,
    health: 64,
    fightsWon: 3,
    fightsLost: 1,
    updatedAt: 0,
  };
  const row = renderHeroRow(hero, { cities: ['gotham', 'metropolis', 'capitol'] }).value;
  assert.match(row, /^<tr id="hero-1b4e28ba-2fa1-41d2-883f-0016d3cca427" data-testid="hero-row"/);
  assert.match(row, /<td class="name" data-testid="hero-name">Captain Falcon<\/td>/);
  assert.match(row, /Fighting Crime/);
  assert.match(row, /<td data-testid="hero-location">Gotham<\/td>/);
  assert.match(
    row,
    /<td data-testid="hero-health" data-health="64"><span class="bar"><i class="hp-high w65"><\/i><\/span><span class="hp">64<\/span><\/td>/,
  );
  assert.match(
    row,
    /<td class="num" data-testid="hero-wins">3<\/td><td class="num" data-testid="hero-losses">1<\/td>/,
  );
  assert.deepEqual(
    [...row.matchAll(/<option value="(\w+)"( selected)?>/g)].map((m) => `${m[1]}${m[2] ?? ''}`),
    ['home', 'gotham selected', 'metropolis', 'capitol'],
  );
  assert.match(
    row,
    /data-testid="assign"[^>]*data-post="\/api\/heroes\/1b4e28ba-2fa1-41d2-883f-0016d3cca427\/assign"/,
  );
  assert.match(
    row,
    /data-testid="terminate" data-delete="\/api\/heroes\/1b4e28ba-2fa1-41d2-883f-0016d3cca427"/,
  );
  const resting = renderHeroRow({ ...hero, isPatrolling: false }, { cities: [] }).value;
  assert.match(resting, />Resting</);
});

test('live fragments escape a hostile hero name', () => {
  const hero: Hero = {
    id: '1b4e28ba-2fa1-41d2-883f-0016d3cca427',
    name: '<script>alert("pwned")</script>',
    location: 'home',
    node: 'gotham',
    isPatrolling: false,
    health: 100,
    fightsWon: 0,
    fightsLost: 0,
    updatedAt: 0,
  };
  const data = renderOps(
    [
      { kind: 'reset', heroes: [hero] },
      { kind: 'upsert', hero, isNew: false },
      { kind: 'flash', level: 'error', text: '<b>boom</b>' },
      {
        kind: 'log',
        line: { seq: 1, entry: { level: 'info', message: '<img src=x>', at: 0 } },
        evict: undefined,
      },
    ],
    { cities: [] },
  );
  assert.doesNotMatch(data, /<script>|<b>boom|<img/);
  assert.match(data, /&lt;script&gt;alert\(&quot;pwned&quot;\)&lt;\/script&gt;/);
});

test('GET / sends a strict CSP whose nonce matches the inline style and script', async (t) => {
  const { app } = setup(t);
  const a = await app.inject({ method: 'GET', url: '/' });
  const csp = String(a.headers['content-security-policy']);
  const nonce = /'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)?.[1];
  assert.ok(nonce !== undefined, csp);
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.match(a.body, new RegExp(`<style nonce="${nonce.replace(/[+/=]/g, '\\$&')}">`));
  assert.match(a.body, new RegExp(`<script nonce="${nonce.replace(/[+/=]/g, '\\$&')}">`));
  const b = await app.inject({ method: 'GET', url: '/' });
  assert.notEqual(b.headers['content-security-policy'], csp, 'a fresh nonce per response');
});

test('GET / still renders when the cluster view fails', async (t) => {
  const { app, service } = setup(t);
  service.failNext('cluster', new DispatchError('unavailable', 'membership not settled'));
  const res = await app.inject({ method: 'GET', url: '/' });
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /Cluster view unavailable: membership not settled\./);
});

test('the htmx assets are served from the installed packages with caching', async (t) => {
  const { app } = setup(t);
  for (const [path, marker] of [
    ['/assets/htmx.min.js', /htmx/],
    ['/assets/sse.js', /defineExtension\(\s*["']sse["']/],
  ] as const) {
    const res = await app.inject({ method: 'GET', url: path });
    assert.equal(res.statusCode, 200, path);
    assert.match(String(res.headers['content-type']), /text\/javascript/);
    assert.match(res.body, marker);
    const etag = String(res.headers['etag']);
    const again = await app.inject({ method: 'GET', url: path, headers: { 'if-none-match': etag } });
    assert.equal(again.statusCode, 304, path);
  }
});
