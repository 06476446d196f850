import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CachedTodo } from '../../examples/api-cache/todo.ts';
import type { CacheProc, Info } from './procs.ts';
import { getJson, kill9, launch, otherSeeds, startCacheCluster, waitMesh } from './procs.ts';
import { waitFor } from './helpers.ts';

test(
  'three crdt cache node processes: a todo cached on one replicates to all; a node killed with -9 and restarted is refilled from its peers',
  { timeout: 60_000 },
  async (t) => {
    const { procs, server } = await startCacheCluster(t, ['a', 'b', 'c'], (setup) => [
      ...otherSeeds(setup),
      '--store',
      'crdt',
    ]);
    const [a, b, c] = procs as [CacheProc, CacheProc, CacheProc];

    for (const id of [1, 2, 3])
      assert.equal((await getJson<CachedTodo>(a, `/todos/${id}`)).body.wasCached, false);
    await waitFor(
      async () =>
        (await Promise.all(procs.map((p) => getJson<Info>(p, '/info')))).every((i) => i.body.size === 3),
      10_000,
      'replicated to every node',
    );
    assert.equal((await getJson<CachedTodo>(c, '/todos/2')).body.wasCached, true);

    await kill9(b);
    await launch(b); // starts with an empty replica, waits for a peer's copy before serving
    await waitMesh(procs);
    assert.equal((await getJson<Info>(b, '/info')).body.size, 3, 'refilled from its peers');
    for (const id of [1, 2, 3])
      assert.equal((await getJson<CachedTodo>(b, `/todos/${id}`)).body.wasCached, true);
    assert.equal(server.hits(), 3, 'nothing was refetched');
  },
);

test(
  'three crdt cache node processes with data directories, all killed with -9 at once and restarted: everything cached is still cached',
  { timeout: 90_000 },
  async (t) => {
    const { procs, server } = await startCacheCluster(t, ['a', 'b', 'c'], (setup) => [
      ...otherSeeds(setup),
      '--store',
      'crdt',
      '--data-dir',
      `${setup.root}/node-${setup.i}`,
    ]);
    for (const [i, id] of [1, 2, 3, 4, 5, 6].entries())
      assert.equal((await getJson<CachedTodo>(procs[i % 3]!, `/todos/${id}`)).body.wasCached, false);
    await Promise.all(procs.map(kill9));
    await Promise.all(procs.map((p) => launch(p)));
    await waitMesh(procs);
    for (const p of procs)
      assert.equal((await getJson<Info>(p, '/info')).body.size, 6, `${p.name} kept its cache`);
    for (const p of procs)
      for (const id of [1, 2, 3, 4, 5, 6])
        assert.equal((await getJson<CachedTodo>(p, `/todos/${id}`)).body.wasCached, true, `${p.name} ${id}`);
    assert.equal(server.hits(), 6, 'nothing was refetched');
  },
);
