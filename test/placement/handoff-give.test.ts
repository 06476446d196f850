/**
 * A move gives the record straight to the next owner: the old owner stops its copy and, in one
 * compare-and-set write, names the next owner (next epoch, the state in `handoff`); the next owner
 * starts the child from that write. No record of a moving child is ever released to no owner in
 * between (which took a second write, the next owner's claim, in turn). Shown for a graceful leave
 * (every child moves at once) and for a node joining (its share moves to it). Seeded: the seed picks
 * the number of children (`GIVE_SEED` replays one).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startNode } from '../../packages/runtime/src/cluster/node.ts';
import { startDistributedSupervisor } from '../../packages/runtime/src/placement/index.ts';
import type { PlacementRecord } from '../../packages/runtime/src/placement/index.ts';
import { MemoryStore } from '../../packages/runtime/src/store/memory-store.ts';
import { seededRandom } from '../../packages/runtime/src/testing/sim/index.ts';
import { COOKIE, waitFor } from '../cluster/helpers.ts';
import { counter, runningOn, shutdown, waitForHosts } from './members.ts';
import type { Member } from './members.ts';

async function member(name: string, store: MemoryStore, seeds: readonly Member[]): Promise<Member> {
  const node = await startNode({ name, cookie: COOKIE, seeds: seeds.map((m) => m.node.address) });
  return {
    node,
    sup: await startDistributedSupervisor({ node, store, kinds: { counter }, reconcileIntervalMs: 200 }),
  };
}

/** Every owner each key's record named, in order, from now on. */
function ownersOver(store: MemoryStore): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  store.table<PlacementRecord>('placement').subscribe((c) => {
    if (c.value === undefined) return;
    const list = seen.get(c.key) ?? [];
    if (list[list.length - 1] !== c.value.owner) list.push(c.value.owner);
    seen.set(c.key, list);
  });
  return seen;
}

const seedOf = (t: { diagnostic: (m: string) => void }): { seed: number; n: number } => {
  const seed = Number(process.env['GIVE_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
  const n = 20 + Math.floor(seededRandom(seed)() * 60);
  t.diagnostic(`seed ${seed}: ${n} children`);
  return { seed, n };
};

test('a graceful leave gives each child to its next owner in one write, never releasing it', async (t) => {
  const { seed, n } = seedOf(t);
  const store = new MemoryStore();
  const a = await member('ga', store, []);
  const b = await member('gb', store, [a]);
  await waitFor(() => a.node.nodes().length === 1 && b.node.nodes().length === 1, 10_000);
  await waitForHosts([a, b]);
  const keys = Array.from({ length: n }, (_, i) => `give-${seed}-${i}`);
  await Promise.all(keys.map((key) => a.sup.startChild({ key, kind: 'counter' })));
  await waitFor(
    () => keys.every((k) => runningOn([a, b], k) === 1 && a.sup.whereis(k) !== undefined),
    10_000,
  );
  const moving = b.sup.localKeys();
  assert.ok(moving.length > 0, `seed ${seed}: b hosts none of ${n}`);
  for (const key of moving) await a.node.system.call({ via: a.sup, key }, { type: 'inc' });
  const owners = ownersOver(store);
  await b.sup.stop({ handOff: true });
  await b.node.leave();
  await waitFor(
    () => keys.every((k) => a.sup.localKeys().includes(k) && a.sup.whereis(k) !== undefined),
    10_000,
  );
  for (const key of moving) {
    const list = owners.get(key) ?? [];
    assert.ok(!list.includes(''), `seed ${seed}: ${key} was released on the way: ${list.join(' → ')}`);
    assert.equal(list[list.length - 1], a.node.name, `seed ${seed}: ${key} ended on ${list.join(' → ')}`);
    assert.equal(await a.node.system.call({ via: a.sup, key }, { type: 'get' }), 1, `seed ${seed}: ${key}`);
  }
  await shutdown([a]);
});

test('a joining node is given its share directly, never a released record', async (t) => {
  const { seed, n } = seedOf(t);
  const store = new MemoryStore();
  const a = await member('ja', store, []);
  const b = await member('jb', store, [a]);
  await waitFor(() => a.node.nodes().length === 1, 10_000);
  await waitForHosts([a, b]);
  const keys = Array.from({ length: n }, (_, i) => `join-${seed}-${i}`);
  await Promise.all(keys.map((key) => a.sup.startChild({ key, kind: 'counter' })));
  await waitFor(
    () => keys.every((k) => runningOn([a, b], k) === 1 && a.sup.whereis(k) !== undefined),
    10_000,
  );
  const owners = ownersOver(store);
  const c = await member('jc', store, [a, b]);
  const all = [a, b, c];
  await waitFor(() => c.sup.localKeys().length > 0, 10_000);
  await waitFor(() => keys.every((k) => runningOn(all, k) === 1 && c.sup.whereis(k) !== undefined), 10_000);
  const released = [...owners].filter(([, list]) => list.includes(''));
  assert.deepEqual(released, [], `seed ${seed}: records released on the way to the joiner`);
  for (const k of c.sup.localKeys())
    assert.equal(owners.get(k)?.[owners.get(k)!.length - 1], c.node.name, `seed ${seed}: ${k}`);
  await shutdown(all);
});
