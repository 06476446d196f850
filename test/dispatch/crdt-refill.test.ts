/**
 * An absent record is not a death (crdt mode): when the replica of the node a hero's actor runs on
 * restarts empty (a destroyed city loses its disk) and has not refilled yet, the actor refuses what
 * needs the record — 503, nothing written — instead of answering dead_hero. Regression (crdt
 * nemesis, CI-like run): a terminate answered 409 dead_hero from such a replica wrote no tombstone,
 * and the hero was alive on every node at the end ("acknowledged delete undone"); an assignment
 * there stopped the actor of a live hero.
 *
 * Nor does an absent record mean "never existed" while the replica refills: the service and the
 * HTTP API answer a read of such a hero 503 unavailable (with Retry-After), not 404, until a peer
 * has filled the replica; then 200, and 404 for an id that never existed.
 */
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assignHeroTo, heroIn, terminateHeroActor } from '../../src/dispatch/hero-actor.ts';
import { DispatchError } from '../../src/dispatch/service.ts';
import { createWebServer } from '../../src/dispatch/web/index.ts';
import { waitFor } from '../../packages/runtime/src/testing/wait-for.ts';
import { crdtPairWithHero } from './cities.ts';

const is = (code: string) => (e: unknown) => e instanceof DispatchError && e.code === code;

test('crdt: an actor whose replica restarted empty refuses with 503 until it refilled, then terminates for real', async (t) => {
  const { cities, hero, runner, other } = await crdtPairWithHero(t, 'Agent Lynx');
  await waitFor(
    async () => (await other.store.table('heroes').get(hero.id)) !== undefined,
    10_000,
    'the other replica holds the hero',
  );

  // Cut off, then the runner's replica loses its state: it cannot refill while cut off.
  for (const c of cities) c.node.faults.isolate(runner.node.name);
  await waitFor(() => runner.node.nodes().length === 0, 15_000, 'cut seen');
  runner.store.restartEmpty();
  assert.equal(await runner.store.table('heroes').get(hero.id), undefined, 'the replica is empty');
  const ref = heroIn(runner.app.placement, hero.id);
  await assert.rejects(terminateHeroActor(runner.node.system, ref), is('unavailable'));
  await assert.rejects(assignHeroTo(runner.node.system, ref, 'home'), is('unavailable'));
  assert.ok(runner.app.placement.localKeys().includes(hero.id), 'the actor of the live hero still runs');

  // Healed and refilled: the hero is alive, and a terminate now buries it everywhere.
  for (const c of cities) c.node.faults.heal();
  await waitFor(
    async () => (await runner.store.table('heroes').get(hero.id)) !== undefined,
    20_000,
    'refilled',
  );
  assert.equal((await other.app.service.getHero(hero.id)).name, 'Agent Lynx');
  await runner.app.service.terminateHero(hero.id);
  await waitFor(
    async () => {
      for (const c of cities)
        if (!(await c.app.service.getHero(hero.id).then(() => false, is('dead_hero')))) return false;
      return true;
    },
    20_000,
    'dead on every node',
  );
});

test('crdt: a hero read on a city whose replica is refilling answers 503 unavailable, not 404; once refilled, 200, and a never-created id 404', async (t) => {
  const { cities, hero, other } = await crdtPairWithHero(t, 'Agent Kestrel');
  await waitFor(
    async () => (await other.store.table('heroes').get(hero.id)) !== undefined,
    10_000,
    'the other replica holds the hero',
  );
  const web = createWebServer(other.app.service);
  t.after(() => web.close());
  const httpGet = (id: string) => web.inject({ method: 'GET', url: `/api/heroes/${id}` });
  const never = randomUUID();
  assert.equal(other.store.refilling(), false, 'filled from its peer at the start');

  // Cut off, then the replica loses its state: it cannot refill while cut off.
  for (const c of cities) c.node.faults.isolate(other.node.name);
  await waitFor(() => other.node.nodes().length === 0, 15_000, 'cut seen');
  other.store.restartEmpty();
  assert.equal(await other.store.table('heroes').get(hero.id), undefined, 'the replica is empty');
  assert.equal(other.store.refilling(), true, 'its peer holds what it lost');

  await assert.rejects(other.app.service.getHero(hero.id), is('unavailable'));
  await assert.rejects(other.app.service.getHero(never), is('unavailable'), 'it cannot tell yet');
  await assert.rejects(other.app.service.terminateHero(hero.id), is('unavailable'));
  const refused = await httpGet(hero.id);
  assert.equal(refused.statusCode, 503);
  assert.equal(refused.headers['retry-after'], '1');
  assert.equal((refused.json() as { error: { code: string } }).error.code, 'unavailable');

  // Healed and refilled: the hero is there (the refused terminate wrote nothing), the unknown id is 404.
  for (const c of cities) c.node.faults.heal();
  await waitFor(() => !other.store.refilling(), 20_000, 'refilled');
  assert.equal((await other.app.service.getHero(hero.id)).name, 'Agent Kestrel');
  const ok = await httpGet(hero.id);
  assert.equal(ok.statusCode, 200);
  assert.equal((ok.json() as { id: string }).id, hero.id);
  await assert.rejects(other.app.service.getHero(never), is('not_found'));
  const missing = await httpGet(never);
  assert.equal(missing.statusCode, 404);
  assert.equal((missing.json() as { error: { code: string } }).error.code, 'not_found');
});
