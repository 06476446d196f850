import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskStore } from '../../packages/runtime/src/store/disk-store.ts';
import { MemoryStore } from '../../packages/runtime/src/store/memory-store.ts';
import { storeConformance } from '../../packages/runtime/src/testing/conformance/store.ts';

storeConformance('memory', { create: () => Promise.resolve(new MemoryStore()) });

const dirs = new Map<object, string>();
storeConformance('disk', {
  create: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'disk-store-'));
    const store = await DiskStore.open(dir);
    dirs.set(store, dir);
    return store;
  },
  cleanup: (store) => {
    rmSync(dirs.get(store) as string, { recursive: true, force: true });
    return Promise.resolve();
  },
});

test('memory store: a listener that writes does not reorder the feed for the listeners after it', async () => {
  for (const transactions of [false, true]) {
    const store = new MemoryStore({ transactions });
    const t = store.table<number>('t');
    // The first listener answers the first write with a second one, synchronously (as a store
    // in the same process lets it); the second listener must still see 1 before 2.
    t.subscribe((c) => {
      if (c.value === 1) void t.put('a', 2);
    });
    const seen: (number | undefined)[] = [];
    const versions: number[] = [];
    t.subscribe((c) => {
      seen.push(c.value);
      versions.push(c.version);
    });
    await t.put('a', 1);
    assert.deepEqual(seen, [1, 2], `transactions: ${transactions}`);
    assert.ok(versions[0]! < versions[1]!, 'in version order');
    // A listener that throws still lets the queued change reach everyone, and the writer hears of it.
    const u = store.table<number>('u');
    u.subscribe((c) => {
      if (c.value === 1) {
        void u.put('b', 2);
        throw new Error('listener failed');
      }
    });
    const got: (number | undefined)[] = [];
    u.subscribe((c) => got.push(c.value));
    await assert.rejects(u.put('b', 1), /listener failed/);
    assert.deepEqual(got, [1, 2]);
  }
});

test('memory store: entries expire after their time to live', async () => {
  let now = 0;
  const store = new MemoryStore({ ttlMs: 1000, now: () => now });
  const t = store.table<number>('cache');
  await t.put('a', 1);
  now = 999;
  assert.equal((await t.get('a'))?.value, 1);
  now = 1000;
  assert.equal(await t.get('a'), undefined);
});

test('disk store: acknowledged writes survive a reopen, versions continue', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'disk-store-'));
  try {
    const a = await DiskStore.open(dir);
    const v = await a.table<string>('t').put('k', 'v1');
    await a.table<string>('t').put('gone', 'x');
    await a.table<string>('t').delete('gone');
    await a.close();
    const b = await DiskStore.open(dir);
    assert.deepEqual(await b.table<string>('t').get('k'), { key: 'k', value: 'v1', version: v });
    assert.equal(await b.table<string>('t').get('gone'), undefined);
    assert.ok((await b.table<string>('t').put('k', 'v2')) > v);
    await b.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('disk store: a torn tail is dropped and the valid prefix kept', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'disk-store-'));
  try {
    const a = await DiskStore.open(dir);
    await a.table<string>('t').put('k1', 'one');
    await a.table<string>('t').put('k2', 'two');
    await a.close();
    const log = join(dir, 'store.log');
    truncateSync(log, statSync(log).size - 3);
    appendFileSync(log, Buffer.from([1, 2]));
    const b = await DiskStore.open(dir);
    assert.equal((await b.table<string>('t').get('k1'))?.value, 'one');
    assert.equal(await b.table<string>('t').get('k2'), undefined);
    await b.table<string>('t').put('k3', 'three');
    await b.close();
    const c = await DiskStore.open(dir);
    assert.equal((await c.table<string>('t').get('k3'))?.value, 'three');
    await c.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('disk store: the log is compacted and still replays to the same state', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'disk-store-'));
  try {
    const a = await DiskStore.open(dir);
    for (let i = 0; i < 3000; i++) await a.table<number>('t').put(`k${i % 10}`, i);
    await a.close();
    assert.ok(statSync(join(dir, 'store.log')).size < 3000 * 20, 'compacted');
    const b = await DiskStore.open(dir);
    assert.equal((await b.table<number>('t').get('k9'))?.value, 2999);
    assert.equal((await b.table<number>('t').list()).length, 10);
    await b.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
