import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CachedTodo } from '../../examples/api-cache/todo.ts';
import { startTodoServer, todoFor } from '../../examples/api-cache/upstream.ts';
import type { CacheProc } from './procs.ts';
import { freePort } from '../../src/testing/free-port.ts';
import { getJson, kill9, launch, waitMesh } from './procs.ts';

test(
  'three cache node processes (process, memory and disk stores) in a static-list cluster: after kill -9 and a restart, only the disk node still has the todo cached',
  { timeout: 60_000 },
  async (t) => {
    const root = mkdtempSync(join(tmpdir(), 'api-cache-procs-'));
    const server = await startTodoServer({ latencyMs: 5 });
    const procs: CacheProc[] = [];
    t.after(async () => {
      await Promise.all(procs.map(kill9));
      await server.close();
      rmSync(root, { recursive: true, force: true });
    });
    const modes = ['process', 'memory', 'disk'] as const;
    const ports = await Promise.all(modes.map(() => freePort()));
    const specs = modes.map((mode, i) => ({
      name: `${mode}-node`,
      args: [
        '--port',
        String(ports[i]),
        '--seeds',
        ports
          .filter((_, j) => j !== i)
          .map((p) => `127.0.0.1:${p}`)
          .join(','),
        '--store',
        mode,
        '--data-dir',
        join(root, mode),
        '--upstream',
        server.url,
      ],
    }));
    procs.push(...(await Promise.all(specs.map((s) => launch(s)))));
    await waitMesh(procs);

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
