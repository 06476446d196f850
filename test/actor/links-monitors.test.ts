import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DownMessage, ExitMessage } from '../../packages/runtime/src/actor/index.ts';
import { counter, exitsWith, newSystem, recorder, until } from './helpers.ts';

test('a monitor receives DOWN with the exit reason', async () => {
  const system = newSystem();
  const watcher = await system.spawn(recorder, undefined);
  const target = await system.spawn(counter, 0);
  const ref = system.monitor(watcher, target);
  system.cast(target, { type: 'crash' });
  await until(async () => (await system.call<unknown[]>(watcher, { type: 'get' })).length === 1);
  const [down] = (await system.call<unknown[]>(watcher, { type: 'get' })) as [DownMessage];
  assert.equal(down.type, 'DOWN');
  assert.deepEqual(down.ref, ref);
  assert.deepEqual(down.pid, target);
  assert.equal((down.reason as Error).message, 'cast crash');
});

test('monitoring a dead actor delivers DOWN with noproc at once', async () => {
  const system = newSystem();
  const watcher = await system.spawn(recorder, undefined);
  const target = await system.spawn(counter, 0);
  await system.stop(target);
  system.monitor(watcher, target);
  await until(async () => (await system.call<unknown[]>(watcher, { type: 'get' })).length === 1);
  const [down] = (await system.call<unknown[]>(watcher, { type: 'get' })) as [DownMessage];
  assert.equal(down.reason, 'noproc');
});

test('demonitor: no DOWN after it', async () => {
  const system = newSystem();
  const watcher = await system.spawn(recorder, undefined);
  const target = await system.spawn(counter, 0);
  const ref = system.monitor(watcher, target);
  system.demonitor(ref);
  await system.stop(target);
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(await system.call(watcher, { type: 'get' }), []);
});

test('a crash propagates over a link and kills the linked actor', async () => {
  const system = newSystem();
  const a = await system.spawn(counter, 0);
  const b = await system.spawn(counter, 0, { link: a });
  const bExit = exitsWith(system, b);
  system.cast(a, { type: 'crash' });
  assert.equal(((await bExit) as Error).message, 'cast crash');
});

test('a normal exit does not kill a linked actor', async () => {
  const system = newSystem();
  const a = await system.spawn(counter, 0);
  const b = await system.spawn(counter, 0, { link: a });
  await system.stop(a, 'normal');
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(system.isAlive(b), true);
});

test('trapping exits turns exit signals into EXIT messages', async () => {
  const system = newSystem();
  const trapper = await system.spawn(recorder, { trap: true });
  const a = await system.spawn(counter, 0, { link: trapper });
  system.cast(a, { type: 'crash' });
  await until(async () => (await system.call<unknown[]>(trapper, { type: 'get' })).length === 1);
  const [exit] = (await system.call<unknown[]>(trapper, { type: 'get' })) as [ExitMessage];
  assert.equal(exit.type, 'EXIT');
  assert.deepEqual(exit.from, a);
  assert.equal(system.isAlive(trapper), true);
});

test('kill cannot be trapped', async () => {
  const system = newSystem();
  const trapper = await system.spawn(recorder, { trap: true });
  const exit = exitsWith(system, trapper);
  system.exit(trapper, 'kill');
  assert.equal(await exit, 'killed');
});

test('unlink stops propagation', async () => {
  const system = newSystem();
  const a = await system.spawn(counter, 0);
  const b = await system.spawn(counter, 0, { link: a });
  system.unlink(b, a);
  system.cast(a, { type: 'crash' });
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(system.isAlive(b), true);
});

test('linking to a dead actor delivers noproc', async () => {
  const system = newSystem();
  const dead = await system.spawn(counter, 0);
  await system.stop(dead);
  const trapper = await system.spawn(recorder, { trap: true });
  system.link(trapper, dead);
  await until(async () => (await system.call<unknown[]>(trapper, { type: 'get' })).length === 1);
  const [exit] = (await system.call<unknown[]>(trapper, { type: 'get' })) as [ExitMessage];
  assert.equal(exit.reason, 'noproc');
});
