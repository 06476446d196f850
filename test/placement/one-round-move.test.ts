/**
 * CP placement without the pid write and the separate hand-off: a start costs the claim alone (the
 * owner tells its peers the pid, `pid-table.ts`), and a child that moves itself through
 * `withArgs(…, { handoff })` is moved by that one transaction — the record given to the node its
 * new args place it on, the state handed over, the old copy stopped after it answered.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Behaviour, CallResult } from '../../packages/runtime/src/actor/index.ts';
import { samePid } from '../../packages/runtime/src/actor/index.ts';
import { startNode } from '../../packages/runtime/src/cluster/node.ts';
import { startDistributedSupervisor } from '../../packages/runtime/src/placement/index.ts';
import type {
  FencedWriter,
  PlacedInit,
  PlacementCall,
  PlacementRecord,
  PlacementStrategy,
} from '../../packages/runtime/src/placement/index.ts';
import { isPlacementCall } from '../../packages/runtime/src/placement/index.ts';
import { MemoryStore } from '../../packages/runtime/src/store/memory-store.ts';
import type { TxnResult } from '../../packages/runtime/src/store/ops.ts';
import { testLogger } from '../test-logger.ts';
import { COOKIE, waitFor } from '../cluster/helpers.ts';
import { runningOn, shutdown, waitForHosts } from './members.ts';
import type { Member } from './members.ts';

interface MoverState {
  readonly key: string;
  readonly fenced: FencedWriter | undefined;
  readonly handoff: unknown;
  readonly version: number | undefined;
  readonly n: number;
}

type MoverMsg =
  { type: 'info' } | { type: 'move'; to: string } | { type: 'inc' } | { type: 'crash' } | PlacementCall;

/** A placed child that can move itself (its args say where it runs) and reports what it started from. */
const mover: Behaviour<MoverState, PlacedInit, MoverMsg, unknown> = {
  name: 'mover',
  init: (init) => ({
    key: init.key,
    fenced: init.fenced,
    handoff: init.handoff,
    version: init.version,
    n: typeof init.handoff === 'object' && init.handoff !== null ? (init.handoff as { n: number }).n : 0,
  }),
  async handleCall(msg, _from, s): Promise<CallResult<MoverState, unknown>> {
    if (isPlacementCall(msg)) return { reply: msg.$placement === 'handoff' ? undefined : 'ok', state: s };
    switch (msg.type) {
      case 'info':
        return { reply: { handoff: s.handoff, version: s.version, n: s.n }, state: s };
      case 'inc':
        return { reply: s.n + 1, state: { ...s, n: s.n + 1 } };
      case 'crash':
        throw new Error('crash on purpose');
      case 'move': {
        const result: TxnResult = await s.fenced!.withArgs(
          { at: msg.to },
          [{ op: 'put', table: 'data', key: s.key, value: { n: s.n, at: msg.to } }],
          [],
          { handoff: { n: s.n } },
        );
        return { reply: result, state: s };
      }
    }
  },
};

/** Places a child on the node its args name (`{ at: short name }`), else by rendezvous order. */
const at: PlacementStrategy = (rec, live) => {
  const want = (rec.args as { at?: string } | null)?.at;
  return live.find((n) => n.startsWith(`${want}@`)) ?? live[0];
};

async function member(
  name: string,
  store: MemoryStore,
  seeds: readonly Member[],
  fullSweepIntervalMs?: number,
): Promise<Member> {
  const node = await startNode({
    name,
    cookie: COOKIE,
    seeds: seeds.map((m) => m.node.address),
    logger: testLogger,
  });
  const sup = await startDistributedSupervisor({
    node,
    store,
    kinds: { mover },
    strategies: { at },
    reconcileIntervalMs: 200,
    ...(fullSweepIntervalMs === undefined ? {} : { fullSweepIntervalMs }),
  });
  return { node, sup };
}

const short = (m: Member): string => m.node.name.split('@')[0]!;

/** Every change of the placement table, by key. */
function changesOf(store: MemoryStore): Map<string, (PlacementRecord | undefined)[]> {
  const seen = new Map<string, (PlacementRecord | undefined)[]>();
  store.table<PlacementRecord>('placement').subscribe((c) => {
    const list = seen.get(c.key) ?? [];
    list.push(c.value);
    seen.set(c.key, list);
  });
  return seen;
}

test('CP: a start writes no pid, yet every node finds the child, a late joiner too', async () => {
  const store = new MemoryStore({ transactions: true });
  const a = await member('ra', store, []);
  const b = await member('rb', store, [a]);
  const members = [a, b];
  await waitForHosts(members);
  const changes = changesOf(store);
  const keys = Array.from({ length: 12 }, (_, i) => `k${i}`);
  await Promise.all(
    keys.map((key, i) =>
      a.sup.startChild({ key, kind: 'mover', args: { at: i % 2 ? 'rb' : 'ra' }, strategy: 'at' }),
    ),
  );
  await waitFor(
    () => keys.every((k) => runningOn(members, k) === 1 && members.every((m) => m.sup.whereis(k))),
    10_000,
  );
  for (const key of keys) {
    const pids = members.map((m) => m.sup.whereis(key)!);
    assert.ok(samePid(pids[0]!, pids[1]!), `${key}: both nodes find the same copy`);
    const owner = members.find((m) => m.sup.localKeys().includes(key))!;
    assert.equal(pids[0]!.node, owner.node.name, `${key}: the copy on its owner`);
    assert.equal(await a.node.system.call({ via: a.sup, key }, { type: 'inc' }), 1);
    // Written twice: created (no owner), claimed. No third write for the pid.
    assert.deepEqual(
      changes.get(key)!.map((r) => r?.owner),
      ['', owner.node.name],
      `${key}: the records written`,
    );
    assert.equal((await store.table<PlacementRecord>('placement').get(key))!.value.pid, undefined);
  }
  // A node that joins now learns every pid when it connects: no record changes for it.
  const c = await member('rc', store, [a, b]);
  members.push(c);
  await waitFor(
    () => keys.every((k) => c.sup.whereis(k) !== undefined),
    10_000,
    'the late joiner finds every child',
  );
  for (const key of keys) assert.ok(samePid(c.sup.whereis(key)!, a.sup.whereis(key)!), key);
  await shutdown(members);
});

