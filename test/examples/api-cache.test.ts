import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStore } from '../../packages/runtime/src/store/memory-store.ts';
import { StoreError } from '../../packages/runtime/src/store/types.ts';
import type { CacheBackend, CacheMode } from '../../examples/api-cache/backend.ts';
import { storeBackend } from '../../examples/api-cache/backend.ts';
import { TodoCache } from '../../examples/api-cache/cache.ts';
import {
  InvalidTodoIdError,
  TodoNotFoundError,
  UpstreamError,
  UpstreamTimeoutError,
} from '../../examples/api-cache/errors.ts';
import { startProcessBackend } from '../../examples/api-cache/process-state.ts';
import { cacheInfoOn, fetchOn, startCacheService } from '../../examples/api-cache/service.ts';
import type { TodoServer } from '../../examples/api-cache/upstream.ts';
import { startTodoServer, todoFor } from '../../examples/api-cache/upstream.ts';
import { startDnsServer } from '../cluster/dns-server.ts';
import {
  discoveryFromSpecs,
  parseDiscoverySpecs,
} from '../../packages/runtime/src/cluster/discovery/spec.ts';
import { startNode } from '../../packages/runtime/src/cluster/node.ts';
import { COOKIE, startApart, startMeshed, stopAll, waitFor } from './helpers.ts';

async function withUpstream(
  t: { after: (fn: () => Promise<void>) => void },
  latencyMs = 5,
): Promise<TodoServer> {
  const server = await startTodoServer({ latencyMs });
  t.after(() => server.close());
  return server;
}

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'api-cache-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('the upstream stand-in serves /todos/:id like jsonplaceholder, after its latency, and counts requests', async (t) => {
  const server = await withUpstream(t, 1);
  const res = await fetch(`${server.url}/todos/3`);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { userId: 1, id: 3, title: todoFor(3).title, completed: true });
  assert.equal((await fetch(`${server.url}/todos/201`)).status, 404);
  assert.equal((await fetch(`${server.url}/users/1`)).status, 404);
  assert.equal(server.hits(3), 1);
  assert.equal(server.hits(), 2);
  // Latency is applied: a request counted under a long latency is still unanswered after a later
  // request, sent once the first was counted, has had its whole round trip without latency.
  server.setLatency(600_000);
  let heldSettled = false;
  const held = fetch(`${server.url}/todos/5`).finally(() => (heldSettled = true));
  await waitFor(() => server.hits(5) === 1, 10_000, 'the held request reached the server');
  server.setLatency(0);
  assert.equal((await fetch(`${server.url}/todos/6`)).status, 200);
  assert.equal(heldSettled, false, 'the first answer is still held by its latency');
  await server.close();
  await assert.rejects(held, 'closing the server ends the held request');
});

for (const mode of ['process', 'memory', 'disk'] as const) {
  test(`${mode} store: the first fetch comes from upstream (wasCached false), the next ones from the cache (wasCached true)`, async (t) => {
    const server = await withUpstream(t);
    const [node] = await startApart([`cache-${mode}`]);
    t.after(() => node!.stop());
    const service = await startCacheService({ node: node!, mode, upstream: server.url, dataDir: tempDir(t) });
    t.after(() => service.stop());
    const first = await service.cache.fetchTodo(7);
    assert.deepEqual(first, { ...todoFor(7), wasCached: false });
    assert.deepEqual(await service.cache.fetchTodo(7), { ...todoFor(7), wasCached: true });
    assert.deepEqual(await service.cache.fetchTodo(7), { ...todoFor(7), wasCached: true });
    assert.equal(server.hits(7), 1, 'upstream asked once');
    assert.deepEqual(service.cache.stats(), { hits: 2, misses: 1, storeErrors: 0 });
    assert.equal(await service.cache.backend.size(), 1);
  });
}

test('bad ids are refused without asking upstream; a 404 is TodoNotFoundError and caches nothing', async (t) => {
  const server = await withUpstream(t);
  const cache = new TodoCache({ backend: storeBackend(new MemoryStore()), upstream: server.url });
  for (const bad of [0, -1, 1.5, 201, Number.NaN])
    await assert.rejects(cache.fetchTodo(bad), InvalidTodoIdError);
  assert.equal(server.hits(), 0);
  const notFound = new TodoCache({
    backend: storeBackend(new MemoryStore()),
    upstream: server.url,
    fetch: (input, init) => fetch(String(input).replace('/todos/9', '/todos/999'), init),
  });
  await assert.rejects(notFound.fetchTodo(9), TodoNotFoundError);
  assert.equal(await notFound.backend.size(), 0);
});

