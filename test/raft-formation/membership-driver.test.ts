/**
 * The formation and autopilot driver on real in-process nodes over loopback TCP: nodes found only
 * by an unnamed address form one group with `--expect 3`; a node without `--expect` and no group
 * to join stays unwritable and says why; a fourth city joins as a learner and, once a voter has
 * been down past the grace, is promoted in its place.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import pino from 'pino';
import type { ClusterNode } from '../../packages/runtime/src/cluster/node.ts';
import { startNode } from '../../packages/runtime/src/cluster/node.ts';
import { startRaftMembership } from '../../packages/runtime/src/raft/formation/membership-driver.ts';
import type { RaftMembership } from '../../packages/runtime/src/raft/formation/membership-driver.ts';
import type { RaftStore } from '../../packages/runtime/src/store/raft-store.ts';
import { startRaftStore } from '../../packages/runtime/src/store/raft-store.ts';
import { waitFor } from '../../packages/runtime/src/testing/wait-for.ts';

const COOKIE = 'formation-driver-test-cookie';
const logger = pino({ level: 'silent' });

interface Member {
  node: ClusterNode;
  store: RaftStore;
  membership: RaftMembership;
}

async function member(name: string, seed: ClusterNode | undefined, expect: number | null): Promise<Member> {
  const node = await startNode({ name, cookie: COOKIE, ...(seed ? { seeds: [seed.address] } : {}) });
  const store = await startRaftStore({ node, voters: [] });
  const membership = startRaftMembership({
    node,
    member: store,
    expect,
    founder: true,
    named: [],
    graceMs: 1000,
    intervalMs: 100,
    logger,
  });
  return { node, store, membership };
}

async function stop(members: Member[]): Promise<void> {
  for (const m of members) {
    m.membership.stop();
    await m.store.close();
    await m.node.stop();
  }
}

test('three nodes with --expect 3 found one group; a fourth city is a learner, then replaces a dead voter', async () => {
  const a = await member('a', undefined, 3);
  const rest = await Promise.all(['b', 'c'].map((n) => member(n, a.node, 3)));
  const all = [a, ...rest];
  try {
    // Writable, and each membership driver has seen it (it looks every 100 ms, so its verdict may
    // trail the store's by a moment).
    await waitFor(
      () => all.every((m) => m.store.writable() && m.membership.notReady() === null),
      20_000,
      'all writable and ready',
      50,
    );
    const voters = all.map((m) => [...m.store.members().voters].sort().join(','));
    assert.equal(new Set(voters).size, 1, 'one configuration');
    assert.deepEqual(voters[0]?.split(',').length, 3);
    assert.equal(all.filter((m) => m.store.role() === 'leader').length, 1);
    assert.equal(a.store.bootstrap([a.node.name]), false, 'a member with state never bootstraps again');

    const d = await member('d', a.node, null);
    all.push(d);
    await waitFor(() => d.store.role() === 'learner', 20_000, 'd a learner', 50);
    const victim = all.find((m) => m.store.role() === 'follower') as Member;
    victim.membership.stop();
    await victim.store.close();
    await victim.node.stop();
    all.splice(all.indexOf(victim), 1);
    await waitFor(
      () => {
        const v = all.find((m) => m.store.role() === 'leader')?.store.members().voters ?? [];
        return v.includes(d.node.name) && !v.includes(victim.node.name);
      },
      20_000,
      'd a voter in place of the dead one',
      50,
    );
    // The group still takes writes (through a member still running: the victim may have been a).
    await all[0]!.store.table('t').put('k', 1);
  } finally {
    await stop(all);
  }
});

test('without --expect and no group to join a node does not found one, and says why', async () => {
  const lone = await member('lone', undefined, null);
  try {
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(lone.store.hasState(), false);
    assert.equal(lone.store.writable(), false);
    assert.match(
      lone.membership.notReady() ?? '',
      /founders are unknown: start the first nodes with --expect N/,
    );
  } finally {
    await stop([lone]);
  }
});
