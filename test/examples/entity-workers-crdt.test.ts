import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterNode } from '../../packages/runtime/src/cluster/node.ts';
import type { CrdtStore } from '../../packages/runtime/src/store/crdt-store.ts';
import { startCrdtStore } from '../../packages/runtime/src/store/crdt-store.ts';
import type {
  Entity,
  EntityRecord,
  EntityState,
  EntityWorkers,
} from '../../examples/entity-workers/index.ts';
import { ENTITY_STATES, startEntityWorkers } from '../../examples/entity-workers/index.ts';
import { compareStamps } from '../../examples/entity-workers/entity.ts';
import { ManualClock, connect, seededRandom, sleep, startApart, stopAll, waitFor } from './helpers.ts';
import { heldStamps, stampKey, workerCount } from './entity-views.ts';

interface Cluster {
  readonly nodes: ClusterNode[];
  readonly stores: CrdtStore[];
  readonly services: EntityWorkers[];
  stop(): Promise<void>;
}

/** Nodes started apart, each with its own CRDT replica: nothing is shared until they connect. */
async function apart(
  names: string[],
  clock: ManualClock,
  idleMs: (i: number) => number = () => 30_000,
): Promise<Cluster> {
  const nodes = await startApart(names);
  const stores = await Promise.all(nodes.map((node) => startCrdtStore({ node })));
  const services = await Promise.all(
    nodes.map((node, i) =>
      startEntityWorkers({ node, store: stores[i]!, now: clock.now, idleMs: idleMs(i) }),
    ),
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
    assert.equal(stampKey(view.updatedAt), stampKey(newer.updatedAt));
    assert.deepEqual(
      view.history.map((h) => [h.state, stampKey(h.stamp), h.reason]),
      [['working', stampKey(older.updatedAt), 'conflict']],
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

test('crdt replicas, three sides meet at once: a loser whose winner loses the name too hands its writes to the final winner', async (t) => {
  // Registration order n2, n1, n3 (each side's first write starts its worker), then n2 and n3 both
  // connect to n1: n1 loses to n2 while n3 loses to n1, so n3's hand-over finds n1 stopping.
  // The failure of seed 60117 below; entity-workers.test.ts proves the hand-over path on its own.
  const clock = new ManualClock();
  const c = await apart(['n1', 'n2', 'n3'], clock);
  t.after(() => c.stop());
  const acked: Entity[] = [];
  for (const i of [1, 0, 2]) {
    clock.advance(1);
    acked.push(await c.services[i]!.setEntityState('entity_1', 'working'));
  }
  await connect(c.nodes);
  await waitFor(async () => (await workerCount(c.services, 'entity_1')) === 1, 5000, 'one worker left');
  const want = acked.map((e) => stampKey(e.updatedAt)).sort();
  await waitFor(
    async () => (await heldStamps(c.services[0]!, 'entity_1')).join() === want.join(),
    5000,
    'the survivor holds all three writes',
  );
  for (const s of c.services) assert.deepEqual(await heldStamps(s, 'entity_1'), want);
});

/**
 * Two nodes apart: n1's worker stops (idle after 50 ms) before they connect, n2's keeps running.
 * `writes` are made in order, 5 ms apart (so the replicas' clocks order the stored records as the
 * writes); resolves once they have connected and n2, the survivor, holds both writes.
 */
async function stoppedSideMeets(
  t: TestContext,
  writes: readonly [[0 | 1, EntityState], [0 | 1, EntityState]],
): Promise<{ c: Cluster; n2: EntityWorkers; older: Entity; newer: Entity }> {
  const clock = new ManualClock();
  const c = await apart(['n1', 'n2'], clock, (i) => (i === 0 ? 50 : 60_000));
  t.after(() => c.stop());
  const [n1, n2] = c.services as [EntityWorkers, EntityWorkers];
  const older = await c.services[writes[0][0]]!.setEntityState('entity_1', writes[0][1]);
  await sleep(5);
  clock.advance(5);
  const newer = await c.services[writes[1][0]]!.setEntityState('entity_1', writes[1][1]);
  await waitFor(async () => (await n1.workers()).length === 0, 3000, 'n1 worker idle stop');
  await connect(c.nodes);
  const want = [older, newer].map((e) => stampKey(e.updatedAt)).sort();
  await waitFor(
    async () => (await heldStamps(n2, 'entity_1')).join() === want.join(),
    5000,
    'the survivor took in the write of the stopped side',
  );
  return { c, n2, older, newer };
}

test('crdt replicas: a newer write of a side whose worker had already stopped reaches the survivor through the store', async (t) => {
  const { n2 } = await stoppedSideMeets(t, [
    [1, 'finalized'],
    [0, 'working'],
  ]);
  assert.equal((await n2.getEntity('entity_1')).state, 'working');
});

test('crdt replicas: an older write of a side whose worker had already stopped reaches the survivor, though its record is the hidden one of the two concurrent records', async (t) => {
  // n1's record is the older, hidden one.
  const { c, n2, older } = await stoppedSideMeets(t, [
    [0, 'working'],
    [1, 'finalized'],
  ]);
  const view = await n2.getEntity('entity_1');
  assert.equal(view.state, 'finalized');
  assert.deepEqual(
    view.history.map((h) => [h.state, stampKey(h.stamp), h.reason]),
    [['working', stampKey(older.updatedAt), 'conflict']],
  );
  // The survivor's next write starts from the union, and the union replaced both stored records.
  await n2.setEntityState('entity_1', 'working');
  await waitFor(
    async () => {
      const all = await Promise.all(
        c.stores.map((s) => s.table<EntityRecord>('entities').concurrent('entity_1')),
      );
      return all.every((values) => values.length === 1 && values[0]!.value.writes.length === 3);
    },
    5000,
    'every replica holds one record with all three writes',
  );
});

/**
 * Random writes on three nodes started apart, then they connect: every acknowledged write must
 * survive the merge. `stopped` picks, per node and from the seed, whether its worker stops (idle)
 * before the sides meet; its record then reaches the survivor through the store only.
 */
async function seededSchedules(
  t: TestContext,
  defaults: readonly number[],
  stopped: (random: () => number, node: number) => boolean,
): Promise<void> {
  // Fixed seeds by default so CI is repeatable; SEED=<n> RUNS=<k> explores seeds n … n+k-1 instead.
  const runs = Number(process.env.RUNS ?? 3);
  const seeds =
    process.env.SEED === undefined
      ? defaults
      : Array.from({ length: runs }, (_, i) => Number(process.env.SEED) + i);
  const failed: string[] = [];
  for (const seed of seeds) {
    const random = seededRandom(seed);
    const idle = [0, 1, 2].map((i) => (stopped(seededRandom(seed * 3 + i + 1), i) ? 40 : 30_000));
    const clock = new ManualClock();
    const c = await apart(['n1', 'n2', 'n3'], clock, (i) => idle[i]!);
    try {
      const acked: Entity[] = [];
      for (let w = 0; w < 2 + Math.floor(random() * 6); w++) {
        clock.advance(Math.floor(random() * 3));
        const side = c.services[Math.floor(random() * 3)]!;
        acked.push(await side.setEntityState('entity_1', ENTITY_STATES[Math.floor(random() * 3)]!));
      }
      const stopping = c.services.filter((_, i) => idle[i]! < 1000);
      await waitFor(
        async () => (await Promise.all(stopping.map((s) => s.workers()))).every((l) => l.length === 0),
        3000,
        'the stopping sides have no worker',
      );
      await connect(c.nodes);
      await waitFor(async () => (await workerCount(c.services, 'entity_1')) <= 1, 5000, 'one worker left');
      const newest = acked
        .map((e) => e.updatedAt!)
        .sort(compareStamps)
        .at(-1);
      await waitFor(
        async () => {
          const views = await Promise.all(c.services.map((s) => s.getEntity('entity_1')));
          return views.every(
            (v) => stampKey(v.updatedAt) === stampKey(newest) && v.history.length === acked.length - 1,
          );
        },
        5000,
        'every node reads the newest write with the others in its history',
      );
      const kept = new Set(await heldStamps(c.services[0]!, 'entity_1'));
      for (const e of acked)
        assert.ok(kept.has(stampKey(e.updatedAt)), `acknowledged write ${e.state} is lost`);
      await waitFor(
        async () => {
          const stored = await Promise.all(
            c.stores.map((s) => s.table<EntityRecord>('entities').concurrent('entity_1')),
          );
          return stored.every((all) => all.length === 1 && all[0]!.value.writes.length === acked.length);
        },
        5000,
        'every replica stores one record with every acknowledged write',
      );
    } catch (err) {
      t.diagnostic(`failing seed: ${seed} (replay with SEED=${seed} RUNS=1): ${String(err)}`);
      failed.push(String(seed));
    } finally {
      await c.stop();
    }
  }
  assert.deepEqual(failed, [], `failing seeds: ${failed.join(' ')}`);
}

test('crdt replicas, seeded schedules across three nodes started apart: every acknowledged write survives the merge', (t) =>
  // 60117: a loser handed over to a worker that was losing its name too (README, "Hand-over follows the name").
  seededSchedules(t, [1000, 1001, 1002, 60117], () => false));

test('crdt replicas, seeded schedules across three nodes started apart, some of whose workers stopped before the sides met: every acknowledged write survives the merge', (t) =>
  seededSchedules(t, [2000, 2001, 2002, 2003], (random) => random() < 0.5));
