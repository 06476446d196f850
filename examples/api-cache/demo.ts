/**
 * The API cache in one process: the upstream stand-in on loopback, three cache nodes formed by a
 * static seed list, fetches showing `wasCached`, and the original's four batch strategies timed cold
 * and warm. Run with `node --import tsx examples/api-cache/demo.ts [--store memory] [--latency 20]`;
 * stores: process, memory, disk, crdt, raft.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startNode } from '@superhero-dispatch/runtime/cluster';
import { isCacheMode } from './backend.ts';
import type { CacheService } from './service.ts';
import { fetchOn, startCacheService } from './service.ts';
import { STRATEGIES, range } from './strategies.ts';
import { startTodoServer } from './upstream.ts';

const { values } = parseArgs({
  options: { store: { type: 'string', default: 'memory' }, latency: { type: 'string', default: '20' } },
});
const mode = values.store;
const latencyMs = Number(values.latency);
if (!isCacheMode(mode) || !(latencyMs >= 0)) {
  console.error('--store is process, memory, disk, crdt or raft; --latency is a number of ms');
  process.exit(2);
}

const upstream = await startTodoServer({ latencyMs });
const dir = mkdtempSync(join(tmpdir(), 'api-cache-demo-'));
const cookie = 'api-cache-demo-cookie';
const a = await startNode({ name: 'a', cookie });
const others = await Promise.all(['b', 'c'].map((name) => startNode({ name, cookie, seeds: [a.address] })));
const nodes = [a, ...others];
while (!nodes.every((n) => n.nodes().length === 2)) await new Promise((resolve) => setTimeout(resolve, 10));
const voters = nodes.map((n) => n.name);
const services: CacheService[] = await Promise.all(
  nodes.map((node) =>
    startCacheService({ node, mode, upstream: upstream.url, voters, dataDir: join(dir, node.shortName) }),
  ),
);
while (!services.every((s) => s.cache.backend.ready()))
  await new Promise((resolve) => setTimeout(resolve, 20));
console.log(
  `# three nodes (${nodes.map((n) => n.name).join(', ')}), store: ${mode}, upstream latency ${latencyMs} ms\n`,
);

const cacheA = services[0]!.cache;
const show = (where: string, r: { id: number; title: string; wasCached: boolean }): void =>
  console.log(`${where.padEnd(28)} todo ${r.id} "${r.title}"  wasCached: ${r.wasCached}`);
show('a: fetchTodo(1)', await cacheA.fetchTodo(1));
show('a: fetchTodo(1)', await cacheA.fetchTodo(1));
show('b: fetchOn(a, 1)', await fetchOn(nodes[1]!.system, a.name, 1));
if (mode === 'crdt') {
  // Replication is asynchronous: give the push a moment to reach b.
  for (let i = 0; i < 100 && (await services[1]!.cache.backend.size()) === 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
show('b: fetchTodo(1) on its own', await services[1]!.cache.fetchTodo(1));
console.log(
  mode === 'raft' || mode === 'crdt'
    ? `  (${mode}: one replicated table, so b hits what a cached)\n`
    : '  (node-local store: b has its own table, as ETS)\n',
);

console.log('# the four batch strategies on node a, todos 21..40 (cold, then warm)');
let offset = 20;
for (const [name, strategy] of Object.entries(STRATEGIES)) {
  const ids = range(offset + 1, offset + 20);
  offset += 20;
  for (const pass of ['cold', 'warm']) {
    const t0 = performance.now();
    const results = await strategy(ids, (id) => cacheA.fetchTodo(id));
    const ms = (performance.now() - t0).toFixed(1);
    const cached = results.filter((r) => r.ok && r.todo.wasCached).length;
    console.log(`  ${name.padEnd(26)} ${pass}: ${ms.padStart(7)} ms, ${cached}/20 from the cache`);
  }
}
console.log(
  `\nupstream requests in all: ${upstream.hits()}; a's counters: ${JSON.stringify(cacheA.stats())}`,
);

await Promise.all(services.map((s) => s.stop()));
await Promise.all(nodes.map((n) => n.stop()));
await upstream.close();
rmSync(dir, { recursive: true, force: true });
