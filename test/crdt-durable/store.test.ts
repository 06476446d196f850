// The AP store with durable replicas and its write concern, on real nodes over loopback: a whole
// cluster stopped and started again on the same disks has every write back; a replica restarted
// empty (the City's lost disk) wipes its disk and refills; a write answers `replicated` only once a
// peer holds it, `local` when no peer can, and `timeout` when its replica restarted empty first.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { ClusterNode } from '../../packages/runtime/src/cluster/node.ts';
import { startNode } from '../../packages/runtime/src/cluster/node.ts';
import { awaitConverged } from '../../packages/runtime/src/crdt/driver/index.ts';
import {
  FileCrdtStorage,
  MemoryCrdtDisk,
  MemoryCrdtStorage,
  type CrdtStorage,
} from '../../packages/runtime/src/crdt/driver/storage/index.ts';
import {
  startCrdtStore,
  type CrdtStore,
  type WriteConcern,
} from '../../packages/runtime/src/store/crdt-store.ts';
import { waitFor } from '../../packages/runtime/src/testing/wait-for.ts';
import { HeroStore } from '../../src/dispatch/hero-store.ts';
import type { LiveRecord } from '../../src/dispatch/hero-record.ts';
import { newHero } from '../../src/dispatch/rules.ts';

const COOKIE = 'crdt-durable-test';
const root = mkdtempSync(join(tmpdir(), 'crdt-durable-'));
after(() => rmSync(root, { recursive: true, force: true }));

interface Member {
  node: ClusterNode;
  store: CrdtStore;
}

async function startMembers(
  names: readonly string[],
  storage: (name: string) => CrdtStorage | undefined,
  writeConcern?: WriteConcern,
  ports: readonly number[] = [],
): Promise<Member[]> {
  const first = await startNode({ name: names[0]!, cookie: COOKIE, port: ports[0] ?? 0 });
  const rest = await Promise.all(
    names
      .slice(1)
      .map((name, i) => startNode({ name, cookie: COOKIE, port: ports[i + 1] ?? 0, seeds: [first.address] })),
  );
  return Promise.all(
    [first, ...rest].map(async (node) => {
      const s = storage(node.shortName);
      const store = await startCrdtStore({
        node,
        ...(s === undefined ? {} : { storage: s }),
        ...(writeConcern === undefined ? {} : { writeConcern }),
      });
      const m = { node, store };
      live.add(m);
      return m;
    }),
  );
}

/** Members still running, stopped at the end if a failed test left them. */
const live = new Set<Member>();
after(() => stopAll([...live]));

async function stopAll(members: readonly Member[]): Promise<void> {
  await Promise.all(
    members.map(async (m) => {
      live.delete(m);
      await m.node.stop();
      await m.store.close();
    }),
  );
}

async function fullMesh(members: readonly Member[]): Promise<void> {
  await waitFor(
    () => members.every((m) => m.store.driver.peers().size === members.length - 1),
    10_000,
    'a full mesh of CRDT replicas',
  );
}

test('a whole cluster stopped at once and started on the same disks has every write back, on every node', async () => {
  const names = ['gotham', 'metropolis', 'capitol'];
  const dirs = new Map(names.map((n) => [n, join(root, 'whole', n)]));
  const open = (n: string): CrdtStorage => FileCrdtStorage.open(dirs.get(n)!, { fsync: 'never' });
  let members = await startMembers(names, open);
  await fullMesh(members);
  const written = new Map<string, unknown>();
  for (let i = 0; i < 60; i++) {
    const m = members[i % 3]!;
    const value = { i, by: m.node.shortName };
    await m.store.table('heroes').put(`h${i % 25}`, value);
    written.set(`h${i % 25}`, value);
  }
  await members[1]!.store.table('heroes').delete('h3');
  written.delete('h3');
  // An acknowledged write is on its writer and one peer (write concern); every replica holds it
  // once they converge, and then what each has is on its disk.
  await awaitConverged(
    members.map((m) => m.store),
    10_000,
  );
  const ports = members.map((m) => m.node.address.port);
  await stopAll(members);

  // Each node alone, before any peer is back, already holds what it had.
  const alone = await startMembers(['capitol'], open);
  assert.equal((await alone[0]!.store.table('heroes').list()).length, written.size);
  await stopAll(alone);

  members = await startMembers(names, open, undefined, ports);
  await fullMesh(members);
  await awaitConverged(
    members.map((m) => m.store),
    10_000,
  );
  for (const m of members) {
    const rows = await m.store.table('heroes').list();
    assert.deepEqual(new Map(rows.map((r) => [r.key, r.value])), written, m.node.shortName);
  }
  // The restarted replicas are new replicas of the same nodes, and they keep replicating.
  await members[0]!.store.table('heroes').put('after', 1);
  await awaitConverged(
    members.map((m) => m.store),
    10_000,
  );
  assert.equal((await members[2]!.store.table('heroes').get('after'))?.value, 1);
  await stopAll(members);
});

