import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Behaviour, CallResult, ExitMessage } from '../../packages/runtime/src/actor/index.ts';
import { NoConnectionError, NoProcError, isDown, isExit } from '../../packages/runtime/src/actor/index.ts';
import { startNode } from '../../packages/runtime/src/cluster/node.ts';
import { settlesWithin } from '../../packages/runtime/src/testing/hang-guard.ts';
import { COOKIE, startCluster, stopAll, waitFor } from './helpers.ts';

const echo: Behaviour<
  number,
  void,
  { type: 'echo'; v: unknown } | { type: 'count' },
  unknown,
  { type: 'bump' }
> = {
  name: 'echo',
  init: () => 0,
  handleCall: (msg, _f, n): CallResult<number, unknown> =>
    msg.type === 'echo' ? { reply: msg.v, state: n } : { reply: n, state: n },
  handleCast: (_m, n) => n + 1,
};

test('connecting to one member yields the full mesh', async () => {
  const nodes = await startCluster(['a', 'b', 'c', 'd']);
  for (const n of nodes) assert.equal(n.nodes().length, 3);
  await stopAll(nodes);
});

test('call and cast reach an actor on another node by pid and by {name, node}', async () => {
  const [a, b] = await startCluster(['a', 'b']);
  const pid = await b!.system.spawn(echo, undefined, { name: 'echo' });
  assert.deepEqual(await a!.system.call(pid, { type: 'echo', v: { x: [1, 2] } }), { x: [1, 2] });
  a!.system.cast({ name: 'echo', node: b!.name }, { type: 'bump' });
  await waitFor(async () => (await a!.system.call({ name: 'echo', node: b!.name }, { type: 'count' })) === 1);
  await assert.rejects(
    a!.system.call({ name: 'nobody', node: b!.name }, { type: 'count' }),
    (e: unknown) => (e as { code?: string }).code === 'noproc',
  );
  await stopAll([a!, b!]);
});

test('a remote monitor fires DOWN with noconnection when the node goes away', async () => {
  const [a, b] = await startCluster(['a', 'b']);
  const remote = await b!.system.spawn(echo, undefined);
  const seen: unknown[] = [];
  const watcher = await a!.system.spawn(
    { init: () => null, handleInfo: (m: unknown, s: null) => (seen.push(m), s) },
    undefined,
  );
  a!.system.monitor(watcher, remote);
  await new Promise((r) => setTimeout(r, 20));
  await b!.stop();
  await waitFor(() => seen.length === 1);
  assert.ok(isDown(seen[0]));
  assert.equal((seen[0] as { reason: unknown }).reason, 'noconnection');
  await a!.stop();
});

test('a call to an unreachable node fails fast with noconnection', async () => {
  const [a, b] = await startCluster(['a', 'b']);
  const pid = await b!.system.spawn(echo, undefined);
  const bName = b!.name;
  await b!.stop();
  await waitFor(() => !a!.nodes().includes(bName));
  // The call's own timeout is ten minutes: failing within the hang guard means it failed at once,
  // on the missing connection, rather than waiting to time out.
  await settlesWithin(
    assert.rejects(a!.system.call(pid, { type: 'count' }, 600_000), NoConnectionError),
    30_000,
    'the call failing',
  );
  await a!.stop();
});

test('a pending call fails with noconnection when its node dies mid-call', async () => {
  const [a, b] = await startCluster(['a', 'b']);
  const slow = await b!.system.spawn(
    { init: () => null, handleCall: (_m: unknown, _f, s: null) => ({ noreply: true, state: s }) },
    undefined,
  );
  const call = a!.system.call(slow, 'x', 10_000);
  const outcome = assert.rejects(call, NoConnectionError);
  await new Promise((r) => setTimeout(r, 20));
  await b!.stop();
  await outcome;
  await a!.stop();
});