test('upstream failures are typed: a refused connection, a timeout, a body that is not a todo', async (t) => {
  const server = await withUpstream(t, 300);
  const refused = new TodoCache({ backend: storeBackend(new MemoryStore()), upstream: 'http://127.0.0.1:1' });
  await assert.rejects(
    refused.fetchTodo(1),
    (err: unknown) => err instanceof UpstreamError && err.code === 'upstream_failed',
  );
  const slow = new TodoCache({
    backend: storeBackend(new MemoryStore()),
    upstream: server.url,
    fetchTimeoutMs: 50,
  });
  await assert.rejects(slow.fetchTodo(1), UpstreamTimeoutError);
  const garbled = new TodoCache({
    backend: storeBackend(new MemoryStore()),
    upstream: server.url,
    fetch: () => Promise.resolve(new Response(JSON.stringify({ id: 1, title: 3 }), { status: 200 })),
  });
  await assert.rejects(garbled.fetchTodo(1), /not a todo/);
  assert.equal(await garbled.backend.size(), 0);
});

test('concurrent fetches of one id on one node share one upstream request', async (t) => {
  const server = await withUpstream(t, 30);
  const cache = new TodoCache({ backend: storeBackend(new MemoryStore()), upstream: server.url });
  const all = await Promise.all(Array.from({ length: 10 }, () => cache.fetchTodo(5)));
  assert.equal(server.hits(5), 1);
  assert.ok(all.every((r) => r.wasCached === false && r.id === 5));
  assert.equal((await cache.fetchTodo(5)).wasCached, true);
});

test('a store that fails is bypassed: the record comes from upstream with wasCached false and the failure is counted', async (t) => {
  const server = await withUpstream(t);
  const broken: CacheBackend = {
    mode: 'raft',
    get: () => Promise.reject(new StoreError('no_quorum', 'no quorum')),
    put: () => Promise.reject(new StoreError('no_quorum', 'no quorum')),
    size: () => Promise.resolve(0),
    ready: () => false,
    close: () => Promise.resolve(),
  };
  const cache = new TodoCache({ backend: broken, upstream: server.url });
  assert.deepEqual(await cache.fetchTodo(2), { ...todoFor(2), wasCached: false });
  assert.deepEqual(await cache.fetchTodo(2), { ...todoFor(2), wasCached: false });
  assert.deepEqual(cache.stats(), { hits: 0, misses: 2, storeErrors: 4 });
});

test('the process store is one actor per node; its data goes with it', async (t) => {
  const [node] = await startApart(['process-store']);
  t.after(() => node!.stop());
  const backend = await startProcessBackend(node!.system);
  await backend.put(1, todoFor(1));
  assert.deepEqual(await backend.get(1), todoFor(1));
  assert.equal(await backend.size(), 1);
  assert.ok(node!.system.whereis('api-cache-state'));
  await backend.close();
  assert.equal(node!.system.whereis('api-cache-state'), undefined);
});

test('a static-list cluster: node-local stores cache per node, and any node can fetch through another node', async (t) => {
  const server = await withUpstream(t);
  const nodes = await startMeshed(['a', 'b', 'c']);
  t.after(() => stopAll(nodes));
  const services = await Promise.all(
    nodes.map((node) => startCacheService({ node, mode: 'memory', upstream: server.url })),
  );
  t.after(() => Promise.all(services.map((s) => s.stop())));
  const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
  assert.equal((await fetchOn(b.system, a.name, 11)).wasCached, false);
  assert.equal((await fetchOn(b.system, a.name, 11)).wasCached, true, "a's cache, reached from b");
  assert.equal(
    (await services[1]!.cache.fetchTodo(11)).wasCached,
    false,
    "b's own table is separate (as ETS)",
  );
  const info = await cacheInfoOn(b.system, a.name);
  assert.deepEqual(info, {
    node: a.name,
    mode: 'memory',
    size: 1,
    stats: { hits: 1, misses: 1, storeErrors: 0 },
  });
  await assert.rejects(
    fetchOn(b.system, a.name, 0),
    (err: unknown) => (err as { code?: string }).code === 'invalid_id',
  );
});

