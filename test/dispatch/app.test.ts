/**
 * The dispatch application on in-process nodes over real loopback TCP, sharing one in-memory store
 * (a perfectly available CP store): the game's cluster behaviour, independent of the store's own
 * replication (tested with the real stores in test/multiprocess).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DispatchError } from '../../src/dispatch/service.ts';
import type { DispatchEvent, Hero } from '../../src/dispatch/model.ts';
import { MemoryStore } from '../../packages/runtime/src/store/memory-store.ts';
import { waitFor } from '../cluster/helpers.ts';
import { startCities, stopCities } from './cities.ts';
import type { City } from './cities.ts';

type Member = City<MemoryStore>;

const startAll = (names: string[], store = new MemoryStore()): Promise<Member[]> =>
  startCities(names, { storeMode: 'raft', store: () => store });

test('a hero created on one node is listed and readable on every node, and its actor runs', async () => {
  const members = await startAll(['gotham', 'metropolis', 'capitol']);
  const [gotham, metropolis, capitol] = members as [Member, Member, Member];
  const hero = await gotham.app.service.createHero({ name: 'Captain Falcon' });
  assert.equal(hero.health, 100);
  assert.equal(hero.location, 'home');
  await waitFor(async () =>
    (await metropolis.app.service.listHeroes()).some((h) => h.id === hero.id && h.node !== ''),
  );
  assert.equal((await capitol.app.service.getHero(hero.id)).name, 'Captain Falcon');
  await stopCities(members);
});

test("assign moves the hero's actor to the city's node, +20 health capped at 100", async () => {
  const members = await startAll(['gotham', 'metropolis', 'capitol']);
  const [gotham, metropolis] = members as [Member, Member, Member];
  const hero = await gotham.app.service.createHero({});
  const assigned = await metropolis.app.service.assignHero(hero.id, 'capitol');
  assert.equal(assigned.location, 'capitol');
  assert.equal(assigned.health, 100);
  await waitFor(() => members[2]!.app.placement.localKeys().includes(hero.id), 5000);
  await waitFor(async () => (await gotham.app.service.getHero(hero.id)).node === 'capitol', 5000);
  await stopCities(members);
});

test('unknown heroes are not_found; a city that is not up is city_down (409) naming the cities up', async () => {
  const members = await startAll(['gotham']);
  const [gotham] = members as [Member];
  await assert.rejects(
    gotham.app.service.getHero('00000000-0000-4000-8000-000000000000'),
    (e: unknown) => e instanceof DispatchError && e.code === 'not_found',
  );
  const hero = await gotham.app.service.createHero({});
  await assert.rejects(
    gotham.app.service.assignHero(hero.id, 'atlantis' as never),
    (e: unknown) =>
      e instanceof DispatchError && e.code === 'city_down' && /cities up are gotham/.test(e.message),
  );
  await stopCities(members);
});

test('terminate buries the hero and stops the actor everywhere; the id then answers dead_hero', async () => {
  const members = await startAll(['gotham', 'metropolis']);
  const [gotham, metropolis] = members as [Member, Member];
  const hero = await gotham.app.service.createHero({});
  await metropolis.app.service.terminateHero(hero.id);
  await waitFor(async () => !(await gotham.app.service.listHeroes()).some((h) => h.id === hero.id));
  await waitFor(() => members.every((m) => !m.app.placement.localKeys().includes(hero.id)));
  await assert.rejects(
    gotham.app.service.getHero(hero.id),
    (e: unknown) => (e as DispatchError).code === 'dead_hero',
  );
  await stopCities(members);
});

test('when a node dies its heroes run elsewhere with their health and wins intact', async () => {
  const members = await startAll(['gotham', 'metropolis', 'capitol']);
  const [gotham, metropolis, capitol] = members as [Member, Member, Member];
  const created: Hero[] = [];
  for (let i = 0; i < 6; i++) created.push(await gotham.app.service.createHero({}));
  for (const h of created) await gotham.app.service.assignHero(h.id, 'metropolis');
  await waitFor(() => created.every((h) => metropolis.app.placement.localKeys().includes(h.id)), 5000);
  await waitFor(
    async () => (await gotham.app.service.listHeroes()).filter((h) => h.node === 'metropolis').length === 6,
    5000,
  );
  const before = new Map((await gotham.app.service.listHeroes()).map((h) => [h.id, h]));
  await metropolis.app.placement.stop();
  await metropolis.node.stop();
  await waitFor(
    () =>
      created.every(
        (h) =>
          gotham.app.placement.localKeys().includes(h.id) || capitol.app.placement.localKeys().includes(h.id),
      ),
    5000,
  );
  await waitFor(
    async () => (await gotham.app.service.listHeroes()).every((h) => h.node !== 'metropolis'),
    5000,
  );
  for (const h of created) {
    const now = await gotham.app.service.getHero(h.id);
    const was = before.get(h.id)!;
    assert.equal(now.fightsWon, was.fightsWon);
    assert.equal(now.health, was.health);
    assert.equal(now.fightsLost, was.fightsLost);
    assert.notEqual(now.node, 'metropolis');
  }
  await stopCities([gotham, capitol]);
});

test('destroy city: restarted up to 3 times in 5 s, the 4th crash takes the node down', async () => {
  const members = await startAll(['gotham', 'metropolis']);
  const [gotham, metropolis] = members as [Member, Member];
  for (let i = 0; i < 3; i++) {
    await metropolis.app.service.destroyCity('gotham');
    await waitFor(() => gotham.node.system.whereis('city') !== undefined, 2000);
    await new Promise((r) => setTimeout(r, 30));
  }
  assert.equal(gotham.gaveUp, false);
  await metropolis.app.service.destroyCity('gotham');
  await waitFor(() => gotham.gaveUp, 2000);
  await stopCities(members);
});

test('a hero event makes its hero when a listener first reads it, once: a node whose listeners skip hero events looks up no placement', async (t) => {
  const members = await startAll(['gotham']);
  t.after(() => stopCities(members));
  const [gotham] = members as [Member];
  const placement = gotham.app.placement;
  let lookups = 0;
  const whereis = placement.whereis.bind(placement);
  placement.whereis = (key: string) => {
    lookups++;
    return whereis(key);
  };
  const events: DispatchEvent[] = [];
  const off = gotham.app.service.subscribe((e) => {
    if (e.type === 'hero') events.push(e);
  });
  const hero = await gotham.app.service.createHero({ name: 'Lazy Larry' });
  await waitFor(() => events.length > 0);
  off();
  const event = events[0]!;
  assert.equal(event.type, 'hero');
  const before = lookups;
  const made = event.type === 'hero' ? event.hero : undefined;
  assert.equal(lookups, before + 1, 'the placement is looked up when the hero is read');
  assert.equal(made?.id, hero.id);
  assert.equal(made?.name, 'Lazy Larry');
  assert.equal(event.type === 'hero' ? event.hero : undefined, made, 'the same hero on a second read');
  assert.equal(lookups, before + 1, 'and no second look-up');
  assert.deepEqual(JSON.parse(JSON.stringify(event)), {
    type: 'hero',
    hero: JSON.parse(JSON.stringify(made)),
  });
});
