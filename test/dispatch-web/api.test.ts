// The JSON API of a node: every route against the in-memory service, and every error mapping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { CITY_NAMES } from '../../src/dispatch/model.ts';
import type { ClusterView, Hero } from '../../src/dispatch/model.ts';
import { DispatchError } from '../../src/dispatch/service.ts';
import type { DispatchErrorCode } from '../../src/dispatch/service.ts';
import { startWebServer } from '../../src/dispatch/web/index.ts';
import { JSON_HEADERS, UUID_V4, captureLogger, errorOf, setup } from './helpers.ts';
import { MemoryDispatchService } from './memory-service.ts';

const UNKNOWN_ID = '1b4e28ba-2fa1-41d2-883f-0016d3cca427';

test('GET /api/heroes lists every live hero', async (t) => {
  const { app, service } = setup(t);
  assert.deepEqual((await app.inject({ method: 'GET', url: '/api/heroes' })).json(), { heroes: [] });
  const a = await service.createHero({});
  const b = await service.createHero({ name: 'Lady Nova' });
  const res = await app.inject({ method: 'GET', url: '/api/heroes' });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /application\/json/);
  assert.equal(res.headers['cache-control'], 'no-store');
  const ids = (res.json() as { heroes: Hero[] }).heroes.map((h) => h.id).sort();
  assert.deepEqual(ids, [a.id, b.id].sort());
});

test('POST /api/heroes creates a hero: 201 with the hero and its location', async (t) => {
  const { app, service } = setup(t);
  const res = await app.inject({ method: 'POST', url: '/api/heroes' });
  assert.equal(res.statusCode, 201);
  const hero = res.json() as Hero;
  assert.match(hero.id, UUID_V4);
  assert.equal(hero.health, 100);
  assert.equal(hero.location, 'home');
  assert.equal(res.headers['location'], `/api/heroes/${hero.id}`);
  assert.ok(service.heroes.has(hero.id));
});

test('POST /api/heroes takes an optional name, trimmed', async (t) => {
  const { app, service } = setup(t);
  const res = await app.inject({
    method: 'POST',
    url: '/api/heroes',
    headers: JSON_HEADERS,
    payload: JSON.stringify({ name: '  Captain Falcon \t' }),
  });
  assert.equal(res.statusCode, 201);
  assert.equal((res.json() as Hero).name, 'Captain Falcon');
  assert.deepEqual(service.calls.at(-1), { method: 'createHero', args: [{ name: 'Captain Falcon' }] });
});

test('GET /api/heroes/:id answers the hero, 404 for an id that never existed, 409 when dead', async (t) => {
  const { app, service } = setup(t);
  const hero = await service.createHero({});
  const ok = await app.inject({ method: 'GET', url: `/api/heroes/${hero.id}` });
  assert.equal(ok.statusCode, 200);
  assert.deepEqual(ok.json(), hero);
  const upper = await app.inject({ method: 'GET', url: `/api/heroes/${hero.id.toUpperCase()}` });
  assert.equal(upper.statusCode, 200, 'ids are case-insensitive');
  const unknown = await app.inject({ method: 'GET', url: `/api/heroes/${UNKNOWN_ID}` });
  assert.equal(unknown.statusCode, 404);
  assert.equal(errorOf(unknown.body).code, 'not_found');
  service.kill(hero.id);
  assert.equal((await app.inject({ method: 'GET', url: `/api/heroes/${hero.id}` })).statusCode, 409);
});

test('DELETE /api/heroes/:id terminates: 204, then the hero is gone and counts as dead', async (t) => {
  const { app, service } = setup(t);
  const hero = await service.createHero({});
  const res = await app.inject({ method: 'DELETE', url: `/api/heroes/${hero.id}` });
  assert.equal(res.statusCode, 204);
  assert.equal(res.body, '');
  assert.equal(service.heroes.has(hero.id), false);
  assert.equal((await app.inject({ method: 'GET', url: `/api/heroes/${hero.id}` })).statusCode, 409);
  const again = await app.inject({ method: 'DELETE', url: `/api/heroes/${hero.id}` });
  assert.equal(again.statusCode, 409);
  assert.equal(errorOf(again.body).code, 'dead_hero');
  const unknown = await app.inject({ method: 'DELETE', url: `/api/heroes/${UNKNOWN_ID}` });
  assert.equal(unknown.statusCode, 404);
});

