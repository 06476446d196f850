import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, heroes, startDispatchCluster } from './dispatch-cluster.ts';
import type { HeroJson } from './dispatch-cluster.ts';
import { waitFor } from './procs.ts';

test(
  'crdt mode: both sides of a partition keep working and converge after the heal',
  { timeout: 240_000 },
  async (t) => {
    const cluster = await startDispatchCluster(['gotham', 'metropolis', 'capitol'], 'crdt');
    t.after(() => cluster.stop());
    const gotham = cluster.byName('gotham');
    const capitol = cluster.byName('capitol');
    const created = await api(gotham, 'POST', '/api/heroes', { name: 'Lady Nova' });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    await waitFor(
      async () => (await heroes(capitol)).some((h) => h.id === (created.json as HeroJson).id),
      10_000,
      'replicated',
    );

    assert.equal((await api(gotham, 'POST', '/api/nodes/gotham/partition')).status, 202);
    await new Promise((r) => setTimeout(r, 2500));
    const cut = await api(gotham, 'POST', '/api/heroes', { name: 'Cut Off' });
    assert.equal(cut.status, 201, 'the minority side stays writable in AP mode');
    const other = await api(capitol, 'POST', '/api/heroes', { name: 'Other Side' });
    assert.equal(other.status, 201);
    assert.equal((await api(gotham, 'POST', '/api/nodes/gotham/heal')).status, 202);
    await waitFor(
      async () => {
        const a = (await heroes(gotham)).map((h) => h.id).sort();
        const b = (await heroes(capitol)).map((h) => h.id).sort();
        return a.length >= 3 && JSON.stringify(a) === JSON.stringify(b);
      },
      30_000,
      'converged after heal',
    );
    // Duplicate hero actors after the heal are resolved by placement; the count of hosted actors is
    // reported as a diagnostic only: under a heavily loaded CI host the nodes' status announcements
    // lagged past 30 s once, so it is not asserted here (see the placement tests for the rule).
    const view = (await api(gotham, 'GET', '/api/cluster')).json as {
      nodes: { heroesHosted: number; status: string }[];
    };
    const hosted = view.nodes.filter((n) => n.status === 'up').reduce((s, n) => s + n.heroesHosted, 0);
    t.diagnostic(`after heal: ${hosted} hero actors hosted for ${(await heroes(gotham)).length} heroes`);
  },
);
