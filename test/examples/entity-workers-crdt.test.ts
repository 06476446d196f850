import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterNode } from '../../src/cluster/node.ts';
import type { CrdtStore } from '../../src/store/crdt-store.ts';
import { startCrdtStore } from '../../src/store/crdt-store.ts';
import type { Entity, EntityRecord, EntityWorkers } from '../../examples/entity-workers/index.ts';
import { ENTITY_STATES, startEntityWorkers } from '../../examples/entity-workers/index.ts';
import { compareStamps } from '../../examples/entity-workers/entity.ts';
import { ManualClock, connect, seededRandom, sleep, startApart, stopAll, waitFor } from './helpers.ts';

interface Cluster {
  readonly nodes: ClusterNode[];
  readonly stores: CrdtStore[];
  readonly services: EntityWorkers[];
  stop(): Promise<void>;
}

/** Nodes started apart, each with its own CRDT replica: nothing is shared until they connect. */
async function apart(names: string[], clock: ManualClock): Promise<Cluster> {
  const nodes = await startApart(names);
  const stores = await Promise.all(nodes.map((node) => startCrdtStore({ node })));
  const services = await Promise.all(
    nodes.map((node, i) => startEntityWorkers({ node, store: stores[i]!, now: clock.now })),
  );
  return {
    nodes,
    stores,
    services,
    async stop() {
      await Promise.all(services.map((s) => s.stop()));
      await Promise.all(stores.map((s) => s.close()));
      await stopAll(nodes);
    },
  };
}

async function workerCount(services: readonly EntityWorkers[], id: string): Promise<number> {
  const lists = await Promise.all(services.map((s) => s.workers()));
  return lists.filter((l) => l.includes(id)).length;
}

const key = (e: Entity['updatedAt'] | undefined): string => JSON.stringify(e);

for (const olderOnWinner of [true, false]) {
  test(`crdt replicas, nodes started apart: after they connect one worker holds the newest write, the other is history, and both replicas converge on the merged record (older write on the surviving worker: ${olderOnWinner})`, async (t) => {
    const clock = new ManualClock();
    const c = await apart(['foo', 'bar'], clock);
    t.after(() => c.stop());
    const [foo, bar] = c.services as [EntityWorkers, EntityWorkers];
    await foo.getEntity('entity_1');
    await sleep(5);
    await bar.getEntity('entity_1');
    const [first, second] = olderOnWinner ? [foo, bar] : [bar, foo];
    const older = await first.setEntityState('entity_1', 'working');
    clock.advance(10);
    const newer = await second.setEntityState('entity_1', 'finalized');
    assert.equal(older.history.length, 0, 'apart, neither replica knows the other write');
    assert.equal(newer.history.length, 0);

    await connect(c.nodes);
    await waitFor(async () => (await workerCount(c.services, 'entity_1')) === 1, 5000, 'one worker left');
    await waitFor(
      async () => {
        const views = await Promise.all(c.services.map((s) => s.getEntity('entity_1')));
        return views.every((v) => v.state === 'finalized' && v.history.length === 1);
      },
      5000,
      'both nodes read the merged entity',
    );
    const view = await foo.getEntity('entity_1');
    assert.equal(key(view.updatedAt), key(newer.updatedAt));
    assert.deepEqual(
      view.history.map((h) => [h.state, key(h.stamp), h.reason]),
      [['working', key(older.updatedAt), 'conflict']],
    );
    await waitFor(
      async () => {
        const stored = await Promise.all(
          c.stores.map((s) => s.table<EntityRecord>('entities').get('entity_1')),
        );
        return stored.every((r) => r?.value.writes.length === 2);
      },
      5000,
      'every replica stores both writes',
    );
  });
}

test('crdt replicas, seeded schedules across three nodes started apart: every acknowledged write survives the merge', async (t) => {
  // A fixed base by default so CI is repeatable; SEED=<n> explores others. Known failing seed: 60117
  // (a write acknowledged on one side not found after the merge) — under investigation.
  const base = Number(process.env.SEED ?? 1000);
  for (let run = 0; run < 3; run++) {
    const seed = base + run;
    const random = seededRandom(seed);
    const clock = new ManualClock();
    const c = await apart(['n1', 'n2', 'n3'], clock);
    try {
      const acked: Entity[] = [];
      for (let w = 0; w < 2 + Math.floor(random() * 6); w++) {
        clock.advance(Math.floor(random() * 3));
        const side = c.services[Math.floor(random() * 3)]!;
        acked.push(await side.setEntityState('entity_1', ENTITY_STATES[Math.floor(random() * 3)]!));
      }
      await connect(c.nodes);
      await waitFor(async () => (await workerCount(c.services, 'entity_1')) === 1, 5000, 'one worker left');
      const newest = acked
        .map((e) => e.updatedAt!)
        .sort(compareStamps)
        .at(-1);
      await waitFor(
        async () => {
          const views = await Promise.all(c.services.map((s) => s.getEntity('entity_1')));
          return views.every(
            (v) => key(v.updatedAt) === key(newest) && v.history.length === acked.length - 1,
          );
        },
        5000,
        'every node reads the newest write with the others in its history',
      );
      const view = await c.services[0]!.getEntity('entity_1');
      const kept = new Set([view.updatedAt, ...view.history.map((h) => h.stamp)].map(key));
      for (const e of acked) assert.ok(kept.has(key(e.updatedAt)), `acknowledged write ${e.state} is lost`);
    } catch (err) {
      t.diagnostic(`failing seed: ${seed} (replay with SEED=${seed})`);
      throw err;
    } finally {
      await c.stop();
    }
  }
});
