// GET /api/events over a real socket: JSON events for programs, batched htmx fragments for the page,
// heartbeats, recovery of a page whose snapshot failed, and streams ended by the server's close.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import type { DispatchEvent, Hero } from '../../src/dispatch/model.ts';
import { DispatchError } from '../../src/dispatch/service.ts';
import { createWebServer } from '../../src/dispatch/web/index.ts';
import type { WebServerOptions } from '../../src/dispatch/web/index.ts';
import { MemoryDispatchService } from './memory-service.ts';
import { settlesWithin } from '../../packages/runtime/src/testing/hang-guard.ts';
import { openSse } from './sse-client.ts';
import type { SseClient } from './sse-client.ts';

interface Live {
  readonly app: FastifyInstance;
  readonly service: MemoryDispatchService;
  readonly base: string;
}

async function listen(
  t: TestContext,
  options: WebServerOptions = {},
  service = new MemoryDispatchService(),
): Promise<Live> {
  const app = createWebServer(service, options);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  assert.ok(typeof address === 'object' && address !== null);
  t.after(() => app.close());
  return { app, service, base: `http://127.0.0.1:${address.port}` };
}

async function stream(t: TestContext, url: string): Promise<SseClient> {
  const client = await openSse(url);
  t.after(() => client.close());
  return client;
}

test('the JSON stream says ready, then delivers a hero event after a create', async (t) => {
  const { service, base } = await listen(t);
  const sse = await stream(t, `${base}/api/events`);
  assert.equal(sse.response.statusCode, 200);
  assert.match(String(sse.response.headers['content-type']), /^text\/event-stream/);
  assert.equal(sse.response.headers['cache-control'], 'no-cache, no-transform');
  const ready = await sse.next((e) => e.event === 'ready');
  assert.deepEqual(JSON.parse(ready.data), { node: 'gotham' });
  const created = await fetch(`${base}/api/heroes`, { method: 'POST' });
  const hero = (await created.json()) as Hero;
  const event = await sse.next((e) => e.event === 'hero');
  assert.deepEqual(JSON.parse(event.data), { type: 'hero', hero } satisfies DispatchEvent);
  const log = await sse.next((e) => e.event === 'log');
  assert.match((JSON.parse(log.data) as { message: string }).message, /joined the roster/);
  service.kill(hero.id);
  const deleted = await sse.next((e) => e.event === 'hero-deleted');
  assert.deepEqual(JSON.parse(deleted.data), { type: 'hero-deleted', id: hero.id });
});

test('the page stream starts with the whole table, then sends per-row fragments', async (t) => {
  const { service, base } = await listen(t, { batchMs: 20 });
  const first = await service.createHero({ name: 'Lady Nova' });
  const sse = await stream(t, `${base}/api/events?format=html`);
  const reset = await sse.next((e) => e.event === 'update');
  assert.match(reset.data, /<tbody id="hero-rows" hx-swap-oob="outerHTML">/);
  assert.match(reset.data, new RegExp(`<tr id="hero-${first.id}"`));
  assert.match(reset.data, /<ol id="log" hx-swap-oob="outerHTML"/);
  assert.match(reset.data, /<section id="cluster" class="panel" hx-swap-oob="outerHTML"/);
  assert.doesNotMatch(reset.data, /\n/);

  const at = sse.events.length;
  const second = await service.createHero({ name: 'Night Tempest' }); // sorts last: an append
  const appended = await sse.next((e) => e.data.includes(second.id), { from: at });
  assert.match(
    appended.data,
    new RegExp(`<tbody hx-swap-oob="beforeend:#hero-rows"><tr id="hero-${second.id}"`),
  );

  const at2 = sse.events.length;
  service.tick(first.id, { health: 37, isPatrolling: true });
  const replaced = await sse.next((e) => e.data.includes(`hero-${first.id}`), { from: at2 });
  assert.match(replaced.data, new RegExp(`<tr id="hero-${first.id}" hx-swap-oob="outerHTML"`));
  assert.match(replaced.data, /Fighting Crime/);
  assert.match(replaced.data, /data-health="37"/);

  const at3 = sse.events.length;
  service.kill(first.id);
  const removed = await sse.next((e) => e.data.includes(`hero-${first.id}`), { from: at3 });
  assert.match(removed.data, new RegExp(`<tr id="hero-${first.id}" hx-swap-oob="delete"></tr>`));
  assert.match(removed.data, /has fallen/);
});