test('a replica restarted empty (a lost disk) wipes its disk, refills from its peers, and its disk holds the refill', async () => {
  const disks = new Map(['gotham', 'metropolis'].map((n) => [n, new MemoryCrdtDisk()]));
  const members = await startMembers(['gotham', 'metropolis'], (n) => new MemoryCrdtStorage(disks.get(n)!));
  await fullMesh(members);
  for (let i = 0; i < 20; i++) await members[0]!.store.table('heroes').put(`h${i}`, i);
  await awaitConverged(
    members.map((m) => m.store),
    10_000,
  );
  const disk = disks.get('metropolis')!;
  assert.ok(disk.records.length >= 20);
  members[1]!.store.restartEmpty();
  assert.deepEqual(await members[1]!.store.table('heroes').list(), [], 'the local state is gone');
  assert.equal(await members[1]!.store.refilled(10_000), true);
  assert.equal((await members[1]!.store.table('heroes').list()).length, 20);
  // What the disk now holds restores the refilled replica.
  await stopAll(members);
  const again = await startMembers(['metropolis'], (n) => new MemoryCrdtStorage(disks.get(n)!));
  assert.equal((await again[0]!.store.table('heroes').list()).length, 20);
  await stopAll(again);
});

test('write concern: a write answers replicated only once a peer holds it; alone it answers local', async () => {
  const members = await startMembers(['gotham', 'metropolis', 'capitol'], () => undefined);
  await fullMesh(members);
  const heroes = members[0]!.store.table<{ n: number }>('heroes');
  for (let n = 0; n < 20; n++) {
    const r = await heroes.write(`h${n}`, { n });
    assert.equal(r.durability, 'replicated');
    const held = members.slice(1).filter((m) => m.store.driver.get(`heroes/h${n}`)?.value !== undefined);
    assert.ok(held.length >= 1, `a peer holds h${n} when the write is answered`);
  }
  assert.equal((await heroes.remove('h1')).durability, 'replicated');
  assert.equal(
    (await heroes.remove('never-there')).durability,
    'local',
    'nothing to delete, nothing written',
  );
  await stopAll(members.slice(1));
  await waitFor(() => members[0]!.store.driver.peers().size === 0, 10_000, 'peers seen down');
  assert.equal((await heroes.write('alone', { n: 0 })).durability, 'local');
  assert.deepEqual(members[0]!.store.durabilityCounts(), { replicated: 21, local: 1 });
});

test('write concern: a peer that is cut off without being seen down costs a write its timeout, then local', async () => {
  const members = await startMembers(['gotham', 'metropolis'], () => undefined, { timeoutMs: 200 });
  await fullMesh(members);
  members[0]!.node.faults.partition(['gotham'], ['metropolis']);
  members[1]!.node.faults.partition(['gotham'], ['metropolis']);
  const r = await members[0]!.store.table('heroes').write('cut', 1);
  assert.equal(r.durability, 'local');
  await stopAll(members);
});

// Regression (crdt nemesis): a write waiting for its acks when the city was destroyed (the replica
// restarted empty) answered `local`, though it was gone from the replica that answered.
test('a write whose replica restarts empty before any peer acked it rejects with timeout (outcome unknown)', async () => {
  const members = await startMembers(['gotham', 'metropolis'], () => undefined, { timeoutMs: 10_000 });
  await fullMesh(members);
  members[0]!.node.faults.partition(['gotham'], ['metropolis']);
  members[1]!.node.faults.partition(['gotham'], ['metropolis']);
  const heroes = members[0]!.store.table('heroes');
  const pending = heroes.write('doomed', 1);
  const removal = heroes.remove('doomed');
  members[0]!.store.restartEmpty();
  await assert.rejects(pending, { code: 'timeout', message: /restarted empty/ });
  await assert.rejects(removal, { code: 'timeout' });
  assert.equal(await heroes.get('doomed'), undefined, 'gone from this replica');
  // Writes made after the restart are answered as before.
  assert.equal((await members[0]!.store.table('heroes').write('after', 1, {})).durability, 'local');
  await stopAll(members);
});

test('write concern w=1 answers at once, local', async () => {
  const members = await startMembers(['gotham', 'metropolis'], () => undefined, { w: 1 });
  await fullMesh(members);
  assert.equal((await members[0]!.store.table('heroes').write('k', 1)).durability, 'local');
  await stopAll(members);
});

test('write concern options are validated', async () => {
  const node = await startNode({ name: 'lone', cookie: COOKIE });
  await assert.rejects(startCrdtStore({ node, writeConcern: { w: 0 } }), { code: 'invalid' });
  await assert.rejects(startCrdtStore({ node, writeConcern: { timeoutMs: -1 } }), { code: 'invalid' });
  await node.stop();
});

test('a hero created while no peer can take it is acknowledged local-only, and one a peer holds is not', async () => {
  const members = await startMembers(['gotham', 'metropolis'], () => undefined, { timeoutMs: 200 });
  await fullMesh(members);
  const heroes = new HeroStore(members[0]!.store);
  const hero = (id: string): LiveRecord => newHero(id, 'Captain Falcon', '', Date.now());
  assert.equal((await heroes.create(hero('replicated-hero'))).durability, 'replicated');
  members[0]!.node.faults.partition(['gotham'], ['metropolis']);
  members[1]!.node.faults.partition(['gotham'], ['metropolis']);
  assert.equal((await heroes.create(hero('local-hero'))).durability, 'local');
  await stopAll(members);
});
