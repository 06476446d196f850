// The CrdtStore honours the Store contract (the shared conformance suite, on a real node), plus
// what is particular to it: versions from HLC stamps, conditions checked against the local
// replica only, validation at the edge, and a closed store that refuses everything.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterNode } from '../../packages/runtime/src/cluster/node.ts';
import { startNode } from '../../packages/runtime/src/cluster/node.ts';
import { stampVersion } from '../../packages/runtime/src/crdt/driver/index.ts';
import type { CrdtStore } from '../../packages/runtime/src/store/crdt-store.ts';
import { startCrdtStore } from '../../packages/runtime/src/store/crdt-store.ts';
import { storeConformance } from '../../packages/runtime/src/testing/conformance/store.ts';
import type { Store } from '../../packages/runtime/src/store/types.ts';
import { StoreError } from '../../packages/runtime/src/store/types.ts';
import { FakeNode } from './fake-node.ts';
import { startCrdtCluster } from './helpers.ts';

const nodes = new WeakMap<Store, ClusterNode>();
storeConformance('crdt', {
  async create() {
    const node = await startNode({ name: 'solo', cookie: 'crdt-store-test-cookie' });
    const store = await startCrdtStore({ node });
    nodes.set(store, node);
    return store;
  },
  async cleanup(store) {
    await nodes.get(store)?.stop();
  },
});

const isCode = (code: string) => (e: unknown) => e instanceof StoreError && e.code === code;

test('crdt store: the version is the HLC stamp of the value, ms × 1024 + logical', async () => {
  const node = new FakeNode('solo@127.0.0.1:1');
  const store = await startCrdtStore({ node, now: () => 1_732_242_342_000 });
  try {
    const v1 = await store.table('t').put('a', 1);
    const v2 = await store.table('t').put('b', 2);
    assert.equal(v1, 1_732_242_342_000 * 1024);
    assert.equal(v2, v1 + 1, 'same millisecond: the logical counter');
    const entry = store.driver.get('t/a');
    assert.ok(entry !== undefined);
    assert.equal(stampVersion(entry), v1);
  } finally {
    await store.close();
  }
});

test('crdt store: bad table names, bad keys and undefined values are refused with invalid', async () => {
  const store = await startCrdtStore({ node: new FakeNode('solo@127.0.0.1:1') });
  try {
    for (const name of ['', 'a/b', 'x'.repeat(129)])
      assert.throws(() => store.table(name), isCode('invalid'));
    const t = store.table<unknown>('t');
    await assert.rejects(t.put('k', undefined), isCode('invalid'));
    await assert.rejects(t.put('x'.repeat(1025), 1), isCode('invalid'));
    await assert.rejects(t.get(''), isCode('invalid'));
    await assert.rejects(t.delete(''), isCode('invalid'));
    assert.deepEqual(await t.list(), []);
    // A key may contain the separator: only the first "/" splits table from key.
    await t.put('a/b', 1);
    assert.deepEqual(
      (await t.list()).map((e) => e.key),
      ['a/b'],
    );
  } finally {
    await store.close();
  }
});

test('crdt store: a closed store refuses reads and writes with unavailable', async () => {
  const store: CrdtStore = await startCrdtStore({ node: new FakeNode('solo@127.0.0.1:1') });
  const t = store.table<number>('t');
  await t.put('a', 1);
  await store.close();
  await assert.rejects(t.get('a'), isCode('unavailable'));
  await assert.rejects(t.list(), isCode('unavailable'));
  await assert.rejects(t.put('a', 2), isCode('unavailable'));
  await assert.rejects(t.delete('a'), isCode('unavailable'));
  assert.throws(() => store.restartEmpty(), isCode('unavailable'));
  assert.equal(await store.refilled(10), false);
});

test('crdt store: expectVersion is checked on the local replica; two sides passing it both write, one value wins everywhere', async () => {
  const c = await startCrdtCluster(['gotham', 'metropolis']);
  try {
    await c.fullMesh();
    const [a, b] = c.members as [(typeof c.members)[0], (typeof c.members)[0]];
    const v = await a.store.table<string>('t').put('k', 'first');
    await c.converged(5000);
    c.partition(['gotham']);
    // Both replicas still hold version v, so both conditional writes pass.
    const va = await a.store.table<string>('t').put('k', 'gotham', { expectVersion: v });
    const vb = await b.store.table<string>('t').put('k', 'metropolis', { expectVersion: v });
    await assert.rejects(
      a.store.table<string>('t').put('k', 'again', { expectVersion: v }),
      isCode('conflict'),
    );
    c.heal();
    await c.converged(10_000);
    const ga = await a.store.table<string>('t').get('k');
    const gb = await b.store.table<string>('t').get('k');
    assert.deepEqual(ga, gb);
    assert.equal(ga?.version, Math.max(va, vb), 'the greater stamp is visible');
  } finally {
    await c.close();
  }
});

test('crdt store: concurrent(key) returns both sides of a healed partition on every replica, visible first, and onConcurrent tells the side whose value stays visible; a put that read both replaces them', async () => {
  const c = await startCrdtCluster(['gotham', 'metropolis']);
  try {
    await c.fullMesh();
    const [a, b] = c.members as [(typeof c.members)[0], (typeof c.members)[0]];
    const [ta, tb] = [a.store.table<string>('t'), b.store.table<string>('t')];
    const hidden: { side: string; key: string; value: string | undefined; version: number }[] = [];
    for (const m of [a, b]) {
      m.store.table<string>('t').onConcurrent((ch) => hidden.push({ side: m.short, ...ch }));
    }
    c.partition(['gotham']);
    const va = await ta.put('k', 'gotham');
    const vb = await tb.put('k', 'metropolis');
    c.heal();
    await c.converged(10_000);
    const both = [
      { key: 'k', value: 'gotham', version: va },
      { key: 'k', value: 'metropolis', version: vb },
    ];
    for (const t of [ta, tb]) {
      const all = await t.concurrent('k');
      assert.deepEqual(
        [...all].sort((x, y) => x.value.localeCompare(y.value)),
        both,
      );
      assert.deepEqual(all[0], await t.get('k'), 'the visible value comes first');
    }
    const visible = (await ta.get('k'))!;
    const [winner, loser] = visible.value === 'gotham' ? [a, b] : [b, a];
    const lost = both.find((v) => v.value !== visible.value)!;
    assert.deepEqual(
      hidden.map((h) => [h.side, h.key, h.value, h.version]),
      [[winner.short, 'k', lost.value, lost.version]],
      'only the replica whose own value stayed visible gained a hidden one',
    );
    assert.equal(hidden.length, 1, `${loser.short} saw its visible value change instead`);

    // A put on the losing side that read both (expectVersion of the first) replaces both.
    const tl = loser.store.table<string>('t');
    const [first] = await tl.concurrent('k');
    await tl.put('k', 'merged', { expectVersion: first!.version });
    await c.converged(10_000);
    for (const t of [ta, tb])
      assert.deepEqual(
        (await t.concurrent('k')).map((v) => v.value),
        ['merged'],
      );
    assert.deepEqual(await ta.concurrent('absent'), []);
    await assert.rejects(ta.concurrent(''), isCode('invalid'));
  } finally {
    await c.close();
  }
});