test('POST /api/heroes/:id/assign moves the hero to a city or home', async (t) => {
  const { app, service } = setup(t);
  const hero = await service.createHero({});
  service.tick(hero.id, { health: 50, isPatrolling: true });
  const res = await app.inject({
    method: 'POST',
    url: `/api/heroes/${hero.id}/assign`,
    headers: JSON_HEADERS,
    payload: { location: 'metropolis' },
  });
  assert.equal(res.statusCode, 200);
  const moved = res.json() as Hero;
  assert.equal(moved.location, 'metropolis');
  assert.equal(moved.node, 'metropolis');
  assert.equal(moved.isPatrolling, false);
  assert.equal(moved.health, 70);
  const home = await app.inject({
    method: 'POST',
    url: `/api/heroes/${hero.id}/assign`,
    headers: JSON_HEADERS,
    payload: { location: 'home' },
  });
  assert.equal((home.json() as Hero).location, 'home');
});

test('assigning a dead hero is a 409 dead_hero, never a hang', async (t) => {
  const { app, service } = setup(t);
  const hero = await service.createHero({});
  service.kill(hero.id);
  const res = await app.inject({
    method: 'POST',
    url: `/api/heroes/${hero.id}/assign`,
    headers: JSON_HEADERS,
    payload: { location: 'gotham' },
  });
  assert.equal(res.statusCode, 409);
  assert.deepEqual(errorOf(res.body).code, 'dead_hero');
});

test('GET /api/cluster answers the nodes with status, role, store role and heroes hosted', async (t) => {
  const { app, service } = setup(t);
  await service.createHero({});
  const res = await app.inject({ method: 'GET', url: '/api/cluster' });
  assert.equal(res.statusCode, 200);
  const view = res.json() as ClusterView;
  assert.equal(view.self, 'gotham');
  assert.equal(view.storeMode, 'raft');
  assert.deepEqual(
    view.nodes.map((n) => n.name),
    ['gotham', 'metropolis', 'capitol'],
  );
  assert.equal(
    view.nodes.reduce((sum, n) => sum + n.heroesHosted, 0),
    1,
  );
});

test('POST /api/cities/:city/destroy crashes that city, or a random live one', async (t) => {
  const { app, service } = setup(t);
  const named = await app.inject({ method: 'POST', url: '/api/cities/capitol/destroy' });
  assert.equal(named.statusCode, 200);
  assert.deepEqual(named.json(), { city: 'capitol' });
  const random = await app.inject({
    method: 'POST',
    url: '/api/cities/random/destroy',
    headers: JSON_HEADERS,
    payload: '{}',
  });
  assert.equal(random.statusCode, 200);
  const { city } = random.json() as { city: string };
  assert.ok((CITY_NAMES as readonly string[]).includes(city));
  assert.deepEqual(
    service.calls.filter((c) => c.method === 'destroyCity').map((c) => c.args[0]),
    ['capitol', 'random'],
  );
  const absent = await app.inject({ method: 'POST', url: '/api/cities/asgard/destroy' });
  assert.equal(absent.statusCode, 404, 'a city that is not in this cluster');
});

test('POST /api/nodes/:node/{shutdown,restart,partition,heal} hands the action over: 202', async (t) => {
  const { app, service } = setup(t);
  for (const action of ['shutdown', 'restart', 'partition', 'heal'] as const) {
    const res = await app.inject({ method: 'POST', url: `/api/nodes/metropolis/${action}` });
    assert.equal(res.statusCode, 202, action);
    assert.deepEqual(res.json(), { node: 'metropolis', action });
    assert.deepEqual(service.calls.at(-1), { method: 'nodeAction', args: ['metropolis', action] });
  }
  const unknown = await app.inject({ method: 'POST', url: '/api/nodes/atlantis/shutdown' });
  assert.equal(unknown.statusCode, 404);
  const badAction = await app.inject({ method: 'POST', url: '/api/nodes/gotham/explode' });
  assert.equal(badAction.statusCode, 404);
  assert.equal(errorOf(badAction.body).code, 'not_found');
});

const MAPPING: readonly [DispatchErrorCode, number][] = [
  ['bad_request', 400],
  ['not_found', 404],
  ['dead_hero', 409],
  ['no_quorum', 503],
  ['unavailable', 503],
  ['timeout', 504],
];

test('every DispatchError code maps to its status with the error body', async (t) => {
  const { app, service } = setup(t);
  for (const [code, status] of MAPPING) {
    service.failNext('listHeroes', new DispatchError(code, `simulated ${code}`));
    const res = await app.inject({ method: 'GET', url: '/api/heroes' });
    assert.equal(res.statusCode, status, code);
    const error = errorOf(res.body);
    assert.equal(error.code, code);
    assert.match(error.message, new RegExp(`simulated ${code}`));
    if (status === 503) assert.equal(res.headers['retry-after'], '1');
  }
});

