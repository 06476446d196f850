import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memoryBackend } from '../../examples/api-cache/memory-backend.ts';
import { TodoCache } from '../../examples/api-cache/cache.ts';
import { InvalidTodoIdError } from '../../examples/api-cache/errors.ts';
import { startTodoServer, todoFor } from '../../examples/api-cache/upstream.ts';

test('peek reads a live entry at once, and an expired one as absent without purging it', async () => {
  let now = 1000;
  const backend = memoryBackend({ ttlMs: 50, now: () => now });
  assert.equal(backend.peek?.(1), undefined);
  await backend.put(1, todoFor(1));
  assert.deepEqual(backend.peek?.(1), todoFor(1));
  now += 49;
  assert.deepEqual(backend.peek?.(1), todoFor(1), 'alive until its time-to-live has passed');
  now += 1;
  assert.equal(backend.peek?.(1), undefined, 'expired');
  assert.equal(await backend.size(), 0, 'the store purges it on its own read');
});

test('a cached todo past its time-to-live is fetched again from upstream, and cached again', async (t) => {
  const server = await startTodoServer({ latencyMs: 0 });
  t.after(() => server.close());
  let now = 0;
  const cache = new TodoCache({
    backend: memoryBackend({ ttlMs: 100, now: () => now }),
    upstream: server.url,
  });
  assert.equal((await cache.fetchTodo(4)).wasCached, false);
  assert.deepEqual(cache.fetchTodoNow(4), { ...todoFor(4), wasCached: true });
  now = 100;
  const stale = cache.fetchTodoNow(4);
  assert.ok(stale instanceof Promise, 'an expired entry is a miss');
  assert.equal((await stale).wasCached, false);
  assert.equal(server.hits(), 2);
  assert.deepEqual(cache.fetchTodoNow(4), { ...todoFor(4), wasCached: true });
});

test('fetchTodoNow refuses a bad id with a rejected promise, as fetchTodo does', async () => {
  const cache = new TodoCache({ backend: memoryBackend(), upstream: 'http://127.0.0.1:1' });
  for (const bad of [0, -1, 1.5, 201, Number.NaN]) {
    await assert.rejects(Promise.resolve(cache.fetchTodoNow(bad)), InvalidTodoIdError);
    await assert.rejects(cache.fetchTodo(bad), InvalidTodoIdError);
  }
});

test('a hit answers a fresh object each time: changing one answer does not change the cache', async () => {
  const backend = memoryBackend();
  await backend.put(2, todoFor(2));
  const cache = new TodoCache({ backend, upstream: 'http://127.0.0.1:1' });
  const first = cache.fetchTodoNow(2) as { title: string };
  first.title = 'changed';
  assert.deepEqual(await cache.fetchTodo(2), { ...todoFor(2), wasCached: true });
});
