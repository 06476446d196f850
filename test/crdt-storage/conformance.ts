/**
 * The contract every `CrdtStorage` keeps (see `packages/runtime/src/crdt/driver/storage/storage.ts`), as one suite
 * run against the file-backed storage and its in-memory twin alike. A "disk" outlives the storage
 * opened on it: `reopen` closes the storage and opens a new one on the same disk, as a restarted
 * process would.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DurableRecord, DurableState } from '../../packages/runtime/src/crdt/core/durable.ts';
import type { CrdtStorage } from '../../packages/runtime/src/crdt/driver/storage/index.ts';
import { CrdtStorageClosedError } from '../../packages/runtime/src/crdt/driver/storage/index.ts';

export interface StorageFixture {
  /** A storage on a new, empty disk. */
  fresh(): Promise<CrdtStorage<unknown>>;
  /** Closes `s` and opens a new storage on the same disk. */
  reopen(s: CrdtStorage<unknown>): Promise<CrdtStorage<unknown>>;
}

const A = 'gotham@127.0.0.1:4370#1700000000000';
const B = 'metropolis@127.0.0.1:4371#1700000000001';

export const put = (
  seq: number,
  key: string,
  value: unknown,
  removed: [string, number][] = [],
): DurableRecord<unknown> => ({
  type: 'delta',
  delta: {
    key,
    entries: [{ rep: A, seq, ms: 1_700_000_000_000 + seq, lc: 0, value }],
    removed,
    ops: [[A, seq]],
  },
});

const RECORDS: DurableRecord<unknown>[] = [
  put(1, 'heroes/h1', { name: 'Batman', hp: 100 }),
  put(2, 'heroes/h2', { name: 'Superman', tags: ['flies', 1, null] }),
  {
    type: 'chunk',
    buckets: [3, 17],
    entries: [['heroes/h9', [{ rep: B, seq: 4, ms: 1_700_000_000_009, lc: 2, value: 'x' }]]],
    ctx: { vv: [[B, 4]], cloud: [] },
  },
  { type: 'adopt', ctx: { vv: [[B, 6]], cloud: [[A, [9]]] }, applied: { vv: [[B, 5]], cloud: [] } },
  { type: 'retire', rep: 'capitol@127.0.0.1:4372#1600000000000' },
  put(3, 'heroes/h1', { name: 'Batman', hp: 90 }, [[A, 1]]),
];

const STATE: DurableState<unknown> = {
  map: {
    entries: [['heroes/h1', [{ rep: A, seq: 3, ms: 1_700_000_000_003, lc: 0, value: { hp: 90 } }]]],
    ctx: { vv: [[A, 3]], cloud: [] },
  },
  applied: { vv: [[A, 3]], cloud: [] },
  retired: ['capitol@127.0.0.1:4372#1600000000000'],
  bootstrapped: true,
};

export function storageConformance(name: string, fx: StorageFixture): void {
  test(`${name}: a fresh disk has nothing to restore`, async () => {
    const s = await fx.fresh();
    assert.equal(s.image.state, undefined);
    assert.deepEqual(s.image.records, []);
    await s.close();
  });

  test(`${name}: every appended record comes back in order after a restart`, async () => {
    let s = await fx.fresh();
    for (const r of RECORDS) s.append(r);
    s.commit();
    s = await fx.reopen(s);
    assert.equal(s.image.state, undefined);
    assert.deepEqual(s.image.records, RECORDS);
    // Appending goes on after the records already there.
    s.append(put(4, 'heroes/h4', 4));
    s.commit();
    s = await fx.reopen(s);
    assert.deepEqual(s.image.records, [...RECORDS, put(4, 'heroes/h4', 4)]);
    await s.close();
  });

  test(`${name}: a compaction replaces every earlier record with the state`, async () => {
    let s = await fx.fresh();
    for (const r of RECORDS) s.append(r);
    s.compact(STATE);
    s.append(put(4, 'heroes/h4', 4));
    s.commit();
    s = await fx.reopen(s);
    assert.deepEqual(s.image.state, STATE);
    assert.deepEqual(s.image.records, [put(4, 'heroes/h4', 4)]);
    s.compact({ ...STATE, bootstrapped: false });
    s = await fx.reopen(s);
    assert.deepEqual(s.image.state, { ...STATE, bootstrapped: false });
    assert.deepEqual(s.image.records, []);
    await s.close();
  });

  test(`${name}: a wipe (a lost disk) leaves nothing to restore, and the storage goes on`, async () => {
    let s = await fx.fresh();
    for (const r of RECORDS) s.append(r);
    s.compact(STATE);
    s.append(put(4, 'heroes/h4', 4));
    s.wipe();
    s.append(put(1, 'heroes/after', 'wipe'));
    s.commit();
    s = await fx.reopen(s);
    assert.equal(s.image.state, undefined);
    assert.deepEqual(s.image.records, [put(1, 'heroes/after', 'wipe')]);
    await s.close();
  });

  test(`${name}: a compaction is wanted once the log has grown, and counted`, async () => {
    const s = await fx.fresh();
    let n = 0;
    while (!s.wantsCompaction()) {
      s.append(put(++n, `heroes/h${n % 50}`, 'x'.repeat(200)));
      assert.ok(n < 100_000, 'never wanted a compaction');
    }
    s.compact(STATE);
    assert.equal(s.wantsCompaction(), false);
    assert.equal(s.stats().compactions, 1);
    assert.equal(s.stats().appends, n);
    await s.close();
  });

  test(`${name}: a closed storage refuses appends`, async () => {
    const s = await fx.fresh();
    await s.close();
    assert.throws(() => s.append(put(1, 'k', 1)), CrdtStorageClosedError);
  });
}
