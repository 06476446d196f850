import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { NameResolver, Pid } from '../../packages/runtime/src/actor/index.ts';
import { NoProcError, typedResolver } from '../../packages/runtime/src/actor/index.ts';
import { startCluster, stopAll, waitFor } from '../cluster/helpers.ts';
import { newSystem } from './helpers.ts';
import type { CounterProtocol } from './typed-counter.ts';
import { COUNTER, typedCounter } from './typed-counter.ts';

/** A registry of keys to pids: the `{ via, key }` contract at its simplest. */
class KeyRegistry implements NameResolver {
  readonly pids = new Map<string, Pid>();
  whereis(key: string): Pid | undefined {
    return this.pids.get(key);
  }
}

test('a typed reference calls, casts and sends to a local actor by pid, name and registry key', async () => {
  const system = newSystem();
  const pid = await system.spawn(typedCounter, 1, { name: COUNTER });
  const byPid = system.ref(pid);
  assert.equal(await byPid.call({ type: 'add', by: 2 }), 3);
  const byName = system.ref(COUNTER);
  byName.cast({ type: 'inc', by: 4 });
  assert.equal(await byName.call({ type: 'get' }), 7);
  assert.equal(await byName.call({ type: 'label' }), 'counter at 7');
  byName.send({ type: 'reset' });
  assert.equal(await byPid.call({ type: 'get' }), 0);

  const registry = new KeyRegistry();
  registry.pids.set('c1', pid);
  const byKey = system.ref({ via: typedResolver<CounterProtocol>(registry), key: 'c1' });
  assert.equal(await byKey.call({ type: 'add', by: 5 }), 5);
  const found = system.whereis(COUNTER);
  assert.ok(found);
  assert.equal(await system.ref(found).call({ type: 'get' }), 5);
});

test('a typed reference keeps the call semantics: an actor that is gone fails with noproc', async () => {
  const system = newSystem();
  const pid = await system.spawn(typedCounter, 0, { name: COUNTER });
  const ref = system.ref(COUNTER);
  await system.stop(pid);
  await assert.rejects(ref.call({ type: 'get' }), NoProcError);
  await assert.rejects(system.ref(pid).call({ type: 'get' }), NoProcError);
});

test('a typed reference reaches an actor on another node by name, pid and global name', async () => {
  const nodes = await startCluster(['typed-a', 'typed-b'], { logger: pino({ level: 'silent' }) });
  const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
  try {
    const pid = await b.system.spawn(typedCounter, 10, { name: COUNTER });
    const byName = a.system.ref({ name: COUNTER, node: b.name });
    assert.equal(await byName.call({ type: 'add', by: 1 }), 11);
    byName.cast({ type: 'inc', by: 1 });
    assert.equal(await a.system.ref(pid).call({ type: 'label' }), 'counter at 12');

    b.globals.register(COUNTER, pid);
    await waitFor(() => a.globals.whereis(COUNTER) !== undefined, 5000, 'the global name reaches a');
    const byGlobal = a.system.ref({ global: COUNTER });
    assert.equal(await byGlobal.call({ type: 'get' }), 12);
    byGlobal.send({ type: 'reset' });
    assert.equal(await byGlobal.call({ type: 'get' }), 0);
  } finally {
    await stopAll(nodes);
  }
});
