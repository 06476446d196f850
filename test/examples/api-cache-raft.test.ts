import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClusterNode } from '../../packages/runtime/src/cluster/node.ts';
import { startNode } from '../../packages/runtime/src/cluster/node.ts';
import type { CacheService } from '../../examples/api-cache/service.ts';
import { startCacheService } from '../../examples/api-cache/service.ts';
import { startTodoServer } from '../../examples/api-cache/upstream.ts';
import { COOKIE, connect, waitFor } from './helpers.ts';

interface Member {
  node: ClusterNode;
  service: CacheService;
  readonly name: string;
  readonly port: number;
  readonly dataDir: string;
}

async function startMember(
  name: string,
  port: number,
  dataDir: string,
  voters: string[],
  upstream: string,
  seeds: ClusterNode[],
) {
  const node = await startNode({ name, cookie: COOKIE, port, seeds: seeds.map((s) => s.address) });
  const service = await startCacheService({ node, mode: 'raft', upstream, dataDir, voters });
  return { node, service };
}

async function stopMember(m: Member): Promise<void> {
  await m.service.stop();
  await m.node.stop();
}

test('raft store: a todo cached on one node is a hit on every node, and survives a member restart and a full cluster restart', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'api-cache-raft-'));
  const server = await startTodoServer({ latencyMs: 5 });
  const members: Member[] = [];
  t.after(async () => {
    await Promise.all(members.map((m) => stopMember(m).catch(() => undefined)));
    await server.close();
    rmSync(root, { recursive: true, force: true });
  });
  // Fixed ports: Raft voters are full names, so a restarted member must come back as itself.
  const probes = await Promise.all(['a', 'b', 'c'].map((name) => startNode({ name, cookie: COOKIE })));
  const names = probes.map((p) => p.name);
  const ports = probes.map((p) => p.address.port);
  await Promise.all(probes.map((p) => p.stop()));
  for (const [i, name] of ['a', 'b', 'c'].entries()) {
    const dataDir = join(root, name);
    const { node, service } = await startMember(
      name,
      ports[i]!,
      dataDir,
      names,
      server.url,
      members.map((m) => m.node),
    );
    members.push({ node, service, name, port: ports[i]!, dataDir });
  }
  await connect(members.map((m) => m.node));
  await waitFor(
    () => members.every((m) => m.service.cache.backend.ready()),
    15_000,
    'a leader known to every member',
  );
  const [a, b, c] = members as [Member, Member, Member];

  assert.equal((await a.service.cache.fetchTodo(8)).wasCached, false);
  assert.equal(
    (await b.service.cache.fetchTodo(8)).wasCached,
    true,
    'a linearizable read sees the write at once',
  );
  assert.equal((await c.service.cache.fetchTodo(8)).wasCached, true);
  assert.equal(server.hits(8), 1);

  // Kill b (no goodbye) and bring it back from its data directory.
  await b.node.stop();
  await b.service.stop();
  Object.assign(b, await startMember('b', b.port, b.dataDir, names, server.url, [a.node, c.node]));
  await waitFor(() => b.service.cache.backend.ready(), 15_000, 'b rejoined with a leader');
  assert.equal(
    (await b.service.cache.fetchTodo(8)).wasCached,
    true,
    'the cached todo survived the member restart',
  );

  // Stop everything, start everything again: the logs on disk hold the cache.
  for (const m of members) await stopMember(m);
  for (const m of members) {
    Object.assign(
      m,
      await startMember(
        m.name,
        m.port,
        m.dataDir,
        names,
        server.url,
        members.filter((o) => o !== m).map((o) => o.node),
      ),
    );
  }
  await connect(members.map((m) => m.node));
  await waitFor(
    () => members.every((m) => m.service.cache.backend.ready()),
    15_000,
    'a quorum after the full restart',
  );
  assert.equal(
    (await c.service.cache.fetchTodo(8)).wasCached,
    true,
    'the cached todo survived a full cluster restart',
  );
  assert.deepEqual(c.service.cache.stats().storeErrors, 0);
  assert.equal(server.hits(8), 1, 'upstream was asked once in all');
});
