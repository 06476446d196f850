import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, heroes, startDispatchCluster } from './dispatch-cluster.ts';
import type { HeroJson } from './dispatch-cluster.ts';
import { waitFor } from './procs.ts';

test(
  'crdt mode: both sides of a partition keep working and converge after the heal; no hero duplicated',
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
    // Each hero's actor runs on exactly one node once the duplicates of the partition are resolved:
    // the ids every node hosts (asked of each node itself), put together, are exactly the ids of
    // the live heroes as every node lists them – none twice, none missing.
    let last = '';
    const healed = Date.now();
    await waitFor(
      async () => {
        const hosted = await Promise.all(
          cluster.procs.map(async (p) => {
            const r = await api(p, 'GET', '/api/hosted');
            return r.status === 200 ? (r.json as { heroes: string[] }).heroes : [`<${p.name}: ${r.status}>`];
          }),
        );
        const running = hosted.flat().sort();
        const lists = await Promise.all(
          cluster.procs.map(async (p) => (await heroes(p)).map((h) => h.id).sort()),
        );
        const dup = running.filter((id, i) => running[i - 1] === id);
        const missing = lists[0]!.filter((id) => !running.includes(id));
        const extra = running.filter((id) => !lists[0]!.includes(id));
        last = `hosted ${hosted.map((h) => h.length).join(' + ')} for ${lists[0]!.length} heroes; duplicated ${JSON.stringify(dup)}, missing ${JSON.stringify(missing)}, not live ${JSON.stringify(extra)}`;
        return lists.every((ids) => JSON.stringify(ids) === JSON.stringify(running));
      },
      90_000,
      'every live hero hosted exactly once after the heal',
    ).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}: ${last}`);
    });
    // What gotham's table shows meanwhile (the peers' announcements, which may lag behind).
    const view = (await api(gotham, 'GET', '/api/cluster')).json as {
      nodes: { heroesHosted: number; status: string }[];
    };
    const announced = view.nodes.filter((n) => n.status === 'up').reduce((sum, n) => sum + n.heroesHosted, 0);
    t.diagnostic(
      `after heal: ${last} within ${Date.now() - healed} ms of the converged lists; gotham's table shows ${announced}`,
    );
  },
);
