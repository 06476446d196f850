import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pid } from '../../packages/runtime/src/actor/index.ts';
import {
  BadSpecError,
  NoProcError,
  dynamicChildCount,
  dynamicChildren,
  startChild,
  startDynamicSupervisor,
  terminateChild,
  worker,
} from '../../packages/runtime/src/actor/index.ts';
import { counter, exitsWith, newSystem, until } from './helpers.ts';

test('startChild starts children at run time; terminateChild stops them for good', async () => {
  const system = newSystem();
  const sup = await startDynamicSupervisor(system);
  const a = await startChild(system, sup, worker('a', counter, 1));
  const b = await startChild(system, sup, worker('b', counter, 2));
  assert.equal(await system.call(b, { type: 'get' }), 2);
  assert.equal(await dynamicChildCount(system, sup), 2);
  await terminateChild(system, sup, a);
  assert.equal(system.isAlive(a), false);
  assert.equal(await dynamicChildCount(system, sup), 1);
});

test('a crashed permanent child is restarted; a transient one after a normal exit is not', async () => {
  const system = newSystem();
  const sup = await startDynamicSupervisor(system);
  const p = await startChild(system, sup, worker('p', counter, 0));
  const t = await startChild(system, sup, worker('t', counter, 0, { restart: 'transient' }));
  system.cast(p, { type: 'crash' });
  await system.stop(t, 'normal');
  await until(async () => {
    const kids = await dynamicChildren(system, sup);
    return kids.length === 1 && kids[0]?.id === 'p' && kids[0].pid.id !== p.id;
  });
});

test('startChild rejects a bad spec and a failing start without crashing the supervisor', async () => {
  const system = newSystem();
  const sup = await startDynamicSupervisor(system);
  await assert.rejects(startChild(system, sup, { id: 'x' } as never), BadSpecError);
  await assert.rejects(
    startChild(
      system,
      sup,
      worker(
        'bad',
        {
          init: () => {
            throw new Error('no');
          },
        },
        undefined,
      ),
    ),
  );
  await assert.rejects(
    terminateChild(system, sup, { node: system.node, inc: system.incarnation, id: 999 } as Pid),
    (e: unknown) =>
      (e as { code?: string }).code === NoProcError.prototype.code ||
      (e as { code?: string }).code === 'noproc',
  );
  assert.equal(system.isAlive(sup), true);
});

test('maxChildren is enforced', async () => {
  const system = newSystem();
  const sup = await startDynamicSupervisor(system, { maxChildren: 1 });
  await startChild(system, sup, worker('a', counter, 0));
  await assert.rejects(startChild(system, sup, worker('b', counter, 0)), /max_children/);
});

test('too many crashes make the dynamic supervisor exit', async () => {
  const system = newSystem();
  const sup = await startDynamicSupervisor(system, { intensity: { maxRestarts: 2, periodMs: 5000 } });
  const exit = exitsWith(system, sup);
  await startChild(system, sup, worker('a', counter, 0));
  for (let i = 0; i < 3; i++) {
    await until(
      async () => (await dynamicChildren(system, sup).catch(() => [])).length === 1 || !system.isAlive(sup),
    );
    if (!system.isAlive(sup)) break;
    const [child] = await dynamicChildren(system, sup);
    const gone = system.waitExit(child?.pid as Pid);
    system.cast(child?.pid as Pid, { type: 'crash' });
    await gone;
  }
  assert.deepEqual(await exit, { shutdown: 'reached_max_restart_intensity' });
});
