import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Behaviour, ChildInfo, Pid } from '../../packages/runtime/src/actor/index.ts';
import {
  ActorSystem,
  SimScheduler,
  isNormalExit,
  startApplication,
  startSupervisor,
  supervisor,
  whichChildren,
  worker,
} from '../../packages/runtime/src/actor/index.ts';
import { settlesWithin } from '../../packages/runtime/src/testing/hang-guard.ts';
import { counter, exitsWith, newSystem, until } from './helpers.ts';
import { testLogger } from '../test-logger.ts';

function logged(log: string[], name: string): Behaviour<null, void> {
  return {
    name,
    init: () => (log.push(`start ${name}`), null),
    terminate: () => {
      log.push(`stop ${name}`);
    },
  };
}

async function pids(system: ActorSystem, sup: Pid): Promise<Record<string, Pid | undefined>> {
  const children = await whichChildren(system, sup);
  return Object.fromEntries(children.map((c: ChildInfo) => [c.id, c.pid]));
}

test('children start in order and stop in reverse order', async () => {
  const system = newSystem();
  const log: string[] = [];
  const sup = await startSupervisor(system, {
    children: ['a', 'b', 'c'].map((n) => worker(n, logged(log, n), undefined)),
  });
  await system.stop(sup, 'shutdown');
  assert.deepEqual(log, ['start a', 'start b', 'start c', 'stop c', 'stop b', 'stop a']);
});

test('a child that does not stop within its shutdown time is killed', async () => {
  const system = newSystem();
  const log: string[] = [];
  // The child's terminate waits on a gate only the test opens, so it never returns by itself:
  // stop can only complete by killing it once its 30 ms shutdown time is up.
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  let terminateEntered = false;
  const slow: Behaviour<null, void> = {
    name: 'slow',
    init: () => (log.push('start slow'), null),
    terminate: async () => {
      terminateEntered = true;
      await gate;
      log.push('stop slow');
    },
  };
  const sup = await startSupervisor(system, {
    children: [worker('slow', slow, undefined, { shutdown: 30 })],
  });
  const [child] = await whichChildren(system, sup);
  // The runtime's kill timer does not hold the process open; this hang guard does, and fails
  // the test if stop never completes.
  await settlesWithin(system.stop(sup, 'shutdown'), 30_000, 'stop');
  assert.equal(terminateEntered, true, 'the child was asked to stop');
  assert.deepEqual(log, ['start slow'], 'stop completed while terminate was still held');
  assert.equal(system.isAlive(child!.pid!), false, 'the child is gone');
  open();
});

test('one_for_one restarts only the crashed child', async () => {
  const system = newSystem();
  const sup = await startSupervisor(system, {
    strategy: 'one_for_one',
    children: ['a', 'b', 'c'].map((n) => worker(n, counter, 0)),
  });
  const before = await pids(system, sup);
  system.cast(before.b as Pid, { type: 'crash' });
  await until(async () => (await pids(system, sup)).b?.id !== before.b?.id);
  const after = await pids(system, sup);
  assert.deepEqual(after.a, before.a);
  assert.deepEqual(after.c, before.c);
});

test('one_for_all restarts every child', async () => {
  const system = newSystem();
  const sup = await startSupervisor(system, {
    strategy: 'one_for_all',
    children: ['a', 'b', 'c'].map((n) => worker(n, counter, 0)),
  });
  const before = await pids(system, sup);
  system.cast(before.b as Pid, { type: 'crash' });
  await until(async () => (await pids(system, sup)).b?.id !== before.b?.id);
  const after = await pids(system, sup);
  for (const id of ['a', 'b', 'c']) assert.notDeepEqual(after[id], before[id]);
  assert.equal(system.isAlive(before.a as Pid), false);
});

test('rest_for_one restarts the crashed child and those started after it', async () => {
  const system = newSystem();
  const sup = await startSupervisor(system, {
    strategy: 'rest_for_one',
    children: ['a', 'b', 'c'].map((n) => worker(n, counter, 0)),
  });
  const before = await pids(system, sup);
  system.cast(before.b as Pid, { type: 'crash' });
  await until(async () => (await pids(system, sup)).b?.id !== before.b?.id);
  const after = await pids(system, sup);
  assert.deepEqual(after.a, before.a);
  assert.notDeepEqual(after.c, before.c);
});

test('transient children restart only after an abnormal exit; temporary never', async () => {
  const system = newSystem();
  const sup = await startSupervisor(system, {
    children: [
      worker('t1', counter, 0, { restart: 'transient' }),
      worker('t2', counter, 0, { restart: 'transient' }),
      worker('tmp', counter, 0, { restart: 'temporary' }),
    ],
  });
  const before = await pids(system, sup);
  await system.stop(before.t1 as Pid, 'normal');
  system.cast(before.t2 as Pid, { type: 'crash' });
  system.cast(before.tmp as Pid, { type: 'crash' });
  await until(
    async () =>
      (await pids(system, sup)).t2 !== undefined && (await pids(system, sup)).t2?.id !== before.t2?.id,
  );
  const after = await pids(system, sup);
  assert.equal(after.t1, undefined);
  assert.ok(!('tmp' in after));
});