for (const mode of ['process', 'memory', 'disk'] as const satisfies readonly CacheMode[]) {
  const survives = mode === 'disk';
  test(`${mode} store: after the node is killed and restarted, a cached todo is ${survives ? 'still cached (wasCached true)' : 'refetched (wasCached false)'}`, async (t) => {
    const server = await withUpstream(t);
    const dataDir = tempDir(t);
    const first = await startNode({ name: 'restarting', cookie: COOKIE });
    const port = first.address.port;
    const before = await startCacheService({ node: first, mode, upstream: server.url, dataDir });
    assert.equal((await before.cache.fetchTodo(4)).wasCached, false);
    assert.equal((await before.cache.fetchTodo(4)).wasCached, true);
    await first.stop(); // hard stop: actors killed, no goodbye; the disk store was fsynced per write
    await before.cache.backend.close();
    const again = await startNode({ name: 'restarting', cookie: COOKIE, port });
    t.after(() => again.stop());
    const after = await startCacheService({ node: again, mode, upstream: server.url, dataDir });
    t.after(() => after.stop());
    assert.equal((await after.cache.fetchTodo(4)).wasCached, survives);
    assert.equal(server.hits(4), survives ? 1 : 2);
  });
}

test('a cluster formed by local UDP gossip (no seed list) serves the cache across nodes', async (t) => {
  const server = await withUpstream(t);
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const gossipPort = socket.address().port;
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  const discovery = discoveryFromSpecs(parseDiscoverySpecs(`gossip:${gossipPort}:127.255.255.255`), {
    gossipIntervalMs: 100,
  });
  const nodes = await Promise.all(
    ['g1', 'g2', 'g3'].map((name) => startNode({ name, cookie: COOKIE, discovery })),
  );
  t.after(() => stopAll(nodes));
  await waitFor(() => nodes.every((n) => n.nodes().length === 2), 10_000, 'mesh by gossip');
  const services = await Promise.all(
    nodes.map((node) => startCacheService({ node, mode: 'process', upstream: server.url })),
  );
  t.after(() => Promise.all(services.map((s) => s.stop())));
  const [g1, g2, g3] = nodes as [(typeof nodes)[0], (typeof nodes)[0], (typeof nodes)[0]];
  assert.equal((await fetchOn(g1.system, g3.name, 20)).wasCached, false);
  assert.equal((await fetchOn(g2.system, g3.name, 20)).wasCached, true);
});

test('a cluster formed by DNS SRV records (no seed list) serves the cache across nodes', async (t) => {
  const server = await withUpstream(t);
  const dns = await startDnsServer();
  t.after(() => dns.close());
  const service = '_cache._tcp.todos.test';
  const discovery = discoveryFromSpecs(parseDiscoverySpecs(`dns:${service}:srv`), {
    dnsServers: [dns.address],
    dnsIntervalMs: 100,
  });
  const nodes = await Promise.all(
    ['d1', 'd2', 'd3'].map((name) => startNode({ name, cookie: COOKIE, discovery })),
  );
  t.after(() => stopAll(nodes));
  // The nodes are up before the records exist, as pods are before a headless service lists them.
  dns.set(
    'SRV',
    service,
    nodes.map((node, i) => ({
      type: 'SRV',
      name: service,
      ttl: 5,
      data: { priority: 0, weight: 1, port: node.address.port, target: `pod-${i}.todos.test` },
    })),
  );
  nodes.forEach((node, i) =>
    dns.set('A', `pod-${i}.todos.test`, [
      { type: 'A', name: `pod-${i}.todos.test`, ttl: 5, data: '127.0.0.1' },
    ]),
  );
  await waitFor(() => nodes.every((n) => n.nodes().length === 2), 10_000, 'mesh by DNS');
  const services = await Promise.all(
    nodes.map((node) => startCacheService({ node, mode: 'process', upstream: server.url })),
  );
  t.after(() => Promise.all(services.map((s) => s.stop())));
  const [d1, d2, d3] = nodes as [(typeof nodes)[0], (typeof nodes)[0], (typeof nodes)[0]];
  assert.equal((await fetchOn(d1.system, d3.name, 21)).wasCached, false);
  assert.equal((await fetchOn(d2.system, d3.name, 21)).wasCached, true);
});