test('CP: withArgs with a hand-off moves the child in its own transaction', async () => {
  const store = new MemoryStore({ transactions: true });
  const a = await member('ma', store, []);
  const b = await member('mb', store, [a]);
  const members = [a, b];
  await waitForHosts(members);
  await a.sup.startChild({ key: 'm', kind: 'mover', args: { at: 'ma' }, strategy: 'at' });
  await waitFor(() => a.sup.localKeys().includes('m') && b.sup.whereis('m') !== undefined, 10_000);
  for (let i = 0; i < 3; i++) await b.node.system.call({ via: b.sup, key: 'm' }, { type: 'inc' });
  const before = (await store.table<PlacementRecord>('placement').get('m'))!;
  const changes = changesOf(store);

  const result = (await b.node.system.call(
    { via: b.sup, key: 'm' },
    { type: 'move', to: short(b) },
  )) as TxnResult;
  await waitFor(
    () => runningOn(members, 'm') === 1 && b.sup.localKeys().includes('m'),
    10_000,
    'the child moved to mb',
  );
  await waitFor(() => a.sup.whereis('m') !== undefined && b.sup.whereis('m') !== undefined, 10_000);

  const given = changes.get('m')!;
  assert.equal(given.length, 1, `one placement write for the move: ${JSON.stringify(given)}`);
  const rec = given[0]!;
  assert.equal(rec.owner, b.node.name);
  assert.equal(rec.epoch, before.value.epoch + 1, 'the next epoch');
  assert.deepEqual(rec.args, { at: 'mb' });
  assert.equal(rec.pid, undefined);
  assert.equal(result.versions.length, 2, 'the caller op and the placement record');
  assert.equal(result.versions[0]!.version, result.versions[1]!.version, 'one version for one transaction');
  const info = (await a.node.system.call({ via: a.sup, key: 'm' }, { type: 'info' })) as {
    handoff: unknown;
    version: number;
    n: number;
  };
  assert.deepEqual(info.handoff, { n: 3 }, 'the new copy started from the state handed over');
  assert.equal(info.version, result.versions[0]!.version, 'and knows the version its state was written at');
  assert.equal(info.n, 3);
  assert.deepEqual((await store.table('data').get('m'))!.value, { n: 3, at: 'mb' });

  // A crash restarts the copy at the same epoch, without the hand-off it already consumed.
  await b.node.system.call({ via: b.sup, key: 'm' }, { type: 'crash' }).catch(() => undefined);
  await waitFor(
    async () => {
      const pid = b.sup.whereis('m');
      if (!pid) return false;
      const now = (await b.node.system.call(pid, { type: 'info' }).catch(() => undefined)) as
        { handoff: unknown } | undefined;
      return now !== undefined && now.handoff === undefined;
    },
    10_000,
    'the restarted copy starts afresh',
  );
  assert.equal((await store.table<PlacementRecord>('placement').get('m'))!.value.epoch, rec.epoch);
  await shutdown(members);
});

test('CP: withArgs with a hand-off and nowhere else to go only changes the args', async () => {
  const store = new MemoryStore({ transactions: true });
  const a = await member('sa', store, []);
  await waitForHosts([a]);
  await a.sup.startChild({ key: 's', kind: 'mover', args: { at: 'sa' }, strategy: 'at' });
  await waitFor(() => a.sup.whereis('s') !== undefined, 10_000);
  const pid = a.sup.whereis('s')!;
  const before = (await store.table<PlacementRecord>('placement').get('s'))!.value;
  await a.node.system.call({ via: a.sup, key: 's' }, { type: 'move', to: 'nowhere' });
  const after = (await store.table<PlacementRecord>('placement').get('s'))!.value;
  assert.equal(after.owner, before.owner);
  assert.equal(after.epoch, before.epoch);
  assert.deepEqual(after.args, { at: 'nowhere' });
  assert.equal(after.handoff, undefined);
  assert.ok(samePid(a.sup.whereis('s')!, pid), 'the same copy runs on');
  await shutdown([a]);
});

test('CP: an announcement dropped by a short cut (no node down) is recovered from the digest', async () => {
  const store = new MemoryStore({ transactions: true });
  const a = await member('da', store, [], 500);
  const b = await member('db', store, [a], 500);
  const members = [a, b];
  await waitForHosts(members);
  // Frames between the two are dropped while the child starts and announces itself; the cut is
  // healed at once, well within failure detection, so no connection closes and nothing is swapped.
  for (const m of members) m.node.faults.partition(['da'], ['db']);
  const started = a.sup.startChild({ key: 'd', kind: 'mover', args: { at: 'da' }, strategy: 'at' });
  await waitFor(() => a.sup.whereis('d') !== undefined, 10_000, 'the child runs on da');
  await new Promise((resolve) => setTimeout(resolve, 50)); // the announcement went out into the cut
  for (const m of members) m.node.faults.heal();
  await started;
  await waitFor(() => b.sup.whereis('d') !== undefined, 10_000, 'db finds the child');
  assert.ok(samePid(b.sup.whereis('d')!, a.sup.whereis('d')!));
  await shutdown(members);
});
