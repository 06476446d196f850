/**
 * CP mode over real Raft stores (3 in-process nodes on loopback TCP): a node cut off from the
 * majority stops its children, the majority restarts them at a higher epoch, and after the heal a
 * write by the stale copy is rejected with `PlacementError('stale_epoch')` — it never overwrites
 * what the new owner wrote.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Behaviour, CallResult } from '../../packages/runtime/src/actor/index.ts';
import type { ClusterNode } from '../../packages/runtime/src/cluster/node.ts';
import type {
  DistributedSupervisor,
  FencedWriter,
  PlacedInit,
  PlacementRecord,
} from '../../packages/runtime/src/placement/index.ts';
import { PlacementError, startDistributedSupervisor } from '../../packages/runtime/src/placement/index.ts';
import { fencedWriter } from '../../packages/runtime/src/placement/fence.ts';
import { samePid } from '../../packages/runtime/src/actor/pid.ts';
import { MemoryStore } from '../../packages/runtime/src/store/memory-store.ts';
import type { RaftStore } from '../../packages/runtime/src/store/raft-store.ts';
import { startRaftStore } from '../../packages/runtime/src/store/raft-store.ts';
import { StoreError } from '../../packages/runtime/src/store/types.ts';
import { startCluster, waitFor } from '../cluster/helpers.ts';

/** Every start of a placed `writer`, in order, so the test can hold on to a replaced copy's writer. */
const starts: PlacedInit[] = [];
const writer: Behaviour<null, PlacedInit, unknown, unknown> = {
  name: 'fenced-writer',
  init: (init) => (starts.push(init), null),
  handleCall: (_msg, _from, state): CallResult<null, unknown> => ({ reply: undefined, state }),
};

interface Member {
  node: ClusterNode;
  store: RaftStore;
  sup: DistributedSupervisor;
}

async function raftCluster(
  t: { after: (fn: () => Promise<void>) => void },
  pinTo: (nodes: ClusterNode[], stores: RaftStore[]) => string,
): Promise<Member[]> {
  const nodes = await startCluster(['fa', 'fb', 'fc']);
  const voters = nodes.map((n) => n.name);
  const stores = await Promise.all(nodes.map((node) => startRaftStore({ node, voters })));
  await Promise.all(stores.map((s) => s.waitForLeader(10_000)));
  const target = pinTo(nodes, stores);
  // `pinned`: on the chosen node while it is up, else the first live node.
  const pinned = (_rec: PlacementRecord, live: readonly string[]): string | undefined =>
    live.includes(target) ? target : live[0];
  const members = await Promise.all(
    nodes.map(async (node, i) => ({
      node,
      store: stores[i]!,
      sup: await startDistributedSupervisor({
        node,
        store: stores[i]!,
        kinds: { writer },
        strategies: { pinned, byArgs },
        reconcileIntervalMs: 200,
      }),
    })),
  );
  t.after(async () => {
    for (const m of members) await m.sup.stop();
    for (const m of members) await m.store.close();
    for (const m of members) await m.node.stop();
  });
  return members;
}

const isStale = (e: unknown): boolean => e instanceof PlacementError && e.code === 'stale_epoch';

function withoutPid(rec: PlacementRecord): PlacementRecord {
  const { pid: _pid, ...rest } = rec;
  return rest;
}

/** `byArgs`: on the node its args name (`{ at }`, a short name) while that node is up. */
function byArgs(rec: PlacementRecord, live: readonly string[]): string | undefined {
  const at = (rec.args as { at?: string } | undefined)?.at;
  return live.find((n) => n.startsWith(`${at}@`)) ?? live[0];
}

