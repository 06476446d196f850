/**
 * A node takes children only once it is ready — its store caught up with the cluster (a Raft
 * barrier) — and its peers hand it nothing before: a restarted node used to start children from its
 * outdated records, and its peers handed it its share the moment it connected, which then went
 * unhosted while it caught up. The store here is a shared memory store whose barrier the test
 * holds for the joining node.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startNode } from '../../packages/runtime/src/cluster/node.ts';
import { startDistributedSupervisor } from '../../packages/runtime/src/placement/index.ts';
import type { PlacementRecord } from '../../packages/runtime/src/placement/index.ts';
import { PeerReadiness, isReadyMessage } from '../../packages/runtime/src/placement/readiness.ts';
import { MemoryStore } from '../../packages/runtime/src/store/memory-store.ts';
import type { Store } from '../../packages/runtime/src/store/types.ts';
import { COOKIE, waitFor } from '../cluster/helpers.ts';
import { testLogger } from '../test-logger.ts';
import { counter, runningOn, shutdown } from './members.ts';
import type { Member } from './members.ts';

/** `store` as a node that must catch up sees it: its barrier resolves once `open` is called. */
function gated(store: MemoryStore): { store: Store; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const view = new Proxy(store, {
    get(target, prop) {
      if (prop === 'barrier') return () => opened;
      const v = Reflect.get(target, prop) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  }) as Store;
  return { store: view, open };
}

const quietly = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('peer readiness: announced or connected for the grace; down forgets it', () => {
  const r = new PeerReadiness();
  assert.equal(r.ready('b', 0, 3000), false, 'unknown');
  r.up('b', 1000);
  assert.equal(r.ready('b', 1500, 3000), false, 'connected, silent, within the grace');
  assert.equal(r.ready('b', 4000, 3000), true, 'silent past the grace counts as ready');
  r.up('c', 1000);
  assert.equal(r.announced('c'), true, 'news');
  assert.equal(r.announced('c'), false, 'not news twice');
  assert.equal(r.ready('c', 1001, 3000), true);
  r.down('c');
  assert.equal(r.ready('c', 9999, 3000), false, 'down: unknown again');
  assert.ok(isReadyMessage({ $placementReady: 'placement', node: 'a@h:1', reply: true }));
  assert.ok(!isReadyMessage({ $placementReady: 'placement', node: 'a@h:1' }));
  assert.ok(!isReadyMessage(null));
});

test('a joining node gets its share only once it is ready, and then gets it', async () => {
  const store = new MemoryStore({ transactions: true });
  const opts = { kinds: { counter }, reconcileIntervalMs: 100, unknownOwnerGraceMs: 120_000 };
  const members: Member[] = [];
  try {
    for (const name of ['ra', 'rb']) {
      const node = await startNode({
        name,
        cookie: COOKIE,
        seeds: members.map((m) => m.node.address),
        logger: testLogger,
      });
      members.push({ node, sup: await startDistributedSupervisor({ node, store, ...opts }) });
    }
    const [a, b] = members as [Member, Member];
    await waitFor(() => a.node.nodes().length === 1 && b.node.nodes().length === 1, 10_000);
    const keys = Array.from({ length: 40 }, (_, i) => `ready-${i}`);
    await Promise.all(keys.map((key) => a.sup.startChild({ key, kind: 'counter' })));
    await waitFor(() => keys.every((k) => runningOn(members, k) === 1), 10_000);

    const g = gated(store);
    const cNode = await startNode({
      name: 'rc',
      cookie: COOKIE,
      seeds: [a.node.address],
      logger: testLogger,
    });
    const c: Member = {
      node: cNode,
      sup: await startDistributedSupervisor({ node: cNode, store: g.store, ...opts }),
    };
    members.push(c);
    await waitFor(() => a.node.nodes().length === 2 && b.node.nodes().length === 2, 10_000);
    await quietly(500); // a window in which a move would happen: none may
    assert.equal(c.sup.isReady(), false);
    assert.deepEqual(c.sup.localKeys(), [], 'nothing runs on a node that is not ready');
    for (const k of keys) assert.equal(runningOn([a, b], k), 1, `${k} still runs on a or b`);

    g.open();
    await waitFor(() => c.sup.isReady() && c.sup.localKeys().length > 0, 10_000);
    await waitFor(() => keys.every((k) => runningOn(members, k) === 1), 10_000);
    const owners = await store.table<PlacementRecord>('placement').list();
    assert.ok(
      owners.some((r) => r.value.owner === cNode.name),
      'c owns its share',
    );
  } finally {
    await shutdown(members);
  }
});

test('a node not caught up starts nothing from records that name it; once caught up it does', async () => {
  const store = new MemoryStore({ transactions: true });
  const g = gated(store);
  const node = await startNode({ name: 'rd', cookie: COOKIE, logger: testLogger });
  // What a restarted node's outdated log may say: this node owns a child.
  await store.table<PlacementRecord>('placement').put('stale-1', {
    key: 'stale-1',
    kind: 'counter',
    args: null,
    strategy: 'rendezvous',
    owner: node.name,
    epoch: 3,
  });
  const sup = await startDistributedSupervisor({
    node,
    store: g.store,
    kinds: { counter },
    reconcileIntervalMs: 100,
  });
  try {
    await quietly(400);
    assert.deepEqual(sup.localKeys(), [], 'not started before the store caught up');
    g.open();
    await waitFor(() => sup.localKeys().includes('stale-1'), 10_000);
  } finally {
    await sup.stop();
    await node.stop();
  }
});
