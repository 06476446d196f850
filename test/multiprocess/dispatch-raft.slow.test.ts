import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, heroes, startDispatchCluster } from './dispatch-cluster.ts';
import type { HeroJson } from './dispatch-cluster.ts';
import { waitFor } from './procs.ts';

test(
  'raft mode: a real 3-node dispatch cluster keeps heroes through kill -9 and refuses minority writes',
  { timeout: 240_000 },
  async (t) => {
    const cluster = await startDispatchCluster(['gotham', 'metropolis', 'capitol'], 'raft');
    t.after(() => cluster.stop());
    const gotham = cluster.byName('gotham');
    const metropolis = cluster.byName('metropolis');
    const capitol = cluster.byName('capitol');

    // create on one node, read on the others
    const created = await api(gotham, 'POST', '/api/heroes', { name: 'Captain Falcon' });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const hero = created.json as HeroJson;
    for (const p of [metropolis, capitol]) {
      const r = await api(p, 'GET', `/api/heroes/${hero.id}`);
      assert.equal(r.status, 200);
      assert.equal((r.json as HeroJson).name, 'Captain Falcon');
    }

    // bad input: 400, a city that is not up: 409; nothing written
    const before = (await heroes(gotham)).length;
    assert.equal(
      (await api(gotham, 'POST', `/api/heroes/${hero.id}/assign`, { location: 'Atlantis!' })).status,
      400,
    );
    assert.equal(
      (await api(gotham, 'POST', `/api/heroes/${hero.id}/assign`, { location: 'atlantis' })).status,
      409,
    );
    assert.equal((await api(gotham, 'GET', '/api/heroes/not-a-uuid')).status, 400);
    assert.equal((await heroes(gotham)).length, before);

    // assign moves the hero's actor to the city's node
    const more: HeroJson[] = [];
    for (let i = 0; i < 5; i++) more.push((await api(capitol, 'POST', '/api/heroes', {})).json as HeroJson);
    for (const h of [hero, ...more]) {
      const r = await api(metropolis, 'POST', `/api/heroes/${h.id}/assign`, { location: 'metropolis' });
      assert.equal(r.status, 200, JSON.stringify(r.json));
    }
    await waitFor(
      async () => (await heroes(gotham)).filter((h) => h.node === 'metropolis').length >= 6,
      20_000,
      'heroes on metropolis',
    );

    // kill -9 metropolis: its heroes run elsewhere, stats not reset
    const snapshot = new Map((await heroes(gotham)).map((h) => [h.id, h]));
    metropolis.child.kill('SIGKILL');
    await waitFor(
      async () => {
        const list = await heroes(gotham);
        return [hero, ...more].every((h) => {
          const now = list.find((x) => x.id === h.id);
          return now !== undefined && now.node !== 'metropolis' && now.node !== '';
        });
      },
      30_000,
      'failover of metropolis heroes',
    );
    for (const h of await heroes(gotham)) {
      const was = snapshot.get(h.id);
      if (!was) continue;
      assert.ok(h.fightsWon >= was.fightsWon && h.fightsLost >= was.fightsLost, `${h.name} kept its fights`);
    }
    const ids = (await heroes(gotham)).map((h) => h.id).sort();
    assert.deepEqual((await heroes(capitol)).map((h) => h.id).sort(), ids, 'no hero lost or duplicated');

    // minority refuses writes: isolate gotham (with metropolis dead, gotham alone is a minority of 3)
    assert.equal((await api(gotham, 'POST', '/api/nodes/gotham/partition')).status, 202);
    await waitFor(
      async () => (await api(gotham, 'POST', '/api/heroes', {})).status === 503,
      20_000,
      'no quorum on the minority',
    );
    const refused = await api(gotham, 'POST', '/api/heroes', {});
    assert.match(JSON.stringify(refused.json), /no quorum/i);
    assert.equal((await api(gotham, 'POST', '/api/nodes/gotham/heal')).status, 202);
    await waitFor(
      async () => (await api(gotham, 'POST', '/api/heroes', {})).status === 201,
      30_000,
      'writes again after heal',
    );
  },
);
