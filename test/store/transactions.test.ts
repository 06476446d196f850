/**
 * Transactions are a capability of the store interface: every store that has `transaction`
 * honours its conditions (the conformance suite, run here against the memory store with
 * transactions and a one-member Raft store; etcd runs it in test/store-etcd/conformance.test.ts),
 * and the CRDT store has none.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterNode } from '../../packages/runtime/src/cluster/node.ts';
import { startNode } from '../../packages/runtime/src/cluster/node.ts';
import { startCrdtStore } from '../../packages/runtime/src/store/crdt-store.ts';
import { MemoryStore } from '../../packages/runtime/src/store/memory-store.ts';
import { startRaftStore } from '../../packages/runtime/src/store/raft-store.ts';
import type { Store } from '../../packages/runtime/src/store/types.ts';
import {
  assertNoTransactions,
  storeConformance,
} from '../../packages/runtime/src/testing/conformance/store.ts';

storeConformance('memory (transactions)', {
  create: () => Promise.resolve(new MemoryStore({ transactions: true })),
});

const nodes = new WeakMap<Store, ClusterNode>();
storeConformance('raft (one member)', {
  async create() {
    const node = await startNode({ name: 'txn-solo', cookie: 'store-transactions-test-cookie' });
    const store = await startRaftStore({ node, voters: [node.name] });
    await store.waitForLeader(10_000);
    nodes.set(store, node);
    return store;
  },
  async cleanup(store) {
    await nodes.get(store)?.stop();
  },
});

test('the CRDT store has no transactions: replicas accept concurrent writes', async () => {
  const node = await startNode({ name: 'crdt-solo', cookie: 'store-transactions-test-cookie' });
  const store = await startCrdtStore({ node });
  try {
    assertNoTransactions(store);
  } finally {
    await store.close();
    await node.stop();
  }
});

test('a memory store has transactions only when asked', () => {
  assertNoTransactions(new MemoryStore());
  assert.equal(typeof new MemoryStore({ transactions: true }).transaction, 'function');
});
