/**
 * Destroy city in crdt mode, in-process: the node's replica shares the City's fate — it restarts
 * empty under a new replica id with the City and refills from its peers (the hook the node process
 * installs, `src/cli/city-fate.ts`). In raft mode nothing but the City restarts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { cityRestartHook } from '../../src/cli/city-fate.ts';
import type { Hero } from '../../src/dispatch/model.ts';
import type { CrdtStore } from '../../packages/runtime/src/store/crdt-store.ts';
import { startCrdtStore } from '../../packages/runtime/src/store/crdt-store.ts';
import { MemoryStore } from '../../packages/runtime/src/store/memory-store.ts';
import { waitFor } from '../cluster/helpers.ts';
import { startCities, stopCities } from './cities.ts';
import type { City } from './cities.ts';

type Member = City<CrdtStore>;

const silent = pino({ level: 'silent' });

const startCrdtCities = (names: string[]): Promise<Member[]> =>
  startCities(names, {
    storeMode: 'crdt',
    store: (node) => startCrdtStore({ node, logger: silent }),
    extra: (city) => ({
      onCityRestart: cityRestartHook(city.store, silent, () => city.restarts++),
    }),
  });

const heroesIn = async (m: Member): Promise<Hero[]> =>
  (await m.store.table<Hero>('heroes').list()).map((v) => v.value).sort((a, b) => a.id.localeCompare(b.id));

test('crdt mode: destroying a city restarts its replica empty under a new id, and it refills from peers', async () => {
  const members = await startCrdtCities(['gotham', 'metropolis', 'capitol']);
  const [gotham, metropolis] = members as [Member, Member, Member];
  try {
    for (const name of ['Lady Nova', 'Iron Comet', 'Night Raven'])
      await metropolis.app.service.createHero({ name });
    await waitFor(async () => (await heroesIn(gotham)).length === 3, 10_000); // replicated to gotham
    const before = gotham.store.driver.id;

    await metropolis.app.service.destroyCity('gotham');
    await waitFor(() => gotham.restarts === 1, 5000); // the city restarted
    await waitFor(() => gotham.node.system.whereis('city') !== undefined, 5000); // and runs again
    assert.notEqual(gotham.store.driver.id, before, 'a new, empty replica took over');
    assert.equal(await gotham.store.refilled(10_000), true, 'refilled from a peer');
    await waitFor(
      async () => JSON.stringify(await heroesIn(gotham)) === JSON.stringify(await heroesIn(metropolis)),
      10_000,
    ); // gotham holds every hero again, as its peers do
    assert.equal((await heroesIn(gotham)).length, 3);
    // The other replicas were not restarted.
    assert.equal(metropolis.restarts, 0);
  } finally {
    await stopCities(members, true);
  }
});

test('a city restart is counted; a store other than crdt is left alone', async () => {
  const store = new MemoryStore();
  const version = await store.table('heroes').put('h1', { name: 'Lady Nova' });
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
  let counted = 0;
  const hook = cityRestartHook(store, logger, () => counted++);
  hook();
  assert.equal(counted, 1);
  // Its data stays where it was, at the same version, and no replica restart is announced.
  assert.deepEqual(await store.table('heroes').get('h1'), {
    key: 'h1',
    value: { name: 'Lady Nova' },
    version,
  });
  assert.deepEqual(lines, []);
});
