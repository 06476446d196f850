import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { CachedTodo } from '../../examples/api-cache/todo.ts';
import { todoFor } from '../../examples/api-cache/upstream.ts';
import { getJson, kill9, launch, otherSeeds, startCacheCluster, waitMesh } from './procs.ts';

test(
  'three cache node processes (process, memory and disk stores) in a static-list cluster: after kill -9 and a restart, only the disk node still has the todo cached',
  { timeout: 60_000 },
  async (t) => {
    const modes = ['process', 'memory', 'disk'] as const;
    const { procs, server } = await startCacheCluster(
      t,
      modes.map((mode) => `${mode}-node`),
      (setup) => [
        ...otherSeeds(setup),
        '--store',
        modes[setup.i]!,
        '--data-dir',
        join(setup.root, modes[setup.i]!),
      ],
    );

    for (const p of procs) {
      const first = await getJson<CachedTodo>(p, '/todos/1');
      assert.deepEqual(first, { status: 200, body: { ...todoFor(1), wasCached: false } }, p.name);
      assert.equal((await getJson<CachedTodo>(p, '/todos/1')).body.wasCached, true, p.name);
    }
    assert.equal((await getJson<{ error: { code: string } }>(procs[0]!, '/todos/abc')).status, 400);
    assert.equal(server.hits(1), 3, 'one upstream request per node-local cache');

    await Promise.all(procs.map(kill9));
    await Promise.all(procs.map((p) => launch(p)));
    await waitMesh(procs);
    const after = await Promise.all(
      procs.map(async (p) => [p.name, (await getJson<CachedTodo>(p, '/todos/1')).body.wasCached]),
    );
    assert.deepEqual(after, [
      ['process-node', false],
      ['memory-node', false],
      ['disk-node', true],
    ]);
    assert.equal(server.hits(1), 5);
  },
);
