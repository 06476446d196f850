import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '../../packages/runtime/src/store/memory-store.ts';
import { storeBackend } from '../../examples/api-cache/backend.ts';
import { TodoCache } from '../../examples/api-cache/cache.ts';
import { memoryBackend } from '../../examples/api-cache/memory-backend.ts';
import type { BatchResult, Fetcher } from '../../examples/api-cache/strategies.ts';
import {
  STRATEGIES,
  asyncedStream,
  enumYieldMany,
  range,
  streamSynced,
  yieldManyAsyncedStream,
} from '../../examples/api-cache/strategies.ts';
import { startTodoServer, todoFor } from '../../examples/api-cache/upstream.ts';
import { settlesWithin } from '../../packages/runtime/src/testing/hang-guard.ts';
import { sleep } from './helpers.ts';

/** A fetcher that records how many fetches overlap, and answers after `ms`. */
function tracked(ms: number): { fetch: Fetcher; maxInFlight: () => number; order: number[] } {
  let inFlight = 0;
  let max = 0;
  const order: number[] = [];
  return {
    order,
    maxInFlight: () => max,
    fetch: async (id) => {
      order.push(id);
      max = Math.max(max, ++inFlight);
      await sleep(ms);
      inFlight--;
      if (id === 13) throw Object.assign(new Error('unlucky'), { code: 'not_found' });
      return { ...todoFor(id), wasCached: false };
    },
  };
}

test('every strategy answers one result per id, in input order, with failures as values', async () => {
  for (const [name, strategy] of Object.entries(STRATEGIES)) {
    const { fetch } = tracked(1);
    const results = await strategy([12, 13, 14, 1], fetch);
    assert.deepEqual(
      results.map((r) => [r.id, r.ok]),
      [
        [12, true],
        [13, false],
        [14, true],
        [1, true],
      ],
      name,
    );
    const failed = results[1] as Extract<BatchResult, { ok: false }>;
    assert.deepEqual(failed.error, { code: 'not_found', message: 'unlucky' }, name);
  }
});

test('stream_synced and yield_many_asynced_stream fetch one at a time; enum_yield_many all at once; asynced_stream at most maxConcurrency', async () => {
  const ids = range(1, 12);
  const widths: Record<string, number> = {};
  for (const [name, run] of [
    ['stream_synced', (f: Fetcher) => streamSynced(ids, f)],
    ['yield_many_asynced_stream', (f: Fetcher) => yieldManyAsyncedStream(ids, f)],
    ['enum_yield_many', (f: Fetcher) => enumYieldMany(ids, f)],
    ['asynced_stream', (f: Fetcher) => asyncedStream(ids, f, { maxConcurrency: 3 })],
  ] as const) {
    const probe = tracked(3);
    await run(probe.fetch);
    widths[name] = probe.maxInFlight();
    assert.deepEqual(probe.order, ids, `${name} starts fetches in input order`);
  }
  assert.deepEqual(widths, {
    stream_synced: 1,
    yield_many_asynced_stream: 1,
    enum_yield_many: 12,
    asynced_stream: 3,
  });
});

test('a fetch slower than the deadline is a timeout value; enum_yield_many has one deadline for the batch', async () => {
  // Odd ids wait on a gate the test opens only after every strategy has answered, so an answer
  // can only arrive by the deadline, never by the slow fetches finishing; a strategy that waited
  // for them would hang until the guard fails the test.
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const slowOdd: Fetcher = async (id) => {
    await (id % 2 === 1 ? gate : sleep(1));
    return { ...todoFor(id), wasCached: false };
  };
  try {
    for (const [name, strategy] of Object.entries(STRATEGIES)) {
      const results = await settlesWithin(
        strategy([1, 2, 3, 4], slowOdd, { timeoutMs: 40 }),
        60_000,
        `${name} answering while the slow fetches are held`,
      );
      assert.deepEqual(
        results.map((r) => (r.ok ? 'ok' : r.error.code)),
        ['timeout', 'ok', 'timeout', 'ok'],
        name,
      );
    }
  } finally {
    open();
  }
});