test('a stale owner cut off by a partition cannot overwrite its successor after the heal', async (t) => {
  starts.length = 0;
  // The child starts on a follower, so cutting that node off leaves the leader with the majority.
  const members = await raftCluster(
    t,
    (nodes, stores) => nodes[stores.findIndex((s) => s.role() !== 'leader')]!.name,
  );
  const accounts = members[0]!.store.table<{ by: string; n: number }>('accounts');
  await members[0]!.sup.startChild({ key: 'acct', kind: 'writer', strategy: 'pinned' });
  const old = members.find((m) => m.sup.localKeys().includes('acct'))!;
  const majority = members.filter((m) => m !== old);
  const first = starts.at(-1)!;
  const stale: FencedWriter = first.fenced!;
  assert.equal(stale.epoch, first.epoch);
  await stale.put('accounts', 'acct', { by: 'old', n: 1 });
  // A writer whose node never catches up on the record: only the Raft condition can stop it.
  const placement = old.store.table<PlacementRecord>('placement');
  const frozen = await placement.get('acct');
  const lagging = fencedWriter(
    { store: old.store, table: placement, self: old.node.name, local: () => frozen },
    'acct',
    first.epoch,
  );

  for (const m of members)
    m.node.faults.partition(
      [old.node.shortName],
      majority.map((x) => x.node.shortName),
    );
  await waitFor(() => old.sup.localKeys().length === 0, 15_000); // quorum lost: the copy stops
  await waitFor(() => majority.some((m) => m.sup.localKeys().includes('acct')), 15_000);
  const next = starts.at(-1)!;
  assert.ok(next.epoch > first.epoch, `epoch ${next.epoch} after ${first.epoch}`);
  await next.fenced!.put('accounts', 'acct', { by: 'new', n: 2 });

  for (const m of members) m.node.faults.heal();
  await waitFor(() => old.store.writable() && old.node.nodes().length === 2, 15_000);
  await assert.rejects(stale.put('accounts', 'acct', { by: 'old', n: 3 }), isStale);
  await assert.rejects(lagging.put('accounts', 'acct', { by: 'old', n: 4 }), isStale);
  await assert.rejects(stale.delete('accounts', 'acct'), isStale);
  assert.deepEqual((await accounts.get('acct'))?.value, { by: 'new', n: 2 });
  // The condition for one's own transactions is refused the same way.
  assert.throws(() => old.sup.fence('acct', first.epoch), isStale);
});

test('a fenced write survives rewrites of the record that keep owner and epoch', async (t) => {
  starts.length = 0;
  const members = await raftCluster(t, (nodes) => nodes[0]!.name);
  const [a] = members as [Member];
  await a.sup.startChild({ key: 'k', kind: 'writer', strategy: 'pinned', args: { v: 1 } });
  const init = starts.at(-1)!;
  const placement = a.store.table<PlacementRecord>('placement');
  await waitFor(() => a.sup.whereis('k') !== undefined);
  const before = await placement.get('k');
  await a.sup.updateChild('k', { v: 2 }); // a new record version, same owner and epoch
  await a.sup.updateChild('k', { v: 3 });
  const version = await init.fenced!.put('data', 'x', 'ok');
  assert.ok(version > 0);
  // From a copy taken before the rewrites: the fence fails, the writer re-reads and retries.
  const behind = fencedWriter(
    { store: a.store, table: placement, self: a.node.name, local: () => before },
    'k',
    init.epoch,
  );
  await behind.put('data', 'z', 'ok');
  assert.equal((await a.store.table('data').get('z'))?.value, 'ok');
  // The caller's own conditions still apply: a wrong expectation is a store conflict, not a fence.
  await assert.rejects(
    init.fenced!.put('data', 'x', 'again', { expectVersion: version + 1000 }),
    (e: unknown) => e instanceof StoreError && e.code === 'conflict',
  );
  // With the placement record's version in a transaction of one's own:
  await a.store.transaction(
    [{ op: 'put', table: 'data', key: 'y', value: 1 }],
    [a.sup.fence('k', init.epoch)],
  );
  assert.throws(() => a.sup.fence('k', init.epoch + 1), isStale);
});

