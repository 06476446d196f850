// Entity workers on durable CRDT replicas: every node of the cluster stopped at once and started
// again on the same disks serves every entity at the state its last acknowledged write set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterNode } from '../../packages/runtime/src/cluster/node.ts';
import { MemoryCrdtDisk, MemoryCrdtStorage } from '../../packages/runtime/src/crdt/driver/storage/index.ts';
import { startCrdtStore, type CrdtStore } from '../../packages/runtime/src/store/crdt-store.ts';
import type { EntityState, EntityWorkers } from '../../examples/entity-workers/index.ts';
import { startEntityWorkers } from '../../examples/entity-workers/index.ts';
import { ManualClock, startMeshed, stopAll } from './helpers.ts';

interface Running {
  readonly nodes: ClusterNode[];
  readonly stores: CrdtStore[];
  readonly services: EntityWorkers[];
}

async function start(disks: readonly MemoryCrdtDisk[], clock: ManualClock): Promise<Running> {
  const nodes = await startMeshed(['foo', 'bar', 'baz']);
  const stores = await Promise.all(
    nodes.map((node, i) => startCrdtStore({ node, storage: new MemoryCrdtStorage(disks[i]!) })),
  );
  const services = await Promise.all(
    nodes.map((node, i) => startEntityWorkers({ node, store: stores[i]!, now: clock.now })),
  );
  return { nodes, stores, services };
}

async function stop(r: Running): Promise<void> {
  await stopAll(r.nodes);
  await Promise.all(r.services.map((s) => s.stop()));
  await Promise.all(r.stores.map((s) => s.close()));
}

test('crdt replicas on disk: a whole-cluster restart keeps every entity at its last acknowledged state', async (t) => {
  const clock = new ManualClock();
  const disks = [new MemoryCrdtDisk(), new MemoryCrdtDisk(), new MemoryCrdtDisk()];
  const first = await start(disks, clock);
  let running: Running | undefined = first;
  t.after(() => (running === undefined ? undefined : stop(running)));
  const states: EntityState[] = ['initialized', 'working', 'finalized'];
  const acked = new Map<string, EntityState>();
  for (let i = 0; i < 30; i++) {
    const id = `entity_${i % 10}`;
    const state = states[i % 3]!;
    clock.advance(5);
    await first.services[i % 3]!.setEntityState(id, state);
    acked.set(id, state);
  }
  await stop(first);
  running = undefined;
  const again = await start(disks, clock);
  running = again;
  for (const s of again.services)
    for (const [id, state] of acked) assert.equal((await s.getEntity(id)).state, state, id);
});
