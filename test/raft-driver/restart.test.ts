// Restarts from the data directory: a member comes back with its log and snapshot (it does not
// bootstrap again), rejoins and catches up — by log or, when it fell behind the leader's
// compaction, by snapshot; a whole-cluster restart keeps every acknowledged write.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startNode } from '../../packages/runtime/src/cluster/node.ts';
import { startRaftStore } from '../../packages/runtime/src/store/raft-store.ts';
import { freePort } from '../../packages/runtime/src/testing/free-port.ts';
import { startStoreCluster, waitFor } from './helpers.ts';

test('a follower restarted from its data directory rejoins without bootstrapping and catches up by snapshot', async (t) => {
  const c = await startStoreCluster(['gotham', 'metropolis', 'capitol'], {
    extras: { snapshotEntries: 40, raft: { compactionTrailingEntries: 10 } },
  });
  t.after(() => c.close());
  const leader = c.leader();
  const follower = c.members.find((m) => m !== leader)!;
  const table = leader.store.table<number>('heroes');
  for (let i = 0; i < 60; i++) await table.put(`early-${i}`, i);
  await waitFor(() => follower.store.appliedIndex >= leader.store.appliedIndex);
  const termBefore = follower.store.status().term;
  assert.ok(follower.store.status().snapshotIndex > 0, 'the follower took its own snapshot');
  await c.stop(follower.short);

  // While it is down the others write far past their next compaction.
  for (let i = 0; i < 150; i++) await table.put(`late-${i}`, i);
  assert.ok(leader.store.status().firstIndex > follower.store.appliedIndex, 'the leader compacted past it');

  await c.restart(follower.short);
  const restarted = c.member(follower.short).store;
  const s = restarted.status();
  assert.ok(s.term >= termBefore, 'term and vote come back from disk (no bootstrap at term 1)');
  assert.ok(s.snapshotIndex > 0, 'state comes back from its snapshot');
  assert.deepEqual([...s.voters].sort(), [...c.voters].sort());
  await waitFor(
    async () => (await restarted.table('heroes').get('late-149', { stale: true })) !== undefined,
    10_000,
    'caught up',
  );
  const a = await restarted.table('heroes').list();
  const b = await leader.store.table('heroes').list();
  assert.deepEqual(a, b);
  await restarted.table('heroes').put('after-restart', 1);
  const files = await readdir(join(c.root, follower.short));
  assert.ok(
    files.some((f) => f.startsWith('snap-')),
    `a snapshot file is on disk: ${files.join(', ')}`,
  );
});

test('a whole cluster stopped and started again keeps every acknowledged write and elects a leader', async (t) => {
  const c = await startStoreCluster(['gotham', 'metropolis', 'capitol'], { extras: { snapshotEntries: 25 } });
  t.after(() => c.close());
  const written = new Map<string, number>();
  for (let i = 0; i < 60; i++) {
    const m = c.members[i % 3]!;
    written.set(`k${i}`, await m.store.table<number>('t').put(`k${i}`, i));
  }
  for (const m of c.members) await c.stop(m.short);
  await Promise.all(c.members.map((m) => c.restart(m.short)));
  await waitFor(() => c.members.some((m) => m.store.role() === 'leader'), 10_000, 'a leader after restart');
  for (const m of c.members) {
    const rows = await m.store.table<number>('t').list();
    assert.equal(rows.length, 60, `${m.short} has every acknowledged write`);
    for (const r of rows) assert.equal(r.version, written.get(r.key));
  }
  const v = await c.members[1]!.store.table('t').put('after', 1);
  assert.ok(v > Math.max(...written.values()));
});

