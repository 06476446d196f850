import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterNode } from '../../packages/runtime/src/cluster/node.ts';
import type { RaftStore } from '../../packages/runtime/src/store/raft-store.ts';
import { startRaftStore } from '../../packages/runtime/src/store/raft-store.ts';
import type { Entity, EntityWorkers } from '../../examples/entity-workers/index.ts';
import { EntityUnavailableError, startEntityWorkers } from '../../examples/entity-workers/index.ts';
import { ManualClock, connect, startApart, stopAll, waitFor } from './helpers.ts';
import { workerCount } from './entity-views.ts';

interface RaftCluster {
  readonly nodes: ClusterNode[];
  readonly stores: RaftStore[];
  readonly services: EntityWorkers[];
}

async function raftCluster(
  t: { after: (fn: () => Promise<void>) => void },
  names: string[],
  meshed: boolean,
): Promise<RaftCluster> {
  const nodes = await startApart(names);
  if (meshed) await connect(nodes);
  const voters = nodes.map((n) => n.name);
  const stores = await Promise.all(nodes.map((node) => startRaftStore({ node, voters })));
  const clock = new ManualClock();
  const services = await Promise.all(
    nodes.map((node, i) =>
      startEntityWorkers({ node, store: stores[i]!, now: () => (clock.advance(1), clock.now()) }),
    ),
  );
  t.after(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await Promise.all(stores.map((s) => s.close()));
    await stopAll(nodes);
  });
  return { nodes, stores, services };
}

test('raft store, nodes started apart: no side has a quorum, so no write is acknowledged until they connect', async (t) => {
  const c = await raftCluster(t, ['foo', 'bar', 'baz'], false);
  const [foo, bar] = c.services as [EntityWorkers, EntityWorkers];
  await waitFor(() => c.stores.every((s) => !s.writable()), 5000, 'stores settle without a leader');
  await assert.rejects(foo.setEntityState('entity_1', 'working'), EntityUnavailableError);
  await assert.rejects(bar.setEntityState('entity_1', 'finalized'), EntityUnavailableError);
  await connect(c.nodes);
  await waitFor(() => c.stores.every((s) => s.writable()), 10_000, 'a leader known to every member');
  const acked = await bar.setEntityState('entity_1', 'finalized');
  assert.equal(acked.state, 'finalized');
  assert.equal(acked.history.length, 0, 'the refused writes left nothing behind');
  assert.equal((await foo.getEntity('entity_1')).state, 'finalized');
  assert.equal(await workerCount(c.services, 'entity_1'), 1);
});

test('raft store, a partition: the minority side refuses writes, the majority keeps writing, and after the heal one worker holds the majority state', async (t) => {
  const c = await raftCluster(t, ['foo', 'bar', 'baz'], true);
  const [foo, bar, baz] = c.services as [EntityWorkers, EntityWorkers, EntityWorkers];
  await waitFor(() => c.stores.every((s) => s.writable()), 10_000, 'a leader known to every member');
  const first = await foo.setEntityState('entity_1', 'working');
  for (const n of c.nodes) n.faults.partition(['foo'], ['bar', 'baz']);
  const fooStore = c.stores[0]!;
  await waitFor(() => !fooStore.writable(), 10_000, 'foo loses its quorum');
  await assert.rejects(foo.setEntityState('entity_1', 'finalized'), EntityUnavailableError);
  let acked: Entity | undefined;
  await waitFor(
    async () => {
      acked = await bar.setEntityState('entity_1', 'finalized').catch(() => undefined);
      return acked !== undefined;
    },
    15_000,
    'the majority side accepts a write',
  );
  for (const n of c.nodes) n.faults.heal();
  await waitFor(
    async () => (await workerCount(c.services, 'entity_1')) === 1,
    15_000,
    'one worker after the heal',
  );
  await waitFor(
    async () => (await foo.getEntity('entity_1').catch(() => undefined))?.state === 'finalized',
    15_000,
    'foo reads the majority state',
  );
  const view = await baz.getEntity('entity_1');
  assert.deepEqual(view.updatedAt, acked?.updatedAt);
  assert.deepEqual(
    view.history.map((h) => [h.state, h.stamp]),
    [['working', first.updatedAt]],
    'the refused write never appears; the acknowledged ones all do',
  );
});
