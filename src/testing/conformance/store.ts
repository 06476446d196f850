/**
 * The store conformance suite: every `Store` implementation (memory, disk, Raft, CRDT) registers it
 * with a factory and must pass. It checks the `Table` contract of `src/store/types.ts`.
 *
 * ```ts
 * storeConformance('memory', { create: async () => new MemoryStore() });
 * ```
 *
 * `exactConditions: false` is for stores whose compare-and-set is local only (CRDT): the tests that
 * need cluster-wide exactness are then skipped with a note.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Change, Store } from '../../store/types.ts';
import { StoreError } from '../../store/types.ts';

export interface StoreFactory {
  create(): Promise<Store>;
  /** Dispose of what `create` made (files, nodes). */
  cleanup?(store: Store): Promise<void>;
}

async function withStore(factory: StoreFactory, fn: (store: Store) => Promise<void>): Promise<void> {
  const store = await factory.create();
  try {
    await fn(store);
  } finally {
    await store.close();
    await factory.cleanup?.(store);
  }
}

const isConflict = (e: unknown): boolean => e instanceof StoreError && e.code === 'conflict';

export function storeConformance(label: string, factory: StoreFactory): void {
  test(`${label} store: put then get returns the value with its version`, () =>
    withStore(factory, async (store) => {
      const t = store.table<{ n: number }>('t');
      const v = await t.put('a', { n: 1 });
      assert.ok(v > 0, 'versions are positive');
      assert.deepEqual(await t.get('a'), { key: 'a', value: { n: 1 }, version: v });
      assert.equal(await t.get('missing'), undefined);
    }));

  test(`${label} store: every write of a key increases its version`, () =>
    withStore(factory, async (store) => {
      const t = store.table<number>('t');
      const v1 = await t.put('a', 1);
      const v2 = await t.put('a', 2);
      assert.ok(v2 > v1, `${v2} > ${v1}`);
    }));

  test(`${label} store: list returns the live entries of one table only`, () =>
    withStore(factory, async (store) => {
      await store.table<number>('t').put('a', 1);
      await store.table<number>('t').put('b', 2);
      await store.table<number>('other').put('c', 3);
      await store.table<number>('t').delete('a');
      assert.deepEqual(
        (await store.table<number>('t').list()).map((e) => [e.key, e.value]),
        [['b', 2]],
      );
    }));

  test(`${label} store: expectVersion 0 means the key must be absent`, () =>
    withStore(factory, async (store) => {
      const t = store.table<number>('t');
      await t.put('a', 1, { expectVersion: 0 });
      await assert.rejects(t.put('a', 2, { expectVersion: 0 }), isConflict);
      assert.equal((await t.get('a'))?.value, 1, 'nothing written on a conflict');
    }));

  test(`${label} store: compare-and-set succeeds on the current version and fails on a stale one`, () =>
    withStore(factory, async (store) => {
      const t = store.table<number>('t');
      const v1 = await t.put('a', 1);
      const v2 = await t.put('a', 2, { expectVersion: v1 });
      await assert.rejects(t.put('a', 3, { expectVersion: v1 }), isConflict);
      await assert.rejects(t.delete('a', { expectVersion: v1 }), isConflict);
      await t.delete('a', { expectVersion: v2 });
      assert.equal(await t.get('a'), undefined);
    }));

  test(`${label} store: a condition on a deleted key fails (no resurrection)`, () =>
    withStore(factory, async (store) => {
      const t = store.table<number>('t');
      const v = await t.put('a', 1);
      await t.delete('a');
      await assert.rejects(t.put('a', 2, { expectVersion: v }), isConflict);
      assert.equal(await t.get('a'), undefined);
    }));

  test(`${label} store: the change feed reports each change once, in order`, () =>
    withStore(factory, async (store) => {
      const t = store.table<number>('t');
      const seen: Change<number>[] = [];
      const off = t.subscribe((c) => seen.push(c));
      await t.put('a', 1);
      await t.put('a', 2);
      await t.delete('a');
      const deadline = Date.now() + 5000;
      while (seen.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      off();
      await t.put('a', 9);
      await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(
        seen.map((c) => [c.key, c.value]),
        [
          ['a', 1],
          ['a', 2],
          ['a', undefined],
        ],
      );
      assert.ok(seen[0]!.version < seen[1]!.version);
    }));

  test(`${label} store: bad keys are refused with invalid and nothing is written`, () =>
    withStore(factory, async (store) => {
      const t = store.table<number>('t');
      await assert.rejects(t.put('', 1), (e: unknown) => e instanceof StoreError && e.code === 'invalid');
      assert.deepEqual(await t.list(), []);
    }));
}