test('fencing needs a store with transactions: AP-style stores say so with a typed error', async (t) => {
  const [node] = await startCluster(['solo']);
  const sup = await startDistributedSupervisor({ node: node!, store: new MemoryStore(), kinds: { writer } });
  t.after(async () => {
    await sup.stop();
    await node!.stop();
  });
  starts.length = 0;
  await sup.startChild({ key: 'm', kind: 'writer' });
  assert.equal(starts.at(-1)!.fenced, undefined);
  assert.throws(
    () => sup.fenced('m', 1),
    (e: unknown) => e instanceof PlacementError && e.code === 'unsupported',
  );
});

test('withArgs commits a child’s data and its new args in one transaction, and the child moves', async (t) => {
  starts.length = 0;
  const members = await raftCluster(t, (nodes) => nodes[0]!.name);
  const [a, b] = members as [Member, Member];
  await a.sup.startChild({ key: 'w', kind: 'writer', strategy: 'byArgs', args: { at: 'fa' } });
  await waitFor(() => a.sup.localKeys().includes('w') && a.sup.whereis('w') !== undefined, 15_000);
  const first = starts.at(-1)!;
  const placement = a.store.table<PlacementRecord>('placement');
  const before = await placement.get('w');
  const result = await first.fenced!.withArgs(
    { at: 'fb' },
    [{ op: 'put', table: 'data', key: 'w', value: 'moving' }],
    [{ table: 'data', key: 'w', version: 0 }],
  );
  assert.equal(result.versions.length, 2, 'the data, then the placement record');
  // One Raft entry: both keys took its index as their version.
  assert.deepEqual(
    result.versions.map((v) => [v.table, v.key, v.version]),
    [
      ['data', 'w', result.index],
      ['placement', 'w', result.index],
    ],
  );
  assert.equal((await a.store.table('data').get('w'))?.version, result.index);
  // The record the transaction wrote: this copy's record with the new args, its pid kept (read
  // before placement moves the child on, or else from the hand-off that followed it).
  const rec = await placement.get('w');
  assert.deepEqual(rec?.value.args, { at: 'fb' });
  assert.ok(rec!.version >= result.index);
  assert.ok(rec!.version > result.index || samePid(rec!.value.pid!, before!.value.pid!));
  await waitFor(() => b.sup.localKeys().includes('w') && !a.sup.localKeys().includes('w'), 15_000);
  const moved = starts.at(-1)!;
  assert.ok(moved.epoch > first.epoch);

  // The copy that moved away writes nothing, its data and args alike.
  await assert.rejects(
    first.fenced!.withArgs({ at: 'fc' }, [{ op: 'put', table: 'data', key: 'w', value: 'stale' }]),
    isStale,
  );
  assert.equal((await a.store.table('data').get('w'))?.value, 'moving');
  assert.deepEqual((await placement.get('w'))?.value.args, { at: 'fb' });

  // From a copy of the record taken before a rewrite (the pid filled in): read again and retried,
  // and the record written is the current one with the new args, not the old copy.
  await waitFor(() => b.sup.whereis('w') !== undefined && (b.sup.whereis('w')?.node ?? '').startsWith('fb'));
  const given = await placement.get('w');
  const behind = fencedWriter(
    {
      store: b.store,
      table: b.store.table<PlacementRecord>('placement'),
      self: b.node.name,
      local: () => ({ ...given!, version: given!.version - 1, value: withoutPid(given!.value) }),
    },
    'w',
    moved.epoch,
  );
  await behind.withArgs({ at: 'fb', note: 1 }, [{ op: 'put', table: 'data', key: 'w', value: 'here' }]);
  const now = await placement.get('w');
  assert.deepEqual(now?.value.args, { at: 'fb', note: 1 });
  assert.deepEqual(now?.value.pid, given?.value.pid, 'the current pid, from the record read again');
});