test('exceeding restart intensity (4th crash within 5 s) makes the supervisor exit', async () => {
  const system = newSystem();
  const sup = await startSupervisor(system, { children: [worker('w', counter, 0)] });
  const supExit = exitsWith(system, sup);
  for (let i = 0; i < 4; i++) {
    const { w } = await pids(system, sup);
    const exited = system.waitExit(w as Pid);
    system.cast(w as Pid, { type: 'crash' });
    await exited;
    if (i < 3) await until(async () => (await pids(system, sup)).w !== undefined);
  }
  assert.deepEqual(await supExit, { shutdown: 'reached_max_restart_intensity' });
});

test('a nested supervisor that gives up is restarted by its parent, and the failure climbs to the root', async () => {
  const system = newSystem();
  let exitReason: unknown;
  let normal: boolean | undefined;
  const app = await startApplication(
    system,
    {
      intensity: { maxRestarts: 1, periodMs: 5000 },
      children: [
        supervisor('inner', {
          children: [worker('w', counter, 0)],
          intensity: { maxRestarts: 0, periodMs: 5000 },
        }),
      ],
    },
    { onExit: (r, n) => ((exitReason = r), (normal = n)) },
  );
  const crashInner = async (): Promise<void> => {
    const [inner] = await whichChildren(system, app.root);
    const [w] = await whichChildren(system, inner?.pid as Pid);
    system.cast(w?.pid as Pid, { type: 'crash' });
  };
  const [first] = await whichChildren(system, app.root);
  await crashInner();
  await until(async () => {
    const pid = (await whichChildren(system, app.root))[0]?.pid;
    return pid !== undefined && pid.id !== first?.pid?.id;
  });
  await crashInner();
  await app.exited;
  assert.equal(normal, false);
  assert.ok(isNormalExit(exitReason));
});

test('graceful application stop reports a normal exit', async () => {
  const system = newSystem();
  let normal: boolean | undefined;
  const app = await startApplication(
    system,
    { children: [worker('w', counter, 0)] },
    { onExit: (_r, n) => (normal = n) },
  );
  await app.stop();
  assert.equal(normal, true);
  assert.equal(system.size, 0);
});

test('a child that fails to start fails the supervisor start and stops the started ones', async () => {
  const system = newSystem();
  const log: string[] = [];
  await assert.rejects(
    startSupervisor(system, {
      children: [
        worker('a', logged(log, 'a'), undefined),
        worker(
          'bad',
          {
            init: () => {
              throw new Error('no');
            },
          },
          undefined,
        ),
      ],
    }),
  );
  assert.deepEqual(log, ['start a', 'stop a']);
});

test('a bad child spec is refused with bad_spec', async () => {
  const system = newSystem();
  await assert.rejects(
    startSupervisor(system, { children: [{ id: '', start: () => Promise.reject(new Error('x')) }] }),
    (e: unknown) => (e as { cause?: { code?: string } }).cause?.code === 'bad_spec',
  );
});

test('restart intensity under a random crash schedule matches the model', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 100, max: 3000 }),
      fc.array(
        fc.record({ delay: fc.integer({ min: 0, max: 2000 }), child: fc.integer({ min: 0, max: 2 }) }),
        {
          maxLength: 12,
        },
      ),
      async (maxRestarts, periodMs, schedule) => {
        const scheduler = new SimScheduler();
        // Hundreds of crashes on purpose: only the restart count matters here.
        const system = new ActorSystem({ scheduler, logger: testLogger });
        let restarts = 0;
        const sup = await startSupervisor(system, {
          intensity: { maxRestarts, periodMs },
          children: ['a', 'b', 'c'].map((n) => worker(n, counter, 0)),
          onRestart: () => restarts++,
        });
        // the model: restart times within the window; giving up when one more exceeds it
        let history: number[] = [];
        let modelRestarts = 0;
        let modelAlive = true;
        for (const step of schedule) {
          if (!modelAlive) break;
          await scheduler.advance(step.delay);
          const children = await whichChildren(system, sup);
          const target = children[step.child]?.pid as Pid;
          system.exit(target, 'boom');
          await scheduler.advance(0);
          const now = scheduler.now();
          history = history.filter((t) => now - t < periodMs);
          history.push(now);
          if (history.length > maxRestarts) modelAlive = false;
          else modelRestarts++;
        }
        await scheduler.advance(0);
        assert.equal(system.isAlive(sup), modelAlive);
        assert.equal(restarts, modelRestarts);
      },
    ),
    { numRuns: 60 },
  );
});
