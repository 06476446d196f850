/**
 * The full sweep is a safety net that a healthy cluster never needs: with a sweep every 150 ms
 * running through starts, a node lost and a node joining, it finds nothing the events did not
 * already handle, and its repair counter (`stats().sweepRepairs`, the node's
 * `placement_sweep_repairs_total`) stays 0.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startNode } from '../../packages/runtime/src/cluster/node.ts';
import { startDistributedSupervisor } from '../../packages/runtime/src/placement/index.ts';
import { MemoryStore } from '../../packages/runtime/src/store/memory-store.ts';
import { COOKIE, waitFor } from '../cluster/helpers.ts';
import { counter, runningOn, shutdown, waitForHosts } from './members.ts';
import type { Member } from './members.ts';

async function member(name: string, store: MemoryStore, seeds: Member[]): Promise<Member> {
  const node = await startNode({ name, cookie: COOKIE, seeds: seeds.map((m) => m.node.address) });
  const sup = await startDistributedSupervisor({
    node,
    store,
    kinds: { counter },
    fullSweepIntervalMs: 150,
  });
  return { node, sup };
}

test('in a healthy cluster the full sweep finds nothing to repair', async () => {
  const store = new MemoryStore();
  const members: Member[] = [];
  for (const name of ['sa', 'sb', 'sc']) members.push(await member(name, store, members));
  await waitFor(() => members.every((m) => m.node.nodes().length === 2), 10_000);
  await waitForHosts(members);
  const keys = Array.from({ length: 120 }, (_, i) => `sweep-${i}`);
  await Promise.all(keys.map((key, i) => members[i % 3]!.sup.startChild({ key, kind: 'counter' })));
  const [a, b, c] = members as [Member, Member, Member];
  // Settled: every record names its running pid, as every node sees it.
  await waitFor(() => keys.every((k) => members.every((m) => m.sup.whereis(k) !== undefined)), 20_000);
  await shutdown([b]);
  await waitFor(() => keys.every((k) => runningOn([a, c], k) === 1), 20_000);
  const d = await member('sd', store, [a, c]);
  const live = [a, c, d];
  await waitFor(() => d.sup.localKeys().length > 10, 20_000);
  await waitFor(() => keys.every((k) => runningOn(live, k) === 1), 20_000);
  // Several sweeps more, with nothing left to do.
  await new Promise((r) => setTimeout(r, 600));
  for (const m of [...live, b]) assert.equal(m.sup.stats().sweepRepairs, 0, m.node.shortName);
  await shutdown(live);
});