test('the page stream batches: a burst of changes to one hero is one row update', async (t) => {
  const { service, base } = await listen(t, { batchMs: 150 });
  const hero = await service.createHero({});
  const sse = await stream(t, `${base}/api/events?format=html`);
  await sse.next((e) => e.data.includes('id="hero-rows"'));
  const at = sse.events.length;
  for (let health = 99; health >= 50; health--) service.tick(hero.id, { health });
  const update = await sse.next((e) => e.data.includes(hero.id), { from: at });
  assert.equal(update.data.split(`<tr id="hero-${hero.id}"`).length - 1, 1, 'one row fragment');
  assert.match(update.data, /data-health="50"/);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(sse.events.length, at + 1, 'nothing more was sent');
});

test('both streams send a ":" heartbeat every heartbeatMs', async (t) => {
  const { base } = await listen(t, { heartbeatMs: 40 });
  const json = await stream(t, `${base}/api/events`);
  const page = await stream(t, `${base}/api/events?format=html`);
  await new Promise((r) => setTimeout(r, 200));
  assert.ok(json.comments() >= 2, `json heartbeats: ${json.comments()}`);
  assert.ok(page.comments() >= 2, `page heartbeats: ${page.comments()}`);
});

test('a page whose snapshot failed shows "Database failed with …" and recovers by itself', async (t) => {
  const service = new MemoryDispatchService();
  const hero = await service.createHero({ name: 'Agent Lynx' });
  service.hasQuorum = false;
  const { base } = await listen(t, { snapshotRetryMs: 100, batchMs: 20 }, service);
  const sse = await stream(t, `${base}/api/events?format=html`);
  const failed = await sse.next((e) => e.event === 'update');
  assert.match(
    failed.data,
    /Database failed with no quorum: this node is on the minority side of a partition\./,
  );
  assert.match(failed.data, /<tbody id="hero-rows" hx-swap-oob="outerHTML"><\/tbody>/);
  service.hasQuorum = true;
  const healed = await sse.next((e) => e.data.includes(`hero-${hero.id}`));
  assert.match(healed.data, /<tbody id="hero-rows" hx-swap-oob="outerHTML"><tr/);
});

test('an unknown format is a 400, not a stream', async (t) => {
  const { base } = await listen(t);
  const res = await fetch(`${base}/api/events?format=xml`);
  assert.equal(res.status, 400);
  assert.match(await res.text(), /format must be json or html/);
});

test('closing the server ends every open stream and unsubscribes from the service', async (t) => {
  const { app, service, base } = await listen(t);
  const baseline = service.listenerCount;
  const json = await stream(t, `${base}/api/events`);
  const page = await stream(t, `${base}/api/events?format=html`);
  await json.next((e) => e.event === 'ready');
  await page.next((e) => e.event === 'update');
  assert.equal(service.listenerCount, baseline + 2);
  // The streams never end by themselves: close completes only if it ends them.
  await settlesWithin(
    Promise.all([app.close(), json.ended, page.ended]),
    30_000,
    'close ending both open streams',
  );
  assert.equal(service.listenerCount, 0, 'no subscription left behind');
});

test('a client that goes away is unsubscribed', async (t) => {
  const { service, base } = await listen(t);
  const baseline = service.listenerCount;
  const sse = await openSse(`${base}/api/events`);
  await sse.next((e) => e.event === 'ready');
  assert.equal(service.listenerCount, baseline + 1);
  sse.close();
  const deadline = Date.now() + 2000;
  while (service.listenerCount !== baseline && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 10));
  assert.equal(service.listenerCount, baseline);
  await service.createHero({}); // emitting to nobody must not throw
});

test('a page snapshot that times out flashes the store reason', async (t) => {
  const { service, base } = await listen(t, { batchMs: 20 });
  service.failNext('listHeroes', new DispatchError('timeout', 'store did not answer'));
  const sse = await stream(t, `${base}/api/events?format=html`);
  const update = await sse.next((e) => e.event === 'update');
  assert.match(update.data, /Database failed with store did not answer\./);
});
