/**
 * The nemesis test's per-hero model (test/multiprocess/nemesis-history.ts) accepts the histories a
 * correct cluster produces and refuses the anomalies the nemesis hunts: an undone delete, a lost
 * create, an assign that answered a stale location.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkOperations } from '../../src/testing/linearizability/index.ts';
import type { FinalAnswer, HeroOp } from '../multiprocess/nemesis-history.ts';
import { deaths, endFacts, heroModel } from '../multiprocess/nemesis-history.ts';

const op = (
  clientId: number,
  input: HeroOp['input'],
  call: number,
  ret: number,
  output: HeroOp['output'],
): HeroOp => ({
  clientId,
  input,
  call,
  return: output === undefined ? Infinity : ret,
  output,
});
const check = (h: HeroOp[]) => checkOperations(heroModel, [...h, ...deaths(h, 100)]).result;

test('create, assign, read, delete, then dead everywhere: linearizable', () => {
  const h = [
    op(0, { op: 'create', id: 'a' }, 0, 1, { kind: 'ok', location: 'home' }),
    op(1, { op: 'assign', id: 'a', location: 'gotham' }, 2, 3, { kind: 'ok', location: 'gotham' }),
    op(0, { op: 'read', id: 'a' }, 4, 5, { kind: 'ok', location: 'gotham' }),
    op(1, { op: 'delete', id: 'a' }, 6, 7, { kind: 'ok' }),
    op(0, { op: 'assign', id: 'a', location: 'home' }, 8, 9, { kind: 'dead' }),
  ];
  assert.equal(check(h), 'ok');
});

test('a read of a live hero after an acknowledged delete is refused (an undone delete)', () => {
  const h = [
    op(0, { op: 'create', id: 'a' }, 0, 1, { kind: 'ok', location: 'home' }),
    op(1, { op: 'delete', id: 'a' }, 2, 3, { kind: 'ok' }),
    op(0, { op: 'read', id: 'a' }, 4, 5, { kind: 'ok', location: 'home' }),
  ];
  assert.equal(check(h), 'illegal');
});

test('a hero may die on its own at any time, but never come back', () => {
  const died = [
    op(0, { op: 'create', id: 'a' }, 0, 1, { kind: 'ok', location: 'home' }),
    op(0, { op: 'read', id: 'a' }, 2, 3, { kind: 'dead' }),
  ];
  assert.equal(check(died), 'ok');
  assert.equal(
    check([...died, op(1, { op: 'read', id: 'a' }, 4, 5, { kind: 'ok', location: 'home' })]),
    'illegal',
  );
});

test('a 404 after an acknowledged create is refused; a failed create wrote nothing; an unknown one may apply', () => {
  assert.equal(
    check([
      op(0, { op: 'create', id: 'a' }, 0, 1, { kind: 'ok', location: 'home' }),
      op(1, { op: 'read', id: 'a' }, 2, 3, { kind: 'absent' }),
    ]),
    'illegal',
  );
  assert.equal(
    check([
      op(0, { op: 'create', id: 'a' }, 0, 1, { kind: 'failed', status: 503 }),
      op(1, { op: 'read', id: 'a' }, 2, 3, { kind: 'ok', location: 'home' }),
    ]),
    'illegal',
  );
  assert.equal(
    check([
      op(0, { op: 'create', id: 'a' }, 0, 1, undefined),
      op(1, { op: 'read', id: 'a' }, 2, 3, { kind: 'absent' }),
      op(1, { op: 'read', id: 'a' }, 4, 5, { kind: 'ok', location: 'home' }),
    ]),
    'ok',
  );
});

test('end facts: an acknowledged create answered 404 is lost; a deleted hero answered 200 is undone', () => {
  const h = [
    op(0, { op: 'create', id: 'a' }, 0, 1, { kind: 'ok', location: 'home' }),
    op(0, { op: 'create', id: 'b' }, 0, 1, { kind: 'ok', location: 'home' }),
    op(1, { op: 'delete', id: 'b' }, 2, 3, { kind: 'ok' }),
  ];
  const finals = new Map<string, FinalAnswer[]>([
    ['a', ['live', 'absent', 'live']],
    ['b', ['dead', 'live', 'dead']],
  ]);
  assert.deepEqual(endFacts(h, finals), { lostCreates: ['a'], undoneDeletes: ['b'] });
});
