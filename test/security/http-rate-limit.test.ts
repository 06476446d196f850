// The write rate per client of a node's web server: beyond its burst a client's state-changing
// requests get 429 `rate_limited` with `Retry-After`, in the error shape, and the service is not
// asked (nothing written); reads, other clients and (by default) loopback are not limited; a flood
// of refusals is logged as counts, not a line each.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { JSON_HEADERS, captureLogger, errorOf, setup } from '../dispatch-web/helpers.ts';

const create = (app: FastifyInstance, from: string): Promise<LightMyRequestResponse> =>
  app.inject({
    method: 'POST',
    url: '/api/heroes',
    headers: JSON_HEADERS,
    payload: '{}',
    remoteAddress: from,
  });

it('beyond its burst a client gets 429 rate_limited with Retry-After, and nothing is written', async (t) => {
  const { app, service } = setup(t, { limits: { writesPerSecond: 0.01, writeBurst: 3 } });
  for (let i = 0; i < 3; i++) assert.equal((await create(app, '10.0.0.7')).statusCode, 201);
  const writes = service.writes;
  const heroes = (await service.listHeroes()).length;

  const refused = await create(app, '10.0.0.7');
  assert.equal(refused.statusCode, 429);
  assert.equal(errorOf(refused.body).code, 'rate_limited');
  // One token per 100 s at 0.01 per second.
  assert.equal(refused.headers['retry-after'], '100');
  const chaos = await app.inject({
    method: 'POST',
    url: '/api/cities/gotham/destroy',
    remoteAddress: '10.0.0.7',
  });
  assert.equal(chaos.statusCode, 429, 'the chaos routes share the budget');
  assert.equal(service.writes, writes, 'the service was not asked');
  assert.equal((await service.listHeroes()).length, heroes);

  const read = await app.inject({ method: 'GET', url: '/api/heroes', remoteAddress: '10.0.0.7' });
  assert.equal(read.statusCode, 200, 'reads are not limited');
  assert.equal((await create(app, '10.0.0.8')).statusCode, 201, 'another client has its own budget');
});

it('loopback clients are exempt by default, and limited with rateLimitLoopback', async (t) => {
  const open = setup(t, { limits: { writesPerSecond: 0.01, writeBurst: 1 } });
  for (let i = 0; i < 5; i++) assert.equal((await create(open.app, '127.0.0.1')).statusCode, 201);
  assert.equal((await create(open.app, '::1')).statusCode, 201);

  const strict = setup(t, { limits: { writesPerSecond: 0.01, writeBurst: 1, rateLimitLoopback: true } });
  assert.equal((await create(strict.app, '127.0.0.1')).statusCode, 201);
  assert.equal((await create(strict.app, '127.0.0.1')).statusCode, 429);
});

it('IPv6 addresses of one /64 share a budget', async (t) => {
  const { app } = setup(t, { limits: { writesPerSecond: 0.01, writeBurst: 2 } });
  assert.equal((await create(app, '2001:db8:1:2::1')).statusCode, 201);
  assert.equal((await create(app, '2001:db8:1:2::2')).statusCode, 201);
  assert.equal((await create(app, '2001:db8:1:2:ffff::3')).statusCode, 429);
  assert.equal((await create(app, '2001:db8:1:3::1')).statusCode, 201, 'the next /64 is another client');
});

it('writesPerSecond 0 turns the limit off', async (t) => {
  const { app } = setup(t, { limits: { writesPerSecond: 0, writeBurst: 1 } });
  for (let i = 0; i < 5; i++) assert.equal((await create(app, '10.0.0.7')).statusCode, 201);
});

it('a flood of refusals is logged as counts, not one line per refusal', async (t) => {
  const { logger, lines } = captureLogger();
  const { app } = setup(t, { logger, limits: { writesPerSecond: 0.01, writeBurst: 1 } });
  assert.equal((await create(app, '10.0.0.7')).statusCode, 201);
  for (let i = 0; i < 50; i++) assert.equal((await create(app, '10.0.0.7')).statusCode, 429);
  const refusalLines = (): Record<string, unknown>[] =>
    lines.filter((l) => l['msg'] === 'refusing requests over the limits');
  assert.equal(refusalLines().length, 1, 'the first refusal is logged at once, the rest counted');
  assert.deepEqual(refusalLines()[0]?.['refused'], { rate_limited: 1 });
  await app.close();
  assert.equal(refusalLines().length, 2, 'the counted ones are logged when the server closes');
  assert.deepEqual(refusalLines()[1]?.['refused'], { rate_limited: 49 });
});
