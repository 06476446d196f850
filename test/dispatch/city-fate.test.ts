/**
 * Destroy city in crdt mode, in-process: the node's replica shares the City's fate — it restarts
 * empty under a new replica id with the City and refills from its peers (the hook the node process
 * installs, `src/cli/city-fate.ts`). In raft mode nothing but the City restarts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { cityRestartHook } from '../../src/cli/city-fate.ts';
import type { ClusterNode } from '../../src/cluster/node.ts';
import { startNode } from '../../src/cluster/node.ts';
import type { DispatchApp } from '../../src/dispatch/app.ts';
import { startDispatchApp } from '../../src/dispatch/app.ts';
import type { Hero } from '../../src/dispatch/model.ts';
import type { CrdtStore } from '../../src/store/crdt-store.ts';
import { startCrdtStore } from '../../src/store/crdt-store.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import { COOKIE, waitFor } from '../cluster/helpers.ts';
import { seededRandom } from '../../src/testing/seeded-random.ts';

interface Member {
  node: ClusterNode;
  store: CrdtStore;
  app: DispatchApp;
  restarts: number;
}

const silent = pino({ level: 'silent' });

async function startCrdtCities(names: string[]): Promise<Member[]> {
  const members: Member[] = [];
  for (const [i, name] of names.entries()) {
    const node = await startNode({ name, cookie: COOKIE, seeds: members.map((m) => m.node.address) });
    const store = await startCrdtStore({ node, logger: silent });
    const member = { node, store, restarts: 0 } as Member;
    member.app = await startDispatchApp({
      node,
      store,
      storeMode: 'crdt',
      role: 'city',
      url: `http://127.0.0.1:${4900 + i}`,
      control: () => Promise.resolve(),
      onGiveUp: () => undefined,
      onCityRestart: cityRestartHook(store, silent, () => member.restarts++),
      rng: seededRandom(i + 1),
      heroTickMs: 60_000,
      cityTickMs: 60_000,
    });
    members.push(member);
  }
  await waitFor(() => members.every((m) => m.node.nodes().length === names.length - 1), 10_000);
  return members;
}

async function stopAll(members: Member[]): Promise<void> {
  for (const m of members) {
    await m.app.placement.stop();
    await m.store.close();
    await m.node.stop();
  }
}

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
    await stopAll(members);
  }
});

test('a city restart is counted; a store other than crdt is left alone', () => {
  const store = new MemoryStore();
  let counted = 0;
  const hook = cityRestartHook(store, silent, () => counted++);
  hook();
  assert.equal(counted, 1);
  assert.equal(store.role(), 'local');
});
