/**
 * The dispatch application asks the store layer for group commit (`groupCommit: true`): over a
 * store with transactions (here a one-member Raft store) every hero write goes through it and
 * commits before it resolves; over a store without transactions (as the CRDT store) each write
 * goes alone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '../../packages/runtime/src/store/memory-store.ts';
import type { RaftStore } from '../../packages/runtime/src/store/raft-store.ts';
import { startRaftStore } from '../../packages/runtime/src/store/raft-store.ts';
import { startCities, stopCities } from './cities.ts';

test('raft mode: hero writes go through group commit, an assignment with its placement, all committed when they resolve', async () => {
  const [gotham] = await startCities<RaftStore>(['gotham'], {
    storeMode: 'raft',
    store: async (node) => {
      const store = await startRaftStore({ node, voters: [node.name] });
      await store.waitForLeader(10_000);
      return store;
    },
    extra: () => ({ groupCommit: true }),
  });
  try {
    const commits = gotham!.app.groupCommit;
    assert.ok(commits, 'a store with transactions gets group commit');
    const hero = await gotham!.app.service.createHero({ name: 'Lady Nova' });
    assert.ok(commits.stats.writes >= 1, `the create went through it (${commits.stats.writes})`);
    assert.ok(commits.stats.batches >= 1 && commits.stats.batches <= commits.stats.writes);
    // An assignment is one transaction of the hero record and its placement record, not batched.
    const assigned = await gotham!.app.service.assignHero(hero.id, 'gotham');
    const stored = await gotham!.store.table<{ location: string }>('heroes').get(hero.id);
    assert.equal(stored?.value.location, assigned.location, 'the assignment was committed');
    const placed = await gotham!.store.table<{ args: unknown }>('placement').get(hero.id);
    assert.deepEqual(placed?.value.args, { location: 'gotham' }, 'and its placement with it');
  } finally {
    await stopCities([gotham!], true);
  }
});

test('a store without transactions gets no group commit: each hero write goes alone', async () => {
  const [gotham] = await startCities<MemoryStore>(['gotham'], {
    storeMode: 'crdt',
    store: () => new MemoryStore(),
    extra: () => ({ groupCommit: true }),
  });
  try {
    assert.equal(gotham!.app.groupCommit, undefined);
    const hero = await gotham!.app.service.createHero({ name: 'Iron Comet' });
    assert.equal((await gotham!.store.table('heroes').get(hero.id))?.key, hero.id);
  } finally {
    await stopCities([gotham!], true);
  }
});