test('through the cache: a cold batch is all wasCached false, a warm one all true, with one upstream request per id', async (t) => {
  const server = await startTodoServer({ latencyMs: 2 });
  t.after(() => server.close());
  for (const [name, strategy] of Object.entries(STRATEGIES)) {
    const cache = new TodoCache({ backend: storeBackend(new MemoryStore()), upstream: server.url });
    const before = server.hits();
    const cold = await strategy(range(1, 10), (id) => cache.fetchTodo(id));
    const warm = await strategy(range(1, 10), (id) => cache.fetchTodo(id));
    assert.ok(
      cold.every((r) => r.ok && !r.todo.wasCached),
      name,
    );
    assert.ok(
      warm.every((r) => r.ok && r.todo.wasCached),
      name,
    );
    assert.deepEqual(
      warm.map((r) => (r.ok ? r.todo.title : '')),
      range(1, 10).map((id) => todoFor(id).title),
    );
    assert.equal(server.hits() - before, 10, name);
  }
});

test('a fetcher that answers synchronously: every strategy takes its results as they are, in order, a throw as a failure value', async () => {
  const seen: number[] = [];
  const now: Fetcher = (id) => {
    seen.push(id);
    if (id === 13) throw Object.assign(new Error('unlucky'), { code: 'not_found' });
    return { ...todoFor(id), wasCached: true };
  };
  for (const [name, strategy] of Object.entries(STRATEGIES)) {
    seen.length = 0;
    const results = await settlesWithin(strategy([12, 13, 14, 1], now, { timeoutMs: 1 }), 60_000, name);
    assert.deepEqual(seen, [12, 13, 14, 1], `${name} fetches in input order`);
    assert.deepEqual(
      results.map((r) => (r.ok ? [r.id, r.todo.title] : [r.id, r.error.code])),
      [
        [12, todoFor(12).title],
        [13, 'not_found'],
        [14, todoFor(14).title],
        [1, todoFor(1).title],
      ],
      name,
    );
  }
});

test('a batch mixing synchronous hits and slow fetches: the hits are results, only the slow fetches time out', async () => {
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const mixed: Fetcher = (id) =>
    id % 2 === 0
      ? { ...todoFor(id), wasCached: true }
      : gate.then(() => ({ ...todoFor(id), wasCached: false }));
  try {
    for (const [name, strategy] of Object.entries(STRATEGIES)) {
      const results = await settlesWithin(strategy([1, 2, 3, 4], mixed, { timeoutMs: 40 }), 60_000, name);
      assert.deepEqual(
        results.map((r) => (r.ok ? 'ok' : r.error.code)),
        ['timeout', 'ok', 'timeout', 'ok'],
        name,
      );
    }
  } finally {
    open();
  }
});

test('through the memory backend: fetchTodoNow answers a hit with the record itself, a miss with a promise, one upstream request per id', async (t) => {
  const server = await startTodoServer({ latencyMs: 1 });
  t.after(() => server.close());
  for (const [name, strategy] of Object.entries(STRATEGIES)) {
    const cache = new TodoCache({ backend: memoryBackend(), upstream: server.url });
    const before = server.hits();
    const first = cache.fetchTodoNow(3);
    assert.ok(first instanceof Promise, 'a miss answers with a promise');
    assert.equal((await first).wasCached, false);
    const again = cache.fetchTodoNow(3);
    assert.deepEqual(again, { ...todoFor(3), wasCached: true }, 'a hit answers with the record');
    const cold = await strategy(range(1, 10), (id) => cache.fetchTodoNow(id));
    const warm = await strategy(range(1, 10), (id) => cache.fetchTodoNow(id));
    assert.deepEqual(
      cold.map((r) => r.ok && r.todo.wasCached),
      range(1, 10).map((id) => id === 3),
      name,
    );
    assert.deepEqual(
      warm.map((r) => (r.ok ? r.todo : undefined)),
      range(1, 10).map((id) => ({ ...todoFor(id), wasCached: true })),
      name,
    );
    assert.equal(server.hits() - before, 10, name);
    assert.deepEqual(cache.stats(), { hits: 12, misses: 10, storeErrors: 0 }, name);
  }
});