test('a store closed and started again on the same node reattaches to the mesh and its log', async (t) => {
  const c = await startStoreCluster(['gotham', 'metropolis', 'capitol']);
  t.after(() => c.close());
  const m = c.members.find((x) => x.store.role() !== 'leader')!;
  await m.store.table('x').put('before', 1);
  await m.store.close();
  await c.members
    .find((x) => x !== m)!
    .store.table('x')
    .put('while-closed', 1);
  // As a supervisor restarting it would: same node, same data directory.
  m.store = await startRaftStore({ node: m.node, voters: c.voters, dataDir: m.dataDir! });
  await waitFor(
    async () => (await m.store.table('x').get('while-closed', { stale: true })) !== undefined,
    10_000,
  );
  assert.equal((await m.store.table('x').get('before'))?.value, 1);
  await m.store.table('x').put('after', 1);
});

test('a log written under another address is refused at start, untouched, instead of waiting for a quorum forever', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'raft-foreign-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const started: Array<{ stop(): Promise<void> }> = [];
  t.after(async () => {
    for (const n of started) await n.stop();
  });
  const first = await startNode({ name: 'gotham', cookie: 'raft-restart-cookie', port: await freePort() });
  started.push(first);
  const store = await startRaftStore({ node: first, voters: [first.name], dataDir });
  await store.table('heroes').put('batman', 1);
  await store.close();
  await first.stop();
  const files = await readdir(dataDir);
  const before = await Promise.all(files.map((f) => readFile(join(dataDir, f))));

  // The same node name on another port is another member: its founders are not the log's voters.
  const moved = await startNode({ name: 'gotham', cookie: 'raft-restart-cookie', port: await freePort() });
  started.push(moved);
  await assert.rejects(startRaftStore({ node: moved, voters: [moved.name], dataDir }), (err: Error) => {
    assert.equal((err as { code?: string }).code, 'foreign_data');
    assert.match(err.message, new RegExp(`voters are ${first.name.replace(/[.]/g, '\\.')};`));
    assert.match(err.message, /remove .* to join afresh/);
    return true;
  });
  assert.deepEqual(await readdir(dataDir), files, 'no file added or removed');
  const after = await Promise.all(files.map((f) => readFile(join(dataDir, f))));
  assert.deepEqual(after, before, 'no file changed');

  // A member that is in the log's group restarts from it as before.
  const back = await startNode({ name: 'gotham', cookie: 'raft-restart-cookie', port: first.address.port });
  started.push(back);
  const again = await startRaftStore({ node: back, voters: [back.name], dataDir });
  await waitFor(() => again.role() === 'leader', 10_000, 'the original member leads again');
  assert.equal((await again.table('heroes').get('batman'))?.value, 1);
  await again.close();
});

test('a second store on a node that already runs one is refused', async (t) => {
  const c = await startStoreCluster(['gotham'], { durable: false });
  t.after(() => c.close());
  await assert.rejects(startRaftStore({ node: c.members[0]!.node, voters: c.voters }), {
    name: 'AlreadyAttachedError',
  });
});

test('closing the leader hands leadership over at once and no write is lost', async (t) => {
  // Election timeout of 60–120 s (1 200 ticks of 50 ms): the cluster forms by the boot campaign,
  // and within the hang guard below a new leader can only come from the old one's TimeoutNow.
  const c = await startStoreCluster(['gotham', 'metropolis', 'capitol'], {
    extras: { tickMs: 50, electionTicks: 1200 },
  });
  t.after(() => c.close());
  const old = c.leader();
  const oldTerm = old.store.status().term;
  const v = await c.members
    .find((m) => m !== old)!
    .store.table('x')
    .put('before', 1);
  // The store closes with its node still up, so no dropped connection starts a campaign either.
  await old.store.close();
  const others = c.members.filter((m) => m !== old);
  await waitFor(() => others.some((m) => m.store.role() === 'leader'), 30_000, 'a new leader');
  const leader = others.find((m) => m.store.role() === 'leader')!;
  assert.equal(old.node.nodes().length, 2, 'the node of the old leader was up throughout');
  assert.equal(leader.store.status().term, oldTerm + 1, 'one campaign, forced by TimeoutNow');
  await c.stop(old.short);
  assert.equal((await others[0]!.store.table('x').get('before'))?.version, v);
  await others[1]!.store.table('x').put('after', 1);
});
