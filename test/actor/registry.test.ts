import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NameTakenError, NoProcError } from '../../packages/runtime/src/actor/index.ts';
import { counter, newSystem } from './helpers.ts';

test('a registered name works wherever a pid does', async () => {
  const system = newSystem();
  const pid = await system.spawn(counter, 3, { name: 'c' });
  assert.deepEqual(system.whereis('c'), pid);
  system.cast('c', { type: 'inc', by: 1 });
  assert.equal(await system.call('c', { type: 'get' }), 4);
  assert.equal(await system.call({ name: 'c', node: system.node }, { type: 'get' }), 4);
});

test('names are unique: a second registration fails with name_taken', async () => {
  const system = newSystem();
  await system.spawn(counter, 0, { name: 'c' });
  await assert.rejects(system.spawn(counter, 0, { name: 'c' }), NameTakenError);
  const other = await system.spawn(counter, 0);
  assert.throws(() => system.register('c', other), NameTakenError);
});

test('a name is released when its actor exits', async () => {
  const system = newSystem();
  const pid = await system.spawn(counter, 0, { name: 'c' });
  await system.stop(pid);
  assert.equal(system.whereis('c'), undefined);
  await assert.rejects(system.call('c', { type: 'get' }), NoProcError);
  await system.spawn(counter, 0, { name: 'c' });
});

test('unregister frees the name and keeps the actor', async () => {
  const system = newSystem();
  const pid = await system.spawn(counter, 0, { name: 'c' });
  system.unregister('c');
  assert.equal(system.whereis('c'), undefined);
  assert.equal(system.isAlive(pid), true);
});
