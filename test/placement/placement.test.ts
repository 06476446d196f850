import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Behaviour, CallResult } from '../../packages/runtime/src/actor/index.ts';
import { startNode } from '../../packages/runtime/src/cluster/node.ts';
import type { PlacedInit, PlacementCall } from '../../packages/runtime/src/placement/index.ts';
import {
  PlacementError,
  isPlacementCall,
  startDistributedSupervisor,
} from '../../packages/runtime/src/placement/index.ts';
import { MemoryStore } from '../../packages/runtime/src/store/memory-store.ts';
import { COOKIE, waitFor } from '../cluster/helpers.ts';
import { runningOn, shutdown, waitForHosts } from './members.ts';
import type { Member } from './members.ts';

type Msg = { type: 'inc' } | { type: 'get' } | PlacementCall;
/** A placed counter that hands its count over when it moves. */
const counter: Behaviour<number, PlacedInit, Msg, unknown> = {
  name: 'placed-counter',
  init: (init) => (typeof init.handoff === 'number' ? init.handoff : 0),
  handleCall(msg, _from, n): CallResult<number, unknown> {
    if (isPlacementCall(msg)) {
      if (msg.$placement === 'handoff') return { reply: n, state: n };
      return { reply: 'ok', state: Math.max(n, msg.state as number) };
    }
    if (msg.type === 'inc') return { reply: n + 1, state: n + 1 };
    return { reply: n, state: n };
  },
};

/** Every member started here: a test that fails before its own shutdown leaves none running. */
const started: Member[] = [];
after(async () => {
  for (const m of started) {
    await m.sup.stop().catch(() => undefined);
    await m.node.stop().catch(() => undefined);
  }
});

/** In-process nodes sharing one store: a perfectly available CP store, to test placement logic. */
async function cluster(
  names: string[],
  store = new MemoryStore(),
): Promise<{ members: Member[]; store: MemoryStore }> {
  const members: Member[] = [];
  for (const name of names) {
    const node = await startNode({ name, cookie: COOKIE, seeds: members.map((m) => m.node.address) });
    members.push({
      node,
      sup: await startDistributedSupervisor({ node, store, kinds: { counter }, reconcileIntervalMs: 200 }),
    });
    started.push(members.at(-1)!);
  }
  await waitFor(() => members.every((m) => m.node.nodes().length === names.length - 1), 10_000);
  await waitForHosts(members);
  return { members, store };
}

test('a child started from any node is found from every node and answers calls', async () => {
  const { members } = await cluster(['a', 'b', 'c']);
  const [a, b, c] = members as [Member, Member, Member];
  await a.sup.startChild({ key: 'k1', kind: 'counter' });
  await waitFor(() => members.every((m) => m.sup.whereis('k1') !== undefined));
  assert.equal(await c.node.system.call({ via: c.sup, key: 'k1' }, { type: 'inc' }), 1);
  assert.equal(await b.node.system.call({ via: b.sup, key: 'k1' }, { type: 'get' }), 1);
  assert.equal(runningOn(members, 'k1'), 1);
  await shutdown(members);
});

test('bad specs and unknown keys give typed errors', async () => {
  const { members } = await cluster(['a']);
  const [a] = members as [Member];
  await assert.rejects(
    a.sup.startChild({ key: '', kind: 'counter' }),
    (e: unknown) => e instanceof PlacementError && e.code === 'bad_spec',
  );
  await assert.rejects(
    a.sup.startChild({ key: 'x', kind: 'nope' }),
    (e: unknown) => e instanceof PlacementError && e.code === 'bad_spec',
  );
  await a.sup.startChild({ key: 'x', kind: 'counter' });
  await assert.rejects(
    a.sup.startChild({ key: 'x', kind: 'counter' }),
    (e: unknown) => e instanceof PlacementError && e.code === 'already_started',
  );
  await assert.rejects(
    a.sup.stopChild('missing'),
    (e: unknown) => e instanceof PlacementError && e.code === 'not_found',
  );
  await shutdown(members);
});

test('when a node is lost, every one of its children runs again elsewhere, exactly once', async () => {
  const { members } = await cluster(['a', 'b', 'c']);
  const [a, b, c] = members as [Member, Member, Member];
  const keys = Array.from({ length: 60 }, (_, i) => `child-${i}`);
  await Promise.all(keys.map((key) => a.sup.startChild({ key, kind: 'counter' })));
  const onB = b.sup.localKeys();
  assert.ok(onB.length > 0, 'rendezvous gave b some children');
  await b.sup.stop();
  await b.node.stop();
  await waitFor(() => keys.every((k) => runningOn([a, c], k) === 1), 10_000);
  for (const k of keys) assert.equal(runningOn([a, c], k), 1, k);
  await shutdown([a, c]);
});

test('a graceful leave hands each child off with its state', async () => {
  const { members } = await cluster(['a', 'b']);
  const [a, b] = members as [Member, Member];
  const keys = Array.from({ length: 20 }, (_, i) => `h-${i}`);
  await Promise.all(keys.map((key) => a.sup.startChild({ key, kind: 'counter' })));
  for (const key of keys) {
    for (let i = 0; i < 3; i++) await a.node.system.call({ via: a.sup, key }, { type: 'inc' });
  }
  const moving = b.sup.localKeys();
  assert.ok(moving.length > 0);
  await b.sup.stop({ handOff: true });
  await b.node.leave();
  await waitFor(
    () => keys.every((k) => a.sup.localKeys().includes(k) && a.sup.whereis(k) !== undefined),
    10_000,
  );
  for (const key of keys)
    assert.equal(await a.node.system.call({ via: a.sup, key }, { type: 'get' }), 3, key);
  await shutdown([a]);
});

test('a node joining takes over its share: children rebalance by rendezvous hashing', async () => {
  const store = new MemoryStore();
  const { members } = await cluster(['a', 'b'], store);
  const keys = Array.from({ length: 60 }, (_, i) => `r-${i}`);
  await Promise.all(keys.map((key) => members[0]!.sup.startChild({ key, kind: 'counter' })));
  const node = await startNode({ name: 'c', cookie: COOKIE, seeds: [members[0]!.node.address] });
  const c: Member = {
    node,
    sup: await startDistributedSupervisor({ node, store, kinds: { counter }, reconcileIntervalMs: 200 }),
  };
  started.push(c);
  const all = [...members, c];
  // The move is gradual (each child stops on its old owner, then starts on c): wait for c to hold
  // a fair share (rendezvous gives it about 20 of 60) with every child running exactly once.
  await waitFor(() => c.sup.localKeys().length >= 5 && keys.every((k) => runningOn(all, k) === 1), 20_000);
  assert.ok(c.sup.localKeys().length >= 5, `c took ${c.sup.localKeys().length} of 60`);
  await shutdown(all);
});

test('a child that finishes normally is removed; a crashed one is restarted', async () => {
  const { members } = await cluster(['a']);
  const [a] = members as [Member];
  const pid = await a.sup.startChild({ key: 'c1', kind: 'counter' });
  a.node.system.exit(pid, 'boom');
  await waitFor(() => a.sup.whereis('c1') !== undefined && a.sup.whereis('c1')!.id !== pid.id);
  const pid2 = a.sup.whereis('c1')!;
  await a.node.system.stop(pid2, 'normal');
  await waitFor(() => !a.sup.keys().includes('c1'));
  await shutdown(members);
});
