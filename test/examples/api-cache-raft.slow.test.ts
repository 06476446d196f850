import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CachedTodo } from '../../examples/api-cache/todo.ts';
import { startTodoServer } from '../../examples/api-cache/upstream.ts';
import type { CacheProc, Info } from './procs.ts';
import { freePort } from '../../src/testing/free-port.ts';
import { getJson, kill9, launch, waitMesh } from './procs.ts';
import { waitFor } from './helpers.ts';

test(
  'three raft cache node processes: a todo cached on one is a hit on all; a member killed with -9 and restarted still has it',
  { timeout: 60_000 },
  async (t) => {
    const root = mkdtempSync(join(tmpdir(), 'api-cache-raft-procs-'));
    const server = await startTodoServer({ latencyMs: 5 });
    const procs: CacheProc[] = [];
    t.after(async () => {
      await Promise.all(procs.map(kill9));
      await server.close();
      rmSync(root, { recursive: true, force: true });
    });
    const names = ['a', 'b', 'c'];
    const ports = await Promise.all(names.map(() => freePort()));
    const voters = names.map((n, i) => `${n}@127.0.0.1:${ports[i]}`).join(',');
    const specs = names.map((name, i) => ({
      name,
      args: [
        '--port',
        String(ports[i]),
        '--voters',
        voters,
        '--store',
        'raft',
        '--data-dir',
        join(root, name),
        '--upstream',
        server.url,
      ],
    }));
    procs.push(...(await Promise.all(specs.map((s) => launch(s)))));
    await waitMesh(procs);
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
