import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Behaviour, CallResult, From } from '../../packages/runtime/src/actor/index.ts';
import {
  ActorSystem,
  CallTimeoutError,
  CalleeExitError,
  NoProcError,
  SimScheduler,
} from '../../packages/runtime/src/actor/index.ts';
import { counter, newSystem, until } from './helpers.ts';

test('call returns the handler reply and updates state', async () => {
  const system = newSystem();
  const pid = await system.spawn(counter, 5);
  assert.equal(await system.call(pid, { type: 'inc_sync', by: 2 }), 7);
  assert.equal(await system.call(pid, { type: 'get' }), 7);
});

test('cast is processed asynchronously in send order', async () => {
  const system = newSystem();
  const pid = await system.spawn(counter, 0);
  for (let i = 1; i <= 100; i++) system.cast(pid, { type: 'inc', by: i });
  assert.equal(await system.call(pid, { type: 'get' }), 5050);
});

test('one message at a time: async handlers are awaited in order', async () => {
  const system = newSystem();
  const log: string[] = [];
  const b: Behaviour<number, void, never, unknown, { n: number; ms: number }> = {
    init: () => 0,
    async handleCast(msg, state) {
      log.push(`start ${msg.n}`);
      await new Promise((r) => setTimeout(r, msg.ms));
      log.push(`end ${msg.n}`);
      return state + 1;
    },
  };
  const pid = await system.spawn(b, undefined);
  system.cast(pid, { n: 1, ms: 20 });
  system.cast(pid, { n: 2, ms: 1 });
  system.cast(pid, { n: 3, ms: 5 });
  await until(() => log.length === 6, 5000);
  assert.deepEqual(log, ['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3']);
});

test('plain messages go to handleInfo', async () => {
  const system = newSystem();
  const seen: unknown[] = [];
  const pid = await system.spawn(
    { init: () => null, handleInfo: (m: unknown, s: null) => (seen.push(m), s) },
    undefined,
  );
  system.send(pid, 'hello');
  system.send(pid, { x: 1 });
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(seen, ['hello', { x: 1 }]);
});

test('deferred reply: a call answered later with ctx.reply', async () => {
  const system = newSystem();
  const b: Behaviour<From[], void, 'wait' | 'release', unknown> = {
    init: () => [],
    handleCall(msg, from, state, ctx): CallResult<From[], unknown> {
      if (msg === 'wait') return { noreply: true, state: [...state, from] };
      for (const f of state) ctx.reply(f, 'released');
      return { reply: state.length, state: [] };
    },
  };
  const pid = await system.spawn(b, undefined);
  const a = system.call(pid, 'wait');
  const c = system.call(pid, 'wait');
  assert.equal(await system.call(pid, 'release'), 2);
  assert.deepEqual(await Promise.all([a, c]), ['released', 'released']);
});

test('call times out with a typed error after its timeout', async () => {
  const scheduler = new SimScheduler();
  const system = new ActorSystem({ scheduler });
  const pid = await system.spawn(
    { init: () => null, handleCall: (_m: unknown, _f, s: null) => ({ noreply: true, state: s }) },
    undefined,
  );
  const p = system.call(pid, 'x', 1000);
  let settled = false;
  p.catch(() => undefined).finally(() => (settled = true));
  await scheduler.advance(999);
  assert.equal(settled, false);
  await scheduler.advance(10);
  await assert.rejects(p, (e: unknown) => e instanceof CallTimeoutError && e.code === 'timeout');
});

test('default call timeout is 5 s', async () => {
  const scheduler = new SimScheduler();
  const system = new ActorSystem({ scheduler });
  const pid = await system.spawn(
    { init: () => null, handleCall: (_m: unknown, _f, s: null) => ({ noreply: true, state: s }) },
    undefined,
  );
  const p = system.call(pid, 'x');
  await scheduler.advance(4990);
  await scheduler.advance(20);
  await assert.rejects(p, CallTimeoutError);
});

test('a call to a dead actor fails at once with noproc, never a hang', async () => {
  const system = newSystem();
  const pid = await system.spawn(counter, 0);
  await system.stop(pid);
  await assert.rejects(
    system.call(pid, { type: 'get' }),
    (e: unknown) => e instanceof NoProcError && e.code === 'noproc',
  );
  await assert.rejects(system.call('nobody', { type: 'get' }), NoProcError);
});

test('a callee that crashes while handling the call fails the caller with its reason', async () => {
  const system = newSystem();
  const pid = await system.spawn(counter, 0);
  await assert.rejects(
    system.call(pid, { type: 'crash' }),
    (e: unknown) => e instanceof CalleeExitError && e.code === 'exit',
  );
  assert.equal(system.isAlive(pid), false);
});

test('calls queued behind a crash fail with exit instead of hanging', async () => {
  const system = newSystem();
  const pid = await system.spawn(counter, 0);
  const first = system.call(pid, { type: 'crash' });
  const second = system.call(pid, { type: 'get' });
  await assert.rejects(first, CalleeExitError);
  await assert.rejects(second, CalleeExitError);
});

test('an exception in a handler crashes that actor only', async () => {
  const system = newSystem();
  const a = await system.spawn(counter, 0);
  const b = await system.spawn(counter, 10);
  system.cast(a, { type: 'crash' });
  await new Promise((r) => setImmediate(r));
  assert.equal(system.isAlive(a), false);
  assert.equal(await system.call(b, { type: 'get' }), 10);
});

test('a behaviour without handleCall answers calls with unhandled_call and keeps running', async () => {
  const system = newSystem();
  const pid = await system.spawn({ init: () => 1 }, undefined);
  await assert.rejects(
    system.call(pid, 'x'),
    (e: unknown) => (e as { code?: string }).code === 'unhandled_call',
  );
  assert.equal(system.isAlive(pid), true);
});

test('ctx.stop stops after the reply is sent and runs terminate', async () => {
  const system = newSystem();
  let terminated: unknown;
  const pid = await system.spawn(
    {
      init: () => 0,
      handleCall: (_m: unknown, _f, s: number, ctx) => {
        ctx.stop('done');
        return { reply: 'bye', state: s };
      },
      terminate: (reason: unknown) => {
        terminated = reason;
      },
    },
    undefined,
  );
  assert.equal(await system.call(pid, 'x'), 'bye');
  await system.waitExit(pid);
  assert.equal(terminated, 'done');
});

test('refs are unique per node incarnation', async () => {
  const a = new ActorSystem({ node: 'n@h', incarnation: 1 });
  const b = new ActorSystem({ node: 'n@h', incarnation: 2 });
  const pa = await a.spawn(counter, 0);
  const pb = await b.spawn(counter, 0);
  assert.equal(pa.id, pb.id);
  assert.notEqual(pa.inc, pb.inc);
  // a pid of an earlier incarnation does not reach an actor of this one
  await assert.rejects(b.call(pa, { type: 'get' }), NoProcError);
});

test('init failure rejects spawn with init_failed', async () => {
  const system = newSystem();
  await assert.rejects(
    system.spawn(
      {
        init: () => {
          throw new Error('nope');
        },
      },
      undefined,
    ),
    (e: unknown) => (e as { code?: string }).code === 'init_failed',
  );
  assert.equal(system.size, 0);
});
