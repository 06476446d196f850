/**
 * The store conformance suite: every `Store` implementation (memory, disk, Raft, CRDT) registers it
 * with a factory and must pass. It checks the `Table` contract of `store/types.ts`.
 *
 * ```ts
 * storeConformance('memory', { create: async () => new MemoryStore() });
 * ```
 *
 * `exactConditions: false` is for stores whose compare-and-set is local only (CRDT): the tests that
 * need cluster-wide exactness are then skipped with a note.
 *
 * Transactions (`Store.transaction`, `store/ops.ts`): a store that has one must honour its
 * conditions — all ops or none, a failed condition a `ConflictError` naming the key — and the
 * tests say so; a store without one gets a skipped test saying it has none. A store that
 * must have none (the CRDT store) is checked with `assertNoTransactions`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConflictError } from '../../store/ops.ts';
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

/** For stores whose replicas accept concurrent writes (CRDT): no `transaction`, no transaction limit. */
export function assertNoTransactions(store: Store): void {
  assert.equal(store.transaction, undefined, `the ${store.mode} store has no transactions`);
  assert.equal(store.maxTransactionOps, undefined);
}

/** Runs `fn` with the store's transaction, or skips the test when the store has none. */
async function withTransaction(
  t: { skip: (message: string) => void },
  store: Store,
  fn: (txn: NonNullable<Store['transaction']>) => Promise<void>,
): Promise<void> {
  if (store.transaction === undefined) {
    t.skip(`the ${store.mode} store has no transactions`);
    return;
  }
  await fn(store.transaction.bind(store));
}

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

  test(`${label} store: a transaction applies every op, in order, with one version per op`, (t) =>
    withStore(factory, (store) =>
      withTransaction(t, store, async (transaction) => {
        const tbl = store.table<number>('t');
        const va = await tbl.put('a', 1);
        const r = await transaction(
          [
            { op: 'put', table: 't', key: 'b', value: 2 },
            { op: 'delete', table: 't', key: 'a' },
            { op: 'put', table: 'u', key: 'c', value: 3 },
          ],
          [
            { table: 't', key: 'a', version: va },
            { table: 't', key: 'b', version: 0 },
          ],
        );
        assert.equal(r.versions.length, 3);
        assert.equal(r.versions[1]!.version, 0, 'a delete reports version 0');
        assert.ok(r.versions[0]!.version > va && r.versions[2]!.version > va, 'puts get new versions');
        assert.deepEqual(await tbl.get('b'), { key: 'b', value: 2, version: r.versions[0]!.version });
        assert.equal(await tbl.get('a'), undefined);
        assert.equal((await store.table<number>('u').get('c'))?.version, r.versions[2]!.version);
      }),
    ));

  test(`${label} store: a transaction whose condition fails applies nothing and names the key`, (t) =>
    withStore(factory, (store) =>
      withTransaction(t, store, async (transaction) => {
        const tbl = store.table<number>('t');
        const v1 = await tbl.put('a', 1);
        const v2 = await tbl.put('a', 2);
        const vb = await tbl.put('b', 1);
        const attempt = transaction(
          [
            { op: 'put', table: 't', key: 'a', value: 3 },
            { op: 'delete', table: 't', key: 'b' },
            { op: 'put', table: 't', key: 'c', value: 3 },
          ],
          [
            { table: 't', key: 'a', version: v1 }, // stale
            { table: 't', key: 'b', version: vb },
          ],
        );
        await assert.rejects(attempt, (e: unknown) => {
          assert.ok(e instanceof ConflictError, `a ConflictError, got ${String(e)}`);
          assert.equal(e.code, 'conflict');
          assert.deepEqual(
            e.current.map((c) => [c.table, c.key, c.version]),
            [['t', 'a', v2]],
            'only the failed condition is named, with the current version',
          );
          return true;
        });
        assert.deepEqual(
          (await tbl.list()).map((e) => [e.key, e.value, e.version]),
          [
            ['a', 2, v2],
            ['b', 1, vb],
          ],
          'nothing of the transaction applied',
        );
        // A condition that a key be absent fails once it exists, and one on a deleted key fails too.
        await assert.rejects(
          transaction(
            [{ op: 'put', table: 't', key: 'x', value: 1 }],
            [{ table: 't', key: 'b', version: 0 }],
          ),
          isConflict,
        );
        await tbl.delete('b');
        await assert.rejects(
          transaction(
            [{ op: 'put', table: 't', key: 'b', value: 9 }],
            [{ table: 't', key: 'b', version: vb }],
          ),
          isConflict,
        );
        assert.equal(await tbl.get('b'), undefined, 'no resurrection through a transaction');
        assert.equal(await tbl.get('x'), undefined);
      }),
    ));

  test(`${label} store: bad keys are refused with invalid and nothing is written`, () =>
    withStore(factory, async (store) => {
      const t = store.table<number>('t');
      await assert.rejects(t.put('', 1), (e: unknown) => e instanceof StoreError && e.code === 'invalid');
      assert.deepEqual(await t.list(), []);
    }));
}
