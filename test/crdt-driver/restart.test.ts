// Restarts: a node replaced by a new one on the same port starts empty under a new replica id and
// refills from its peers; a store restarted empty in place does the same, and its change feed
// reports only what really changed meanwhile — never the drop itself.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CrdtDriverAttachedError } from '../../packages/runtime/src/crdt/driver/index.ts';
import { startCrdtStore } from '../../packages/runtime/src/store/crdt-store.ts';
import type { Change } from '../../packages/runtime/src/store/types.ts';
import { contents, startCrdtCluster, waitFor, type TestCluster } from './helpers.ts';

let c: TestCluster;
before(async () => {
  c = await startCrdtCluster(['gotham', 'metropolis', 'capitol']);
  await c.fullMesh();
});
after(() => c.close());

test('a node stopped and a new one started on the same port (empty) refills from its peers', async (t) => {
  const capitol = c.member('capitol');
  for (let i = 0; i < 300; i++) await c.member('gotham').store.table('heroes').put(`h-${i}`, { i });
  await c.converged(5000);
  const oldId = capitol.store.driver.id;

  await c.kill('capitol');
  await c.member('metropolis').store.table('heroes').put('while-down', 1);
  await c.member('gotham').store.table('heroes').delete('h-7');
  const started = Date.now();
  const fresh = await c.restart('capitol');
  assert.notEqual(fresh.store.driver.id, oldId, 'a new incarnation');
  assert.equal(await fresh.store.refilled(10_000), true, 'refilled');
  t.diagnostic(`refilled ${Date.now() - started} ms after the new node started`);
  await c.converged(5000);
  const views = await Promise.all(c.members.map((m) => contents(m.store, 'heroes')));
  assert.equal(new Set(views).size, 1);
  assert.equal((await fresh.store.table('heroes').list()).length, 300);
  assert.equal((await fresh.store.table('heroes').get('while-down'))?.value, 1);
  assert.equal(await fresh.store.table('heroes').get('h-7'), undefined);
  // The refilled replica accepts and spreads writes like any other.
  await fresh.store.table('heroes').put('after-restart', 1);
  await c.converged(5000);
  assert.equal((await c.member('gotham').store.table('heroes').get('after-restart'))?.value, 1);
});

test('restartEmpty refills in place; the feed reports no drop and no unchanged key', async () => {
  const gotham = c.member('gotham');
  await c.converged(5000);
  const before = await contents(gotham.store, 'heroes');
  const changes: Change<unknown>[] = [];
  const off = gotham.store.table('heroes').subscribe((ch) => changes.push(ch));
  const oldId = gotham.store.driver.id;
  const newId = gotham.store.restartEmpty();
  assert.notEqual(newId, oldId);
  assert.equal(await gotham.store.refilled(5000), true);
  await c.converged(5000);
  off();
  assert.equal(await contents(gotham.store, 'heroes'), before);
  assert.deepEqual(changes, [], 'nothing changed for subscribers');
});

test('after restartEmpty cut off from peers, the refill reports what changed meanwhile, once', async () => {
  const gotham = c.member('gotham');
  const metropolis = c.member('metropolis');
  await c.converged(5000);
  const changes: Change<unknown>[] = [];
  const off = gotham.store.table('heroes').subscribe((ch) => changes.push(ch));

  c.partition(['gotham']);
  await waitFor(() => gotham.store.driver.peers().size === 0, 5000, 'gotham sees itself cut off');
  await metropolis.store.table('heroes').delete('h-1');
  await metropolis.store.table('heroes').put('h-2', { i: 2, changed: true });
  gotham.store.restartEmpty();
  assert.equal(await gotham.store.table('heroes').get('h-5'), undefined, 'the new replica starts empty');
  await gotham.store.table('heroes').put('written-while-empty', 1);
  assert.equal(await gotham.store.refilled(200), false, 'no peer to refill from');
  assert.deepEqual(
    changes.map((ch) => ch.key),
    ['written-while-empty'],
  );

  c.heal();
  assert.equal(await gotham.store.refilled(10_000), true);
  await c.converged(5000);
  off();
  const byKey = new Map(changes.map((ch) => [ch.key, ch]));
  assert.equal(changes.length, 3, JSON.stringify(changes));
  assert.equal(byKey.get('h-1')?.value, undefined, 'the delete made meanwhile is reported');
  assert.deepEqual(byKey.get('h-2')?.value, { i: 2, changed: true });
  assert.equal(byKey.get('h-2')?.origin, metropolis.node.name);
  assert.equal((await metropolis.store.table('heroes').get('written-while-empty'))?.value, 1);
  const views = await Promise.all(c.members.map((m) => contents(m.store, 'heroes')));
  assert.equal(new Set(views).size, 1);
});

test('a store closed and opened again on the same node comes back as a new replica', async () => {
  const metropolis = c.member('metropolis');
  await assert.rejects(
    startCrdtStore({ node: metropolis.node }),
    (err: unknown) => err instanceof CrdtDriverAttachedError && err.code === 'CRDT_DRIVER_ATTACHED',
  );
  const oldId = metropolis.store.driver.id;
  await metropolis.store.close();
  await assert.rejects(metropolis.store.table('heroes').get('h-3'), { code: 'unavailable' });
  metropolis.store = await startCrdtStore({ node: metropolis.node, awaitRefillMs: 5000 });
  assert.notEqual(metropolis.store.driver.id, oldId);
  assert.equal(metropolis.store.driver.bootstrapped, true);
  await c.converged(5000);
  assert.deepEqual((await metropolis.store.table('heroes').get('h-3'))?.value, { i: 3 });
});