test('a no_quorum answer always says "no quorum"', async (t) => {
  const { app, service } = setup(t);
  service.failNext('createHero', new DispatchError('no_quorum', 'store refused the write'));
  const res = await app.inject({ method: 'POST', url: '/api/heroes' });
  assert.equal(res.statusCode, 503);
  assert.match(errorOf(res.body).message, /no quorum/i);
  service.hasQuorum = false;
  const minority = await app.inject({ method: 'GET', url: '/api/heroes' });
  assert.equal(minority.statusCode, 503);
  assert.match(errorOf(minority.body).message, /no quorum/);
});

test('an unexpected error is a generic 500, and its details go to the log', async (t) => {
  const { logger, lines } = captureLogger();
  const { app, service } = setup(t, { logger });
  service.failNext('cluster', new Error('disk on fire at /var/secret'));
  const res = await app.inject({ method: 'GET', url: '/api/cluster' });
  assert.equal(res.statusCode, 500);
  const error = errorOf(res.body);
  assert.equal(error.code, 'internal');
  assert.doesNotMatch(res.body, /disk on fire/);
  const logged = lines.find((l) => l['msg'] === 'request failed');
  assert.ok(logged, 'the failure is logged');
  assert.match(JSON.stringify(logged['err']), /disk on fire/);
});

test('an unknown route is a 404 in the error format', async (t) => {
  const { app } = setup(t);
  const res = await app.inject({ method: 'GET', url: '/api/villains?x=1' });
  assert.equal(res.statusCode, 404);
  assert.deepEqual(errorOf(res.body), { code: 'not_found', message: 'no route GET /api/villains' });
});

test('GET /livez is 200 while the process runs; /readyz follows service.ready()', async (t) => {
  const { app, service } = setup(t);
  assert.equal((await app.inject({ method: 'GET', url: '/livez' })).statusCode, 200);
  assert.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
  service.isReady = false;
  const notReady = await app.inject({ method: 'GET', url: '/readyz' });
  assert.equal(notReady.statusCode, 503);
  assert.equal(errorOf(notReady.body).code, 'not_ready');
  service.hasQuorum = false;
  assert.equal(
    (await app.inject({ method: 'GET', url: '/livez' })).statusCode,
    200,
    'livez asks nothing of the cluster',
  );
});

test('GET /metrics serves the registry text, including the web layer metrics; 404 without a registry', async (t) => {
  const registry = new Registry();
  const { app } = setup(t, { metrics: registry });
  await app.inject({ method: 'GET', url: '/api/heroes' });
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /text\/plain/);
  assert.match(res.body, /dispatch_http_requests_total\{method="GET",route="\/api\/heroes",status="200"\} 1/);
  const bare = setup(t);
  assert.equal((await bare.app.inject({ method: 'GET', url: '/metrics' })).statusCode, 404);
});

test('two servers can share one registry', async (t) => {
  const registry = new Registry();
  const a = setup(t, { metrics: registry });
  const b = setup(t, { metrics: registry });
  await a.app.inject({ method: 'GET', url: '/livez' });
  await b.app.inject({ method: 'GET', url: '/livez' });
  assert.match(await registry.metrics(), /route="\/livez",status="200"\} 2/);
});

test('a state-changing request from another origin is refused with 403, and nothing is written', async (t) => {
  const { app, service } = setup(t);
  const evil = await app.inject({
    method: 'POST',
    url: '/api/heroes',
    headers: { origin: 'https://evil.example' },
  });
  assert.equal(evil.statusCode, 403);
  assert.equal(errorOf(evil.body).code, 'forbidden_origin');
  const opaque = await app.inject({
    method: 'POST',
    url: '/api/nodes/gotham/shutdown',
    headers: { origin: 'null' },
  });
  assert.equal(opaque.statusCode, 403);
  assert.equal(service.writes, 0);
  const same = await app.inject({
    method: 'POST',
    url: '/api/heroes',
    headers: { origin: 'http://localhost:4900', host: 'localhost:4900' },
  });
  assert.equal(same.statusCode, 201);
  const read = await app.inject({
    method: 'GET',
    url: '/api/heroes',
    headers: { origin: 'https://evil.example' },
  });
  assert.equal(read.statusCode, 200, 'reads are not state-changing');
});

test('startWebServer listens on the given host and port and reports its URL', async (t) => {
  const service = new MemoryDispatchService();
  const { app, url } = await startWebServer(service, { host: '127.0.0.1', port: 0 });
  t.after(() => app.close());
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const res = await fetch(`${url}/livez`);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { status: 'ok', node: 'gotham' });
});
