// The process's shared periodic timers: tasks whose periods are multiples of 50 ms run in the
// same timer callback (one wake-up), each at its own period; cancelling, errors and keeping the
// process alive behave as with plain intervals.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { every, onTickLateness } from '../../packages/runtime/src/cluster/transport/ticker.ts';

const TICKER = fileURLToPath(
  new URL('../../packages/runtime/src/cluster/transport/ticker.ts', import.meta.url),
);

/** Runs an ES module that imports the ticker as `every`, in a child process. */
function child(body: string): { status: number | null; stdout: string; stderr: string } {
  const source = `import { every } from ${JSON.stringify(TICKER)};\n${body}`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', source], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('tasks of 50, 100 and 150 ms run in the same callbacks, each at its period', async () => {
  // Which callback of the shared interval each task ran in: the first task numbers them.
  let callback = 0;
  const runs = { a: [] as number[], b: [] as number[], c: [] as number[], d: [] as number[] };
  const ticks = [
    every(50, () => runs.a.push(++callback)),
    every(50, () => runs.b.push(callback)),
    every(100, () => runs.c.push(callback)),
    every(150, () => runs.d.push(callback)),
  ];
  // Not on a clock: until the 150-ms task has run four times.
  while (runs.d.length < 4) await new Promise((r) => setTimeout(r, 20));
  for (const t of ticks) t.cancel();
  assert.deepEqual(runs.b, runs.a.slice(0, runs.b.length), 'the second 50-ms task ran in every callback too');
  for (const x of runs.c)
    assert.ok(runs.a.includes(x), `the 100-ms task ran in callback ${x}, with the others`);
  for (const x of runs.d)
    assert.ok(runs.a.includes(x), `the 150-ms task ran in callback ${x}, with the others`);
  assert.deepEqual(
    runs.c.slice(1).map((x, i) => x - runs.c[i]!),
    runs.c.slice(1).map(() => 2),
    'the 100-ms task: every second callback',
  );
  assert.deepEqual(
    runs.d.slice(1).map((x, i) => x - runs.d[i]!),
    runs.d.slice(1).map(() => 3),
    'the 150-ms task: every third callback',
  );
});

test('a cancelled task stops running; one cancelled by another in the same callback does not run in it', async () => {
  const seen: string[] = [];
  const later: { second?: { cancel(): void } } = {};
  const first = every(50, () => {
    seen.push('first');
    later.second?.cancel();
  });
  later.second = every(50, () => seen.push('second'));
  const third = every(50, () => seen.push('third'));
  while (seen.filter((s) => s === 'third').length < 3) await new Promise((r) => setTimeout(r, 20));
  first.cancel();
  const before = seen.length;
  await new Promise((r) => setTimeout(r, 20));
  third.cancel();
  assert.ok(!seen.includes('second'), `the cancelled task never ran: ${seen.join(' ')}`);
  assert.ok(!seen.slice(before).includes('first'), 'nothing after its own cancel');
});

test('a period that is no multiple of 50 ms gets its own interval', async () => {
  let n = 0;
  const t = every(30, () => n++);
  while (n < 3) await new Promise((r) => setTimeout(r, 10));
  t.cancel();
  const after = n;
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(n, after, 'no run after cancel');
});

test('a task that throws: the others of its callback still run, then the error is uncaught', () => {
  const r = child(`
every(50, () => { throw new Error('task failed on purpose'); });
every(50, () => { console.log('the other task ran'); }, { ref: true });
`);
  assert.notEqual(r.status, 0, 'the process fails as with a plain timer');
  assert.match(r.stderr, /task failed on purpose/);
  assert.match(r.stdout, /the other task ran/);
});

test('only tasks asked with ref keep the process alive', () => {
  const unrefd = child(`
every(50, () => {});
setTimeout(() => console.log('done'), 120);
`);
  assert.equal(unrefd.status, 0);
  assert.match(unrefd.stdout, /done/, 'exits once its other work is done');
  const refd = child(`
let n = 0;
const t = every(50, () => { if (++n === 3) { console.log('ran three times'); t.cancel(); } }, { ref: true });
`);
  assert.equal(refd.status, 0);
  assert.match(refd.stdout, /ran three times/, 'kept alive until cancelled, then exits');
});

test('onTickLateness hears how late each run of the 50-ms interval came, and stops when asked', async () => {
  const heard: number[] = [];
  const stop = onTickLateness((late) => heard.push(late));
  const task = every(50, () => undefined);
  try {
    while (heard.length < 2) await new Promise((r) => setTimeout(r, 20));
    const until = performance.now() + 300;
    while (performance.now() < until) {
      // the event loop is stalled on purpose
    }
    const before = heard.length;
    while (heard.length === before) await new Promise((r) => setTimeout(r, 20));
    assert.ok(heard.every((late) => late >= 0));
    assert.ok(heard[before]! >= 250, `the run after a 300-ms stall came ${heard[before]} ms late`);
    stop();
    const stoppedAt = heard.length;
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(heard.length, stoppedAt, 'heard after stopping');
  } finally {
    stop();
    task.cancel();
  }
});
