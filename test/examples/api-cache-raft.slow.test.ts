import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { CachedTodo } from '../../examples/api-cache/todo.ts';
import type { CacheProc, Info } from './procs.ts';
import { getJson, kill9, launch, startCacheCluster, waitMesh } from './procs.ts';
import { waitFor } from './helpers.ts';

test(
  'three raft cache node processes: a todo cached on one is a hit on all; a member killed with -9 and restarted still has it',
  { timeout: 60_000 },
  async (t) => {
    const names = ['a', 'b', 'c'];
    const { procs, server } = await startCacheCluster(t, names, ({ i, ports, root }) => [
      '--voters',
      names.map((n, j) => `${n}@127.0.0.1:${ports[j]}`).join(','),
      '--store',
      'raft',
      '--data-dir',
      join(root, names[i]!),
    ]);
    const [a, b, c] = procs as [CacheProc, CacheProc, CacheProc];

    assert.equal((await getJson<CachedTodo>(a, '/todos/1')).body.wasCached, false);
    assert.equal((await getJson<CachedTodo>(b, '/todos/1')).body.wasCached, true);
    assert.equal((await getJson<CachedTodo>(c, '/todos/1')).body.wasCached, true);

    await kill9(b);
    // Two of three keep the quorum: caching goes on while b is down.
    await waitFor(
      async () => (await getJson<Info>(a, '/info')).body.peers.length === 1,
      10_000,
      'b seen down',
    );
    await waitFor(async () => (await getJson<Info>(a, '/info')).body.ready, 10_000, 'quorum of two');
    assert.equal((await getJson<CachedTodo>(a, '/todos/2')).body.wasCached, false);

    await launch(b);
    await waitMesh(procs);
    assert.equal((await getJson<CachedTodo>(b, '/todos/1')).body.wasCached, true, 'written before the kill');
    assert.equal(
      (await getJson<CachedTodo>(b, '/todos/2')).body.wasCached,
      true,
      'written while it was down',
    );
    assert.equal(server.hits(1) + server.hits(2), 2, 'upstream asked once per todo');
    const info = await getJson<Info>(b, '/info');
    assert.equal(info.body.stats.storeErrors, 0);
  },
);
