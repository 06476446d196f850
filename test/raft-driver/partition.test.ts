// Partitions: the side without a majority refuses writes and linearizable reads with no_quorum
// (fast, once it knows it is alone), the majority elects a leader and keeps working, and after the
// heal every member converges on the majority's history; nothing written on the minority survives.
// Requests get a 10-minute deadline here, so a no_quorum answer within a test's hang guard can only
// be the fail-fast of a member that knows it is on the minority side, never the deadline.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { StoreError } from '../../packages/runtime/src/store/types.ts';
import { settlesWithin } from '../../packages/runtime/src/testing/hang-guard.ts';
import { rejection, startStoreCluster, waitFor, type TestCluster } from './helpers.ts';

let c: TestCluster;
before(async () => {
  c = await startStoreCluster(['gotham', 'metropolis', 'capitol'], {
    extras: { requestTimeoutMs: 600_000 },
  });
});
after(() => c.close());

test('a leader cut off from the majority loses its writes with no_quorum; the majority goes on; heal converges', async (t) => {
  await c.members[0]!.store.table('city').put('before', 1);
  const old = c.leader();
  const majority = c.members.filter((m) => m !== old);
  for (const m of c.members)
    m.node.faults.partition(
      [old.short],
      majority.map((x) => x.short),
    );

  // A write started on the isolated leader cannot commit: it fails with no_quorum, in time.
  const started = Date.now();
  const lost = await settlesWithin(
    rejection(old.store.table('city').put('minority', 1)),
    60_000,
    'the write on the cut-off leader failing',
  );
  t.diagnostic(`write on the cut-off leader failed after ${Date.now() - started} ms: ${lost.message}`);
  assert.ok(lost instanceof StoreError);
  assert.equal(lost.code, 'no_quorum');
  assert.match(lost.message, /^no quorum: /);

  // The majority elected a new leader and accepts writes on both of its members.
  await waitFor(() => majority.some((m) => m.store.role() === 'leader'), 10_000, 'a majority leader');
  const v1 = await majority[0]!.store.table('city').put('majority-1', 1);
  const v2 = await majority[1]!.store.table('city').put('majority-2', 2);
  assert.ok(v2 > v1);
  assert.equal(old.store.writable(), false);
  for (const m of majority) assert.equal(m.store.writable(), true);

  // Now that the minority knows it is alone, it refuses at once: a linearizable read before it
  // waits for anything, a write on the driver's next tick.
  const fast = Date.now();
  const read = old.store.table('city').get('before');
  const write = old.store.table('city').put('minority-2', 1);
  const refused = await settlesWithin(
    Promise.all([rejection(write), rejection(read)]),
    30_000,
    'the minority refusing a later write and read',
  );
  t.diagnostic(`a later write and read on the minority were refused within ${Date.now() - fast} ms`);
  assert.deepEqual(
    refused.map((e) => e.code),
    ['no_quorum', 'no_quorum'],
  );
  await waitFor(() => old.store.role() !== 'leader', 5000, 'check-quorum steps the old leader down');
  // Stale reads still serve the minority's last known state.
  assert.equal((await old.store.table('city').get('before', { stale: true }))?.value, 1);

  for (const m of c.members) m.node.faults.heal();
  await waitFor(
    async () => {
      const v = await old.store.table('city').get('majority-2', { stale: true });
      return v !== undefined;
    },
    15_000,
    'the old leader catches up',
  );
  const views = await Promise.all(
    c.members.map(async (m) => JSON.stringify(await m.store.table('city').list())),
  );
  assert.equal(new Set(views).size, 1, 'every member holds the same table');
  assert.equal(await old.store.table('city').get('minority'), undefined, 'the minority write never applied');
  assert.equal(await old.store.table('city').get('minority-2'), undefined);
  await old.store.table('city').put('after-heal', 1);
});

test('a follower cut off alone refuses writes; the leader and the other follower keep working', async (t) => {
  const leader = c.leader();
  const lone = c.members.find((m) => m !== leader)!;
  const other = c.members.find((m) => m !== leader && m !== lone)!;
  for (const m of c.members) m.node.faults.partition([lone.short], [leader.short, other.short]);
  const started = Date.now();
  const err = await settlesWithin(
    rejection(lone.store.table('city').put('lonely', 1)),
    60_000,
    'the write on the cut-off follower failing',
  );
  t.diagnostic(`write on the cut-off follower failed after ${Date.now() - started} ms`);
  assert.equal(err.code, 'no_quorum');
  await other.store.table('city').put('still-working', 1);
  assert.equal(leader.store.role(), 'leader', 'pre-vote kept the lone follower from deposing the leader');
  for (const m of c.members) m.node.faults.heal();
  await waitFor(
    async () => (await lone.store.table('city').get('still-working', { stale: true })) !== undefined,
    15_000,
  );
  assert.equal(await leader.store.table('city').get('lonely'), undefined);
});
