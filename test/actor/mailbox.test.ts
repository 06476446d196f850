import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Mailbox } from '../../packages/runtime/src/actor/mailbox.ts';
import type { From } from '../../packages/runtime/src/actor/types.ts';

type Item = [kind: number, msg: unknown, from: From | undefined];

function takeAll(box: Mailbox): Item[] {
  const out: Item[] = [];
  while (box.take()) out.push([box.kind, box.msg, box.from]);
  return out;
}

test('messages come out in the order they went in, across many segments, with their kind and caller', () => {
  const box = new Mailbox();
  const from: From = { tag: 7, node: 'a@h' };
  const sent: Item[] = [];
  for (let i = 0; i < 50_000; i++) {
    const item: Item = [i % 3, { i }, i % 3 === 0 ? from : undefined];
    sent.push(item);
    box.push(...item);
  }
  assert.equal(box.length, 50_000);
  assert.deepEqual(takeAll(box), sent);
  assert.equal(box.length, 0);
  assert.equal(box.take(), false, 'an empty mailbox has nothing to take');
});

test('forEach visits the waiting messages oldest first and leaves them in place', () => {
  const box = new Mailbox();
  for (let i = 0; i < 100; i++) box.push(1, i, undefined);
  for (let i = 0; i < 30; i++) box.take();
  const seen: unknown[] = [];
  box.forEach((_k, msg) => seen.push(msg));
  assert.deepEqual(
    seen,
    Array.from({ length: 70 }, (_, i) => i + 30),
  );
  assert.equal(box.length, 70);
  assert.deepEqual(
    takeAll(box).map(([, msg]) => msg),
    seen,
  );
});

test('release drops the references to the message taken last', () => {
  const box = new Mailbox();
  box.push(0, { big: true }, { tag: 1, node: 'n' });
  assert.ok(box.take());
  box.release();
  assert.equal(box.msg, undefined);
  assert.equal(box.from, undefined);
});

test('any interleaving of pushes and takes behaves as a plain FIFO queue', () => {
  fc.assert(
    fc.property(
      // positive: push that many messages; negative: take up to that many
      fc.array(fc.integer({ min: -3000, max: 3000 }), { maxLength: 40 }),
      (ops) => {
        const box = new Mailbox();
        const model: number[] = [];
        let next = 0;
        for (const op of ops) {
          if (op >= 0) {
            for (let i = 0; i < op; i++) {
              box.push(1, next, undefined);
              model.push(next++);
            }
          } else {
            for (let i = 0; i < -op; i++) {
              const had = box.take();
              assert.equal(had, model.length > 0);
              if (had) assert.equal(box.msg, model.shift());
            }
          }
          assert.equal(box.length, model.length);
        }
        const rest: unknown[] = [];
        box.forEach((_k, msg) => rest.push(msg));
        assert.deepEqual(rest, model);
      },
    ),
    { numRuns: 200 },
  );
});