test('global names are unique cluster-wide and looked up locally on every node', async () => {
  const nodes = await startCluster(['a', 'b', 'c']);
  const [a, b, c] = nodes as [(typeof nodes)[0], (typeof nodes)[0], (typeof nodes)[0]];
  const pid = await b.system.spawn(echo, undefined);
  b.globals.register('dispatcher', pid);
  await waitFor(
    () => a.globals.whereis('dispatcher') !== undefined && c.globals.whereis('dispatcher') !== undefined,
  );
  assert.equal(await a.system.call({ global: 'dispatcher' }, { type: 'echo', v: 7 }), 7);
  const other = await b.system.spawn(echo, undefined);
  assert.throws(() => b.globals.register('dispatcher', other), /already registered/);
  await b.system.stop(pid);
  await waitFor(() => a.globals.whereis('dispatcher') === undefined);
  await assert.rejects(a.system.call({ global: 'dispatcher' }, { type: 'count' }), NoProcError);
  await stopAll(nodes);
});

test('after a healed partition one holder of a duplicated global name survives; the other gets a conflict exit', async () => {
  const [a, b] = await startCluster(['a', 'b']);
  a!.faults.partition(['a'], ['b']);
  b!.faults.partition(['a'], ['b']);
  await waitFor(() => a!.nodes().length === 0 && b!.nodes().length === 0, 5000);
  const seenA: unknown[] = [];
  const seenB: unknown[] = [];
  const trapper = (seen: unknown[]): Behaviour<null, void> => ({
    init: (_: void, ctx) => (ctx.trapExits(true), null),
    handleInfo: (m, s) => (seen.push(m), s),
  });
  const pa = await a!.system.spawn(trapper(seenA), undefined);
  a!.globals.register('unique', pa);
  await new Promise((r) => setTimeout(r, 5));
  const pb = await b!.system.spawn(trapper(seenB), undefined);
  b!.globals.register('unique', pb);
  a!.faults.heal();
  b!.faults.heal();
  await waitFor(() => a!.nodes().length === 1 && b!.nodes().length === 1, 8000);
  await waitFor(() => seenB.length === 1);
  assert.deepEqual(a!.globals.whereis('unique'), pa);
  assert.deepEqual(b!.globals.whereis('unique'), pa);
  const exit = seenB[0] as ExitMessage;
  assert.ok(isExit(exit));
  assert.deepEqual(exit.reason, { name_conflict: 'unique', winner: pa });
  assert.equal(seenA.length, 0);
  await stopAll([a!, b!]);
});

test('pub/sub: publish reaches subscribers on every node once; publishLocal stays local', async () => {
  const nodes = await startCluster(['a', 'b', 'c']);
  const got: Record<string, unknown[]> = { a: [], b: [], c: [] };
  for (const n of nodes) n.pubsub.listen('news', (m) => got[n.shortName]!.push(m));
  nodes[0]!.pubsub.publish('news', 'hello');
  nodes[1]!.pubsub.publishLocal('news', 'local');
  await waitFor(() => got.a!.length === 1 && got.b!.length === 2 && got.c!.length === 1);
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(got.a, ['hello']);
  assert.deepEqual(got.c, ['hello']);
  assert.deepEqual([...got.b!].sort(), ['hello', 'local']);
  await stopAll(nodes);
});

test('a wrong cookie is refused: the nodes never connect', async () => {
  const a = await startNode({ name: 'a', cookie: COOKIE });
  const b = await startNode({ name: 'b', cookie: 'a-wrong-cluster-cookie', seeds: [a.address] });
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(a.nodes().length, 0);
  assert.equal(b.nodes().length, 0);
  await stopAll([a, b]);
});

test('a restarted node rejoins by itself and gets a new incarnation', async () => {
  const [a, b] = await startCluster(['a', 'b']);
  const port = b!.address.port;
  const oldInc = b!.incarnation;
  await b!.stop();
  await waitFor(() => a!.nodes().length === 0);
  const b2 = await startNode({ name: 'b', cookie: COOKIE, port });
  await waitFor(() => a!.nodes().length === 1 && b2.nodes().length === 1, 8000);
  assert.notEqual(b2.incarnation, oldInc);
  await stopAll([a!, b2]);
});

test('a graceful leave is reported as left and the node is not redialled', async () => {
  const [a, b] = await startCluster(['a', 'b']);
  const reasons: string[] = [];
  a!.onNodeDown((_p, r) => reasons.push(r));
  await b!.leave();
  await waitFor(() => reasons.length === 1);
  assert.deepEqual(reasons, ['left']);
  await a!.stop();
});
