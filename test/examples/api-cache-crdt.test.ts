import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterNode } from '../../packages/runtime/src/cluster/node.ts';
import { startNode } from '../../packages/runtime/src/cluster/node.ts';
import type { CacheService } from '../../examples/api-cache/service.ts';
import { startCacheService } from '../../examples/api-cache/service.ts';
import type { TodoServer } from '../../examples/api-cache/upstream.ts';
import { startTodoServer } from '../../examples/api-cache/upstream.ts';
import { COOKIE, startMeshed, stopAll, waitFor } from './helpers.ts';

interface Crdt {
  readonly server: TodoServer;
  readonly nodes: ClusterNode[];
  readonly services: CacheService[];
}

async function crdtCluster(t: { after: (fn: () => Promise<void>) => void }): Promise<Crdt> {
  const server = await startTodoServer({ latencyMs: 5 });
  const nodes = await startMeshed(['a', 'b', 'c']);
  const services = await Promise.all(
    nodes.map((node) => startCacheService({ node, mode: 'crdt', upstream: server.url })),
  );
  const c = { server, nodes, services };
  t.after(async () => {
    await Promise.all(c.services.map((s) => s.stop()));
    await stopAll(c.nodes);
    await server.close();
  });
  return c;
}

const cachedEverywhere = (services: readonly CacheService[], count: number) => async () =>
  (await Promise.all(services.map((s) => s.cache.backend.size()))).every((n) => n === count);

test('crdt store: a todo cached on one node replicates, and is then a hit on every node', async (t) => {
  const c = await crdtCluster(t);
  const [a, b, cc] = c.services as [CacheService, CacheService, CacheService];
  assert.equal((await a.cache.fetchTodo(8)).wasCached, false);
  await waitFor(cachedEverywhere(c.services, 1), 5000, 'replicated to every node');
  assert.equal((await b.cache.fetchTodo(8)).wasCached, true);
  assert.equal((await cc.cache.fetchTodo(8)).wasCached, true);
  assert.equal(c.server.hits(8), 1);
});

test('crdt store: a node killed and restarted refills its cache from its peers', async (t) => {
  const c = await crdtCluster(t);
  const [a] = c.services as [CacheService];
  for (const id of [1, 2, 3]) await a.cache.fetchTodo(id);
  await waitFor(cachedEverywhere(c.services, 3), 5000, 'replicated');
  const victim = c.nodes[1]!;
  await victim.stop(); // hard stop: no goodbye; its replica is gone with it
  await c.services[1]!.stop();
  const again = await startNode({ name: 'b', cookie: COOKIE, seeds: [c.nodes[0]!.address] });
  c.nodes[1] = again;
  await waitFor(() => again.nodes().length === 2, 10_000, 'the restarted node rejoins');
  const service = await startCacheService({
    node: again,
    mode: 'crdt',
    upstream: c.server.url,
    awaitRefillMs: 5000,
  });
  c.services[1] = service;
  assert.equal(await service.cache.backend.size(), 3, 'refilled before serving');
  for (const id of [1, 2, 3]) assert.equal((await service.cache.fetchTodo(id)).wasCached, true);
  assert.equal(c.server.hits(), 3, 'nothing was refetched');
});

test("crdt store: both sides of a partition keep caching, and after the heal every node has both sides' todos", async (t) => {
  const c = await crdtCluster(t);
  const [a, b] = c.services as [CacheService, CacheService];
  for (const n of c.nodes) n.faults.partition(['a'], ['b', 'c']);
  await waitFor(() => c.nodes[0]!.nodes().length === 0, 5000, 'partition detected');
  assert.equal((await a.cache.fetchTodo(30)).wasCached, false);
  assert.equal((await b.cache.fetchTodo(31)).wasCached, false);
  assert.equal(
    (await a.cache.fetchTodo(31)).wasCached,
    false,
    'the other side cannot be reached: a miss here',
  );
  for (const n of c.nodes) n.faults.heal();
  await waitFor(cachedEverywhere(c.services, 2), 10_000, 'converged after the heal');
  for (const s of c.services) {
    assert.equal((await s.cache.fetchTodo(30)).wasCached, true);
    assert.equal((await s.cache.fetchTodo(31)).wasCached, true);
  }
  assert.deepEqual([c.server.hits(30), c.server.hits(31)], [1, 2]);
});
