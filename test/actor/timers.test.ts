import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Behaviour, TimerRef } from '../../packages/runtime/src/actor/index.ts';
import { ActorSystem, SimScheduler } from '../../packages/runtime/src/actor/index.ts';

type Msg = { type: 'schedule'; ms: number; tag: string } | { type: 'cancel' } | { type: 'get' };
const ticker: Behaviour<{ seen: string[]; last?: TimerRef }, void, Msg, unknown> = {
  init: () => ({ seen: [] }),
  handleCall(msg, _f, state, ctx) {
    if (msg.type === 'schedule')
      return { reply: true, state: { ...state, last: ctx.sendAfter(msg.ms, msg.tag) } };
    if (msg.type === 'cancel') return { reply: state.last ? ctx.cancelTimer(state.last) : false, state };
    return { reply: state.seen, state };
  },
  handleInfo: (msg, state) => ({ ...state, seen: [...state.seen, String(msg)] }),
};

test('sendAfter delivers the message after the delay, in deadline order', async () => {
  const scheduler = new SimScheduler();
  const system = new ActorSystem({ scheduler });
  const pid = await system.spawn(ticker, undefined);
  await system.call(pid, { type: 'schedule', ms: 200, tag: 'late' });
  await system.call(pid, { type: 'schedule', ms: 100, tag: 'early' });
  await scheduler.advance(99);
  assert.deepEqual(await system.call(pid, { type: 'get' }), []);
  await scheduler.advance(101);
  assert.deepEqual(await system.call(pid, { type: 'get' }), ['early', 'late']);
});

test('a cancelled timer never fires', async () => {
  const scheduler = new SimScheduler();
  const system = new ActorSystem({ scheduler });
  const pid = await system.spawn(ticker, undefined);
  await system.call(pid, { type: 'schedule', ms: 100, tag: 'x' });
  assert.equal(await system.call(pid, { type: 'cancel' }), true);
  await scheduler.advance(500);
  assert.deepEqual(await system.call(pid, { type: 'get' }), []);
});

test("an actor's timers are cancelled when it exits", async () => {
  const scheduler = new SimScheduler();
  const system = new ActorSystem({ scheduler });
  const pid = await system.spawn(
    { init: (_: void, ctx) => (ctx.sendAfter(100, 'a'), ctx.sendAfter(5000, 'b'), null) },
    undefined,
  );
  assert.equal(scheduler.pending(), 2);
  await system.stop(pid);
  assert.equal(scheduler.pending(), 0);
});
