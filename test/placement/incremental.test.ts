/**
 * The event-driven reconcile: failover, rebalancing, the unknown-owner grace, restarts after the
 * store is writable again and crash restarts all happen through the keys the events mark, not the
 * full sweep. Every supervisor here sweeps (and retries) only once a minute, and each test waits at
 * most half of that: a path that misses work fails the test instead of being rescued by the sweep.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Behaviour, CallResult, Pid } from '../../packages/runtime/src/actor/index.ts';
import { startNode } from '../../packages/runtime/src/cluster/node.ts';
import type { PlacedInit, PlacementRecord } from '../../packages/runtime/src/placement/index.ts';
import { startDistributedSupervisor } from '../../packages/runtime/src/placement/index.ts';
import { MemoryStore } from '../../packages/runtime/src/store/memory-store.ts';
import { COOKIE, waitFor } from '../cluster/helpers.ts';
import { runningOn, shutdown, waitForHosts } from './members.ts';
import type { Member } from './members.ts';

const SWEEP_MS = 60_000;
/** Half the sweep interval: generous for the event path, too short for the safety net. */
const WITHIN_MS = SWEEP_MS / 2;

const child: Behaviour<number, PlacedInit, unknown, unknown> = {
  name: 'incremental-child',
  init: (init) => init.epoch,
  handleCall: (_msg, _from, n): CallResult<number, unknown> => ({ reply: n, state: n }),
};

/** A store whose writability the test switches, as a Raft store's does with quorum. */
class GatedStore extends MemoryStore {
  open = true;
  override writable(): boolean {
    return this.open;
  }
}

async function member(
  name: string,
  store: MemoryStore,
  seeds: Member[],
  extra: { unknownOwnerGraceMs?: number; quorumLossStopMs?: number } = {},
): Promise<Member> {
  const node = await startNode({ name, cookie: COOKIE, seeds: seeds.map((m) => m.node.address) });
  const sup = await startDistributedSupervisor({
    node,
    store,
    kinds: { child },
    reconcileIntervalMs: SWEEP_MS,
    fullSweepIntervalMs: SWEEP_MS,
    ...extra,
  });
  return { node, sup };
}

async function cluster(names: string[], store: MemoryStore = new MemoryStore()): Promise<Member[]> {
  const members: Member[] = [];
  for (const name of names) members.push(await member(name, store, members));
  await waitFor(() => members.every((m) => m.node.nodes().length === names.length - 1), 10_000);
  await waitForHosts(members);
  return members;
}

const keysOf = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

test('a lost node’s children run again through the node-down event, not the full sweep', async () => {
  const members = await cluster(['ia', 'ib', 'ic']);
  const [a, b, c] = members as [Member, Member, Member];
  const keys = keysOf('lost', 150);
  await Promise.all(keys.map((key) => a.sup.startChild({ key, kind: 'child' })));
  const lost = b.sup.localKeys();
  assert.ok(lost.length > 10, `b hosts ${lost.length} children`);
  await b.sup.stop();
  await b.node.stop();
  await waitFor(() => keys.every((k) => runningOn([a, c], k) === 1), WITHIN_MS);
  for (const k of keys) assert.equal(runningOn([a, c], k), 1, k);
  // Found from both survivors, each at a new epoch.
  for (const k of lost) {
    assert.ok(a.sup.whereis(k) && c.sup.whereis(k), k);
    assert.notEqual(a.sup.ownerOf(k), b.node.name);
  }
  await shutdown([a, c]);
});

test('a joining node takes its share through the node-up event', async () => {
  const store = new MemoryStore();
  const members = await cluster(['ja', 'jb'], store);
  const keys = keysOf('join', 90);
  await Promise.all(keys.map((key) => members[0]!.sup.startChild({ key, kind: 'child' })));
  const c = await member('jc', store, members);
  const all = [...members, c];
  await waitFor(() => c.sup.localKeys().length >= 10, WITHIN_MS);
  await waitFor(() => keys.every((k) => runningOn(all, k) === 1), WITHIN_MS);
  await shutdown(all);
});

test('children of an owner never seen are claimed once the grace has passed', async () => {
  const store = new MemoryStore();
  const placement = store.table<PlacementRecord>('placement');
  const keys = keysOf('ghost', 20);
  for (const key of keys) {
    await placement.put(key, {
      key,
      kind: 'child',
      args: null,
      strategy: 'rendezvous',
      owner: 'ghost@x',
      epoch: 3,
    });
  }
  const solo = await member('ga', store, [], { unknownOwnerGraceMs: 300 });
  assert.equal(solo.sup.localKeys().length, 0, 'nothing is taken before the grace');
  await waitFor(() => solo.sup.localKeys().length === keys.length, WITHIN_MS);
  for (const key of keys) assert.equal((await placement.get(key))?.value.epoch, 4, key);
  await shutdown([solo]);
});

test('children stopped for quorum loss start again once the store is writable', async () => {
  const store = new GatedStore();
  const solo = await member('qa', store, [], { quorumLossStopMs: 200 });
  const keys = keysOf('quorum', 20);
  await Promise.all(keys.map((key) => solo.sup.startChild({ key, kind: 'child' })));
  store.open = false;
  await waitFor(() => solo.sup.localKeys().length === 0, WITHIN_MS);
  store.open = true;
  await waitFor(() => solo.sup.localKeys().length === keys.length, WITHIN_MS);
  await shutdown([solo]);
});

test('a crash restarts exactly the child that crashed, among many', async () => {
  const [solo] = (await cluster(['xa'])) as [Member];
  const keys = keysOf('crash', 50);
  const pids = new Map<string, Pid>();
  for (const key of keys) pids.set(key, await solo.sup.startChild({ key, kind: 'child' }));
  solo.node.system.exit(pids.get('crash-25')!, 'boom');
  await waitFor(() => {
    const now = solo.sup.whereis('crash-25');
    return now !== undefined && now.id !== pids.get('crash-25')!.id;
  }, WITHIN_MS);
  for (const key of keys) {
    if (key !== 'crash-25') assert.equal(solo.sup.whereis(key)?.id, pids.get(key)!.id, key);
  }
  assert.equal(solo.sup.localKeys().length, keys.length);
  await shutdown([solo]);
});
