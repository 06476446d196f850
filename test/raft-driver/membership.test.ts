// Membership: a new node joins as a learner (it receives the state, by a chunked snapshot when the
// log is compacted, but does not vote), is promoted to voter once caught up, counts in the quorum,
// and can be removed again. Changes are idempotent and can be asked of any member.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rejection, startStoreCluster, waitFor } from './helpers.ts';

test('a new node joins as a learner, catches up by a chunked snapshot, is promoted and then counts in the quorum', async (t) => {
  const c = await startStoreCluster(['gotham', 'metropolis', 'capitol'], {
    extras: {
      snapshotEntries: 50,
      snapshotChunkBytes: 512,
      snapshotWindow: 2,
      raft: { compactionTrailingEntries: 5 },
    },
  });
  t.after(() => c.close());
  const big = 'x'.repeat(200);
  for (let i = 0; i < 120; i++) await c.members[i % 3]!.store.table('heroes').put(`h${i}`, { i, big });

  const joiner = await c.join('smallville');
  assert.equal(joiner.store.role(), 'none', 'not a member until added');
  await waitFor(() => c.members.every((m) => m.node.nodes().length === 3), 10_000, 'mesh with the new node');
  // Asked of a follower: it forwards the change to the leader.
  const follower = c.members.find((m) => m.store.role() === 'follower')!;
  await follower.store.addMember(joiner.node.name);
  await follower.store.addMember(joiner.node.name); // idempotent
  await waitFor(() => joiner.store.role() === 'learner', 10_000, 'learner role');

  await waitFor(
    async () => (await joiner.store.table('heroes').list({ stale: true })).length === 120,
    10_000,
    'the learner holds the state',
  );
  assert.ok(joiner.store.status().snapshotIndex > 0, 'it got there by snapshot');
  assert.deepEqual(c.leader().store.members().learners, [joiner.node.name]);

  // A learner reads linearizably and writes through the leader, but does not vote.
  await joiner.store.table('heroes').put('from-learner', 1);
  assert.equal((await joiner.store.table('heroes').get('from-learner'))?.value, 1);

  await c.members[0]!.store.promote(joiner.node.name);
  await waitFor(() => joiner.store.role() === 'follower', 10_000, 'voter role');
  assert.equal(c.leader().store.members().voters.length, 4);

  // Four voters need three: with one founder down the other three still commit.
  const down = c.members.find((m) => m.store.role() === 'follower' && m !== joiner)!;
  await c.stop(down.short);
  await joiner.store.table('heroes').put('with-three-of-four', 1);

  // Remove the stopped member; three voters again, two of which are needed.
  await joiner.store.removeMember(down.node.name);
  await waitFor(() => c.leader().store.members().voters.length === 3, 5000);
  assert.ok(!c.leader().store.members().voters.includes(down.node.name));
  await c.leader().store.table('heroes').put('after-removal', 1);
});

test('promoting a node that is not a learner is refused as invalid', async (t) => {
  const c = await startStoreCluster(['gotham', 'metropolis', 'capitol'], { durable: false });
  t.after(() => c.close());
  const err = await rejection(c.members[0]!.store.promote('nobody@127.0.0.1:1'));
  assert.equal(err.code, 'invalid');
});
