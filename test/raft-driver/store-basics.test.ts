// The Raft store's table contract on a three-member cluster over loopback TCP: every member reads
// and writes, versions are log indexes, compare-and-set and transactions are atomic, a deleted key
// cannot be resurrected by a stale writer, and bad input is refused before it reaches the log.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { RaftConflictError } from '../../packages/runtime/src/store/raft-errors.ts';
import { StoreError } from '../../packages/runtime/src/store/types.ts';
import { rejection, startStoreCluster, type TestCluster } from './helpers.ts';

let c: TestCluster;
before(async () => {
  c = await startStoreCluster(['gotham', 'metropolis', 'capitol']);
});
after(() => c.close());

test('a write on any member is read back, linearizably, on every member', async () => {
  for (const m of c.members) {
    const v = await m.store.table('heroes').put(`from-${m.short}`, { by: m.short });
    assert.ok(v > 1, 'the version is the log index of the write');
    for (const r of c.members) {
      const got = await r.store.table('heroes').get(`from-${m.short}`);
      assert.deepEqual(got, { key: `from-${m.short}`, value: { by: m.short }, version: v });
    }
  }
  for (const m of c.members) {
    const keys = (await m.store.table('heroes').list()).map((e) => e.key);
    assert.deepEqual(keys, ['from-capitol', 'from-gotham', 'from-metropolis']);
  }
});

test('versions grow with every write and a put returns the version the record now has', async () => {
  const t = c.members[1]!.store.table<number>('counters');
  const v1 = await t.put('n', 1);
  const v2 = await t.put('n', 2);
  assert.ok(v2 > v1);
  assert.equal((await t.get('n'))?.version, v2);
});

test('compare-and-set succeeds on the current version and fails with the current version otherwise', async () => {
  const t = c.members[2]!.store.table<string>('cas');
  const v = await t.put('k', 'a');
  const v2 = await t.put('k', 'b', { expectVersion: v });
  const err = await rejection(t.put('k', 'c', { expectVersion: v }));
  assert.ok(err instanceof RaftConflictError);
  assert.equal(err.code, 'conflict');
  assert.match(err.message, new RegExp(`expected version ${v}, current version ${v2}`));
  assert.deepEqual(err.current, [{ table: 'cas', key: 'k', version: v2 }]);
  assert.equal((await t.get('k'))?.value, 'b');
});

test('expectVersion 0 means "must be absent"', async () => {
  const t = c.members[0]!.store.table<string>('create');
  const v = await t.put('once', 'x', { expectVersion: 0 });
  assert.ok(v > 0);
  const err = await rejection(t.put('once', 'y', { expectVersion: 0 }));
  assert.equal(err.code, 'conflict');
});

test('a condition on a deleted key fails, so a stale writer cannot resurrect the record', async () => {
  const t = c.members[1]!.store.table<string>('heroes');
  const v = await t.put('doomed', 'alive');
  await c.members[2]!.store.table('heroes').delete('doomed', { expectVersion: v });
  const err = await rejection(t.put('doomed', 'alive again', { expectVersion: v }));
  assert.equal(err.code, 'conflict');
  assert.match(err.message, /current version 0 \(absent\)/);
  for (const m of c.members) assert.equal(await m.store.table('heroes').get('doomed'), undefined);
});

test('a delete with a stale version fails and leaves the record', async () => {
  const t = c.members[0]!.store.table<string>('heroes');
  const v = await t.put('kept', 'a');
  await t.put('kept', 'b');
  assert.equal((await rejection(t.delete('kept', { expectVersion: v }))).code, 'conflict');
  assert.equal((await t.get('kept'))?.value, 'b');
});

test('a transaction applies all its ops in one entry or none when a condition fails', async () => {
  const s = c.members[2]!.store;
  const va = await s.table('bank').put('a', 100);
  const vb = await s.table('bank').put('b', 0);
  const r = await s.transaction(
    [
      { op: 'put', table: 'bank', key: 'a', value: 60 },
      { op: 'put', table: 'bank', key: 'b', value: 40 },
      { op: 'put', table: 'audit', key: 't1', value: 'a->b 40' },
    ],
    [
      { table: 'bank', key: 'a', version: va },
      { table: 'bank', key: 'b', version: vb },
    ],
  );
  assert.deepEqual(
    r.versions.map((v) => v.version),
    [r.index, r.index, r.index],
  );
  const stale = await rejection(
    s.transaction(
      [
        { op: 'put', table: 'bank', key: 'a', value: 0 },
        { op: 'delete', table: 'bank', key: 'b' },
      ],
      [{ table: 'bank', key: 'a', version: va }],
    ),
  );
  assert.equal(stale.code, 'conflict');
  for (const m of c.members) {
    assert.equal((await m.store.table('bank').get('a'))?.value, 60);
    assert.equal((await m.store.table('bank').get('b'))?.value, 40);
    assert.equal((await m.store.table('audit').get('t1'))?.version, r.index);
  }
});

test('a stale read is served locally and catches up with the log', async () => {
  const writer = c.members[0]!.store.table<string>('stale');
  const v = await writer.put('k', 'v');
  const reader = c.members[1]!.store;
  // The follower may not have applied it yet; after a barrier it has.
  await reader.barrier();
  assert.deepEqual(await reader.table('stale').get('k', { stale: true }), {
    key: 'k',
    value: 'v',
    version: v,
  });
  assert.ok(reader.appliedIndex >= v);
});

test('bad keys, values, conditions and oversized commands are refused as invalid before reaching the log', async () => {
  const s = c.members[0]!.store;
  const before = c.leader().store.status().lastIndex;
  const t = s.table('heroes');
  for (const p of [
    t.put('', 'x'),
    t.put('k'.repeat(1025), 'x'),
    t.put('k', undefined as unknown as string),
    t.put('k', 'x', { expectVersion: -1 }),
    t.put('huge', 'x'.repeat(2 * 1024 * 1024)),
    s.transaction([{ op: 'merge', table: 'heroes', key: 'k' } as never]),
  ]) {
    const err = await rejection(p);
    assert.ok(err instanceof StoreError);
    assert.equal(err.code, 'invalid', err.message);
  }
  assert.equal(c.leader().store.status().lastIndex, before, 'nothing was proposed');
  assert.throws(() => s.table(''), StoreError);
});

test('returned values are frozen so a caller cannot change a replica behind the log', async () => {
  const t = c.members[1]!.store.table<{ hp: number }>('frozen');
  await t.put('k', { hp: 1 });
  const got = await t.get('k');
  assert.throws(() => {
    (got!.value as { hp: number }).hp = 2;
  }, TypeError);
});

test('roles: one leader, the others followers, all writable', async () => {
  await c.members[0]!.store.table('x').put('k', 1);
  const roles = c.members.map((m) => m.store.role()).sort();
  assert.deepEqual(roles, ['follower', 'follower', 'leader']);
  for (const m of c.members) assert.equal(m.store.writable(), true, m.short);
  assert.equal(c.members[0]!.store.mode, 'raft');
});
