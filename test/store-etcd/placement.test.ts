/**
 * CP placement on the etcd store (3 in-process nodes, each with its own etcd store, on a real
 * 3-member etcd cluster): a node cut off from etcd and from its peers loses its lease and stops its
 * children, the others restart them at a higher epoch, and after the heal a write by the stale copy
 * is rejected with `PlacementError('stale_epoch')`; the child ends up running exactly once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Behaviour, CallResult } from '../../packages/runtime/src/actor/index.ts';
import type {
  FencedWriter,
  PlacedInit,
  PlacementRecord,
} from '../../packages/runtime/src/placement/index.ts';
import { PlacementError, startDistributedSupervisor } from '../../packages/runtime/src/placement/index.ts';
import { sharedEtcd } from '../../packages/runtime/src/testing/etcd/fixture.ts';
import { startTcpProxy } from '../../packages/runtime/src/testing/etcd/index.ts';
import { startCluster, waitFor } from '../cluster/helpers.ts';

const etcd = sharedEtcd();

const starts: PlacedInit[] = [];
const writer: Behaviour<null, PlacedInit, unknown, unknown> = {
  name: 'fenced-writer',
  init: (init) => (starts.push(init), null),
  handleCall: (_msg, _from, state): CallResult<null, unknown> => ({ reply: undefined, state }),
};

const isStale = (e: unknown): boolean => e instanceof PlacementError && e.code === 'stale_epoch';

test(
  'etcd placement: a node cut off from etcd stops its children, another takes over at a higher epoch, and the stale copy cannot write',
  { skip: etcd.skip },
  async (t) => {
    const cluster = await etcd.cluster();
    const prefix = etcd.freshPrefix();
    const proxy = await startTcpProxy(cluster.endpoints[0]!);
    const nodes = await startCluster(['ea', 'eb', 'ec']);
    const stores = await Promise.all(
      nodes.map((n, i) =>
        etcd.store(n.shortName, { prefix, endpoints: i === 0 ? [proxy.url] : cluster.endpoints }),
      ),
    );
    const target = nodes[0]!.name;
    const pinned = (_rec: PlacementRecord, live: readonly string[]): string | undefined =>
      live.includes(target) ? target : live[0];
    const sups = await Promise.all(
      nodes.map((node, i) =>
        startDistributedSupervisor({
          node,
          store: stores[i]!,
          kinds: { writer },
          strategies: { pinned },
          reconcileIntervalMs: 200,
        }),
      ),
    );
    t.after(async () => {
      for (const s of sups) await s.stop();
      for (const s of stores) await s.close();
      for (const n of nodes) await n.stop();
      await proxy.close();
    });
    const [old, ...majority] = sups as [(typeof sups)[0], ...typeof sups];
    await old.startChild({ key: 'acct', kind: 'writer', strategy: 'pinned' });
    await waitFor(() => old.localKeys().includes('acct'), 15_000);
    const first = starts.at(-1)!;
    const stale: FencedWriter = first.fenced!;
    await stale.put('accounts', 'acct', { by: 'old', n: 1 });

    proxy.cut();
    for (const n of nodes)
      n.faults.partition([nodes[0]!.shortName], [nodes[1]!.shortName, nodes[2]!.shortName]);
    await waitFor(() => old.localKeys().length === 0, 30_000, 'the cut-off node stops its child');
    await waitFor(() => majority.some((s) => s.localKeys().includes('acct')), 30_000, 'a takeover');
    const next = starts.at(-1)!;
    assert.ok(next.epoch > first.epoch, `epoch ${next.epoch} after ${first.epoch}`);
    await next.fenced!.put('accounts', 'acct', { by: 'new', n: 2 });

    proxy.heal();
    for (const n of nodes) n.faults.heal();
    await waitFor(() => stores[0]!.writable() && nodes[0]!.nodes().length === 2, 30_000, 'the heal');
    await assert.rejects(stale.put('accounts', 'acct', { by: 'old', n: 3 }), isStale);
    await assert.rejects(stale.delete('accounts', 'acct'), isStale);
    assert.deepEqual((await stores[1]!.table('accounts').get('acct'))?.value, { by: 'new', n: 2 });
    await waitFor(
      () => sups.filter((s) => s.localKeys().includes('acct')).length === 1,
      30_000,
      'the child runs exactly once after the heal',
    );
  },
);
