/**
 * The etcd store beyond the shared conformance suite, on a real 3-member etcd cluster:
 * transactions with conditions, the change feed across a member's SIGKILL and across a compaction,
 * and `no_quorum` when two of three members are gone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Etcd3 } from 'etcd3';
import pino from 'pino';
import { StoreError } from '../../packages/runtime/src/store/types.ts';
import { EtcdCompactedError, EtcdConflictError } from '../../packages/runtime/src/store/etcd/index.ts';
import type { EtcdChange } from '../../packages/runtime/src/store/etcd/index.ts';
import { WatchLoop } from '../../packages/runtime/src/store/etcd/watch.ts';
import { storeRange } from '../../packages/runtime/src/store/etcd/keys.ts';
import { sharedEtcd } from '../../packages/runtime/src/testing/etcd/fixture.ts';
import { settlesWithin } from '../../packages/runtime/src/testing/hang-guard.ts';
import { waitFor } from '../../packages/runtime/src/testing/wait-for.ts';

const etcd = sharedEtcd();
const skip = etcd.skip;

test(
  'etcd store: a transaction applies all its ops at one revision, or none with the current versions named',
  { skip },
  async () => {
    const store = await etcd.store('txn');
    try {
      const va = await store.table<number>('t').put('a', 1);
      const r = await store.transaction(
        [
          { op: 'put', table: 't', key: 'b', value: 2 },
          { op: 'delete', table: 't', key: 'a' },
        ],
        [{ table: 't', key: 'a', version: va }],
      );
      assert.deepEqual(r.versions, [
        { table: 't', key: 'b', version: r.index },
        { table: 't', key: 'a', version: 0 },
      ]);
      const err = await store
        .transaction(
          [{ op: 'put', table: 't', key: 'c', value: 3 }],
          [
            { table: 't', key: 'a', version: va },
            { table: 't', key: 'b', version: r.index },
          ],
        )
        .then(
          () => assert.fail('a failed condition must refuse the transaction'),
          (e: unknown) => e,
        );
      assert.ok(err instanceof EtcdConflictError && err.code === 'conflict');
      assert.deepEqual(
        err.current,
        [{ table: 't', key: 'a', version: 0 }],
        'the failed condition, with the current version',
      );
      assert.equal(await store.table('t').get('c'), undefined, 'nothing of a refused transaction applies');
      assert.equal(
        (await store.table<number>('t').get('b', { stale: true }))?.value,
        2,
        'stale reads see committed writes',
      );
    } finally {
      await store.close();
    }
  },
);

test(
  'etcd store: the change feed has no gap and no duplicate across a SIGKILL of the member it watches',
  { skip },
  async () => {
    const cluster = await etcd.cluster();
    const prefix = etcd.freshPrefix();
    // The watcher's member is a follower: killing the leader would also stall the writer's writes.
    const m = ((await cluster.leaderIndex()) + 1) % 3;
    const others = cluster.endpoints.filter((_e, i) => i !== m);
    const watcher = await etcd.store('watcher', { prefix, endpoints: [cluster.endpoints[m]!] });
    const writer = await etcd.store('writer', { prefix, endpoints: others });
    const seen: EtcdChange[] = [];
    watcher.subscribe((c) => seen.push(c));
    const acked: number[] = [];
    try {
      const t = writer.table<number>('feed');
      for (let i = 0; i < 60; i++) {
        if (i === 20) await cluster.kill(m);
        if (i === 40) await cluster.restart(m);
        acked.push(await t.put(`k${i % 7}`, i));
      }
      await waitFor(() => seen.length >= acked.length, 60_000, 'the watcher caught up');
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(
        seen.map((c) => c.version),
        acked,
        'every acknowledged write once, in order',
      );
    } finally {
      await Promise.all([watcher.close(), writer.close()]);
      if (cluster.members[m]!.child === undefined) await cluster.restart(m);
    }
  },
);

test(
  'etcd watch loop: a renewed stream resumes from the last delivered revision, with no gap and no duplicate',
  { skip },
  async () => {
    const cluster = await etcd.cluster();
    const prefix = etcd.freshPrefix();
    const writer = await etcd.store('renew-writer', { prefix });
    const client = new Etcd3({ hosts: [...cluster.endpoints] });
    const seen: number[] = [];
    const loop = new WatchLoop({
      client,
      range: storeRange(prefix),
      after: 0,
      log: pino({ level: 'silent' }),
      events: (evs) => {
        for (const e of evs) seen.push(Number(e.kv.mod_revision));
      },
      compacted: () => Promise.resolve(undefined),
    });
    loop.start();
    const acked: number[] = [];
    try {
      const t = writer.table<number>('renew');
      for (let i = 0; i < 60; i++) {
        if (i % 7 === 0) loop.renew();
        if (i % 20 === 0) loop.renew(); // twice in a row: the second finds a stream being opened
        acked.push(await t.put(`k${i % 5}`, i));
        if (i % 11 === 0)
          await waitFor(() => seen.length > 0 && seen.at(-1)! >= acked.at(-1)!, 30_000, 'caught up');
      }
      loop.renew();
      await waitFor(() => seen.length >= acked.length, 30_000, 'the loop caught up');
      await new Promise((r) => setTimeout(r, 200));
      // The range holds this test's records only (the writer's liveness key is outside it).
      assert.deepEqual(seen, acked, 'every acknowledged write once, in order, across the renewals');
    } finally {
      await loop.stop();
      client.close();
      await writer.close();
    }
  },
);

test(
  'etcd store: after a compaction the feed re-reads and reports the current state; subscribeFrom a compacted revision is a typed error',
  { skip },
  async () => {
    const cluster = await etcd.cluster();
    const prefix = etcd.freshPrefix();
    // The watcher's member is a follower: killing the leader would also stall the writer's writes.
    const m = ((await cluster.leaderIndex()) + 1) % 3;
    const others = cluster.endpoints.filter((_e, i) => i !== m);
    const watcher = await etcd.store('watcher', { prefix, endpoints: [cluster.endpoints[m]!] });
    const writer = await etcd.store('writer', { prefix, endpoints: others });
    const admin = new Etcd3({ hosts: others });
    const view = new Map<string, number>();
    watcher
      .table<number>('c')
      .subscribe((c) => (c.value === undefined ? view.delete(c.key) : view.set(c.key, c.value)));
    try {
      const t = writer.table<number>('c');
      const first = await t.put('gone', 1);
      await t.put('kept', 1);
      await waitFor(() => view.size === 2, 30_000, 'the watcher saw both');
      await cluster.kill(m);
      await t.delete('gone');
      await t.put('kept', 2);
      const last = await t.put('new', 3);
      await admin.kv.compact({ revision: last, physical: true });
      await cluster.restart(m);
      await waitFor(
        () => view.get('kept') === 2 && view.get('new') === 3 && !view.has('gone'),
        60_000,
        're-read after compaction',
      );
      assert.deepEqual([...view].sort(), [
        ['kept', 2],
        ['new', 3],
      ]);

      // A store opened now retains nothing before its start: it asks etcd, which compacted it away.
      const late = await etcd.store('late', { prefix });
      const error = await settlesWithin(
        new Promise<StoreError>((resolve) =>
          late.table<number>('c').subscribeFrom(first, () => undefined, resolve),
        ),
        30_000,
        'the compaction error',
      ).finally(() => late.close());
      assert.ok(error instanceof EtcdCompactedError, String(error));
      const image = await writer.snapshot();
      const later: EtcdChange[] = [];
      const off = writer.table<number>('c').subscribeFrom(
        image.revision,
        (c) => later.push(c),
        (e) => assert.fail(e),
      );
      const v = await t.put('after', 4);
      await waitFor(() => later.length === 1, 30_000, 'the change after the re-read');
      off();
      assert.equal(later[0]!.version, v);
    } finally {
      admin.close();
      await Promise.all([watcher.close(), writer.close()]);
      if (cluster.members[m]!.child === undefined) await cluster.restart(m);
    }
  },
);

test(
  'etcd store: without a quorum, writes and linearizable reads fail with no_quorum, and work again once it is back',
  { skip },
  async () => {
    const cluster = await etcd.cluster();
    const store = await etcd.store('minority');
    try {
      await store.table<number>('q').put('a', 1);
      await cluster.kill(1);
      await cluster.kill(2);
      await waitFor(() => !store.writable(), 30_000, 'the lease lapses');
      const isNoQuorum = (e: unknown): boolean => e instanceof StoreError && e.code === 'no_quorum';
      await assert.rejects(store.table<number>('q').put('a', 2), isNoQuorum);
      await assert.rejects(store.table<number>('q').get('a'), isNoQuorum);
      await Promise.all([cluster.restart(1), cluster.restart(2)]);
      await waitFor(() => store.writable(), 60_000, 'the lease is back');
      await store.table<number>('q').put('a', 3);
      assert.equal((await store.table<number>('q').get('a'))?.value, 3);
    } finally {
      await store.close();
      for (const i of [1, 2]) if (cluster.members[i]!.child === undefined) await cluster.restart(i);
    }
  },
);
