// Three nodes over loopback TCP, each with a CrdtStore: writes made on any node reach every
// replica, concurrent writes resolve the same way everywhere, and each replica's change feed
// reports remote writes once, with the writer's node as origin.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Change } from '../../packages/runtime/src/store/types.ts';
import { contents, startCrdtCluster, waitFor, type TestCluster } from './helpers.ts';

let c: TestCluster;
before(async () => {
  c = await startCrdtCluster(['gotham', 'metropolis', 'capitol']);
  await c.fullMesh();
});
after(() => c.close());

test('writes made on several nodes converge on every replica', async (t) => {
  const [a, b, d] = c.members as [(typeof c.members)[0], (typeof c.members)[0], (typeof c.members)[0]];
  for (let i = 0; i < 20; i++) {
    await a.store.table('heroes').put(`a-${i}`, { by: 'gotham', i });
    await b.store.table('heroes').put(`b-${i}`, { by: 'metropolis', i });
    await d.store.table('cities').put(`d-${i}`, { by: 'capitol', i });
  }
  // A delete removes what its replica has seen: wait until metropolis holds gotham's a-3.
  await waitFor(
    async () => (await b.store.table('heroes').get('a-3')) !== undefined,
    5000,
    'a-3 on metropolis',
  );
  await b.store.table('heroes').delete('a-3');
  await d.store.table('heroes').put('a-4', { by: 'capitol', overwrote: 'a-4' });
  const tookMs = await c.converged(5000);
  t.diagnostic(`converged ${tookMs} ms after the last write`);
  const heroes = await Promise.all(c.members.map((m) => contents(m.store, 'heroes')));
  const cities = await Promise.all(c.members.map((m) => contents(m.store, 'cities')));
  assert.equal(new Set(heroes).size, 1, 'every replica holds the same heroes');
  assert.equal(new Set(cities).size, 1, 'every replica holds the same cities');
  const list = await a.store.table('heroes').list();
  assert.equal(list.length, 39, '40 heroes written, one deleted');
  assert.equal(await a.store.table('heroes').get('a-3'), undefined);
  assert.deepEqual((await a.store.table('heroes').get('a-4'))?.value, { by: 'capitol', overwrote: 'a-4' });
  assert.equal((await d.store.table('cities').list()).length, 20, 'tables do not leak into each other');
});

test('a version read on one node is the same on every node and grows with each write', async () => {
  const [a, b] = c.members as [(typeof c.members)[0], (typeof c.members)[0]];
  const v1 = await a.store.table('versions').put('k', 1);
  await c.converged(5000);
  assert.equal((await b.store.table('versions').get('k'))?.version, v1);
  const v2 = await b.store.table('versions').put('k', 2, { expectVersion: v1 });
  assert.ok(v2 > v1, `${v2} > ${v1}`);
  await c.converged(5000);
  const v3 = await a.store.table('versions').put('k', 3, { expectVersion: v2 });
  assert.ok(v3 > v2);
  assert.ok(Number.isSafeInteger(v3));
});

test('concurrent writes of one key resolve to the same value on every replica', async () => {
  for (let round = 0; round < 5; round++) {
    await Promise.all(c.members.map((m) => m.store.table('race').put('k', `${m.short}-${round}`)));
    await c.converged(5000);
    const seen = await Promise.all(c.members.map(async (m) => (await m.store.table('race').get('k'))?.value));
    assert.equal(new Set(seen).size, 1, `round ${round}: ${seen.join(', ')}`);
  }
});

test("each replica's change feed reports a remote write once, with the writer's node as origin", async () => {
  const [a, b, d] = c.members as [(typeof c.members)[0], (typeof c.members)[0], (typeof c.members)[0]];
  const seen = new Map<string, Change<string>[]>();
  const offs = c.members.map((m) => {
    const list: Change<string>[] = [];
    seen.set(m.short, list);
    return m.store.table<string>('feed').subscribe((ch) => list.push(ch));
  });
  const v = await a.store.table<string>('feed').put('k', 'from gotham');
  await waitFor(() => [...seen.values()].every((l) => l.length >= 1), 5000, 'the put everywhere');
  await b.store.table('feed').delete('k');
  await waitFor(() => [...seen.values()].every((l) => l.length >= 2), 5000, 'the delete everywhere');
  await c.converged(5000);
  await new Promise((resolve) => setTimeout(resolve, 1200)); // an anti-entropy round: no repeats
  for (const off of offs) off();
  for (const [short, list] of seen) {
    assert.equal(list.length, 2, `${short} saw ${JSON.stringify(list)}`);
    assert.deepEqual(list[0], {
      table: 'feed',
      key: 'k',
      value: 'from gotham',
      version: v,
      origin: a.node.name,
    });
    assert.equal(list[1]!.value, undefined);
    assert.equal(list[1]!.origin, b.node.name, `${short}: the delete came from metropolis`);
    assert.ok(list[1]!.version > v);
  }
  assert.equal(d.store.role(), 'replica');
  assert.equal(d.store.writable(), true);
  assert.equal(d.store.mode, 'crdt');
});
