// GET /api/hosted: the heroes running on this node, sorted, from the source the server was given;
// 404 not_found on a server given none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWebServer } from '../../src/dispatch/web/index.ts';
import { MemoryDispatchService } from './memory-service.ts';

test('lists the hosted hero ids, sorted, as the source reports them at the time of the request', async (t) => {
  const service = new MemoryDispatchService();
  let hosted = ['b-hero', 'a-hero'];
  const app = createWebServer(service, { hostedHeroes: () => hosted });
  t.after(() => app.close());
  const first = await app.inject({ method: 'GET', url: '/api/hosted' });
  assert.equal(first.statusCode, 200);
  assert.deepEqual(first.json(), { node: service.nodeName, heroes: ['a-hero', 'b-hero'] });
  hosted = [];
  assert.deepEqual((await app.inject({ method: 'GET', url: '/api/hosted' })).json().heroes, []);
});

test('is 404 not_found on a server without a hosted-heroes source', async (t) => {
  const app = createWebServer(new MemoryDispatchService());
  t.after(() => app.close());
  const res = await app.inject({ method: 'GET', url: '/api/hosted' });
  assert.equal(res.statusCode, 404);
  assert.equal(res.json().error.code, 'not_found');
});
