import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventQueue, SimRandom, SimScheduler } from '../../packages/runtime/src/testing/sim/index.ts';

test('items come out by time, and items at the same time in the order they were pushed', () => {
  const q = new EventQueue<string>();
  q.push(5, 'b');
  q.push(1, 'a');
  q.push(5, 'c');
  q.push(3, 'x');
  q.push(5, 'd');
  assert.equal(q.size, 5);
  assert.equal(q.peekTime(), 1);
  const out: string[] = [];
  for (let e = q.pop(); e !== undefined; e = q.pop()) out.push(`${e.at}${e.item}`);
  assert.deepEqual(out, ['1a', '3x', '5b', '5c', '5d']);
  assert.equal(q.peekTime(), undefined);
  assert.equal(q.size, 0);
});

test('random pushes and pops come out as a stable sort by time would order them', () => {
  const seed = Number(process.env['SIM_QUEUE_SEED'] ?? 4242);
  console.log(`SIM_QUEUE_SEED=${seed}`);
  const rng = new SimRandom(seed);
  const q = new EventQueue<number>();
  const model: { at: number; item: number }[] = [];
  for (let i = 0; i < 5000; i++) {
    if (model.length > 0 && rng.chance(0.4)) {
      // The model is kept in stable time order: the first of the earliest time goes first.
      let best = 0;
      for (let j = 1; j < model.length; j++) if (model[j]!.at < model[best]!.at) best = j;
      const [want] = model.splice(best, 1);
      assert.deepEqual(q.pop(), want, `SIM_QUEUE_SEED=${seed}: step ${i}`);
    } else {
      const at = rng.int(0, 20); // few distinct times, so ties are common
      model.push({ at, item: i });
      q.push(at, i);
    }
  }
  assert.equal(q.size, model.length);
});

test('the scheduler runs callbacks in time order, moves now to each, and stops at the horizon', () => {
  const s = new SimScheduler();
  const ran: string[] = [];
  s.at(5, () => ran.push(`b@${s.now}`));
  s.after(1, () => {
    ran.push(`a@${s.now}`);
    s.after(0, () => ran.push(`a2@${s.now}`)); // same time, after everything already queued at 1
  });
  s.at(1, () => ran.push(`a1@${s.now}`));
  s.at(20, () => ran.push(`late@${s.now}`));
  while (s.runNext(10));
  assert.deepEqual(ran, ['a@1', 'a1@1', 'a2@1', 'b@5']);
  assert.equal(s.now, 5);
  assert.equal(s.size, 1);
});

test('a callback scheduled in the past runs now, after those already due now', () => {
  const s = new SimScheduler();
  const ran: string[] = [];
  s.at(10, () => {
    s.at(2, () => ran.push(`past@${s.now}`));
    ran.push('ten');
  });
  s.at(10, () => ran.push(`ten-bis@${s.now}`));
  while (s.runNext(100));
  assert.deepEqual(ran, ['ten', 'ten-bis@10', 'past@10']);
});
