/**
 * The nemesis test's per-hero model (test/multiprocess/nemesis-history.ts) accepts the histories a
 * correct cluster produces and refuses the anomalies the nemesis hunts: an undone delete, a lost
 * create, an assign that answered a stale location.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkOperations } from '../../packages/runtime/src/testing/linearizability/index.ts';
import type { FinalAnswer, HeroOp } from '../multiprocess/nemesis-history.ts';
import { deaths, endFacts, heroModel } from '../multiprocess/nemesis-history.ts';
import { toOutput } from '../multiprocess/nemesis-run.ts';

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

// Regression (raft nemesis, seed 1770272766): an assign to a city that had just been killed was
// answered 409 city_down; read as "the hero is dead", it made the next successful assign look
// like a resurrection. Only 409 dead_hero is a fact about the hero; city_down wrote nothing.
test('409 city_down is a refusal, 409 dead_hero a fact: the recorded history is linearizable', () => {
  assert.deepEqual(toOutput(409, { error: { code: 'city_down', message: 'metropolis is not up' } }), {
    kind: 'failed',
    status: 409,
    code: 'city_down',
  });
  assert.deepEqual(toOutput(409, { error: { code: 'dead_hero', message: 'dead' } }), { kind: 'dead' });
  const cityDown = toOutput(409, { error: { code: 'city_down' } });
  const h = [
    op(5, { op: 'create', id: 'h' }, 2494, 2509, { kind: 'ok', location: 'home' }),
    op(5, { op: 'assign', id: 'h', location: 'gotham' }, 2509, 2516, { kind: 'ok', location: 'gotham' }),
    op(6, { op: 'read', id: 'h' }, 2625, 2627, { kind: 'failed', status: 0 }),
    op(5, { op: 'assign', id: 'h', location: 'metropolis' }, 2632, 2634, cityDown),
    op(5, { op: 'assign', id: 'h', location: 'gotham' }, 2660, 2668, { kind: 'ok', location: 'gotham' }),
    op(5, { op: 'read', id: 'h' }, 2688, 2690, { kind: 'ok', location: 'gotham' }),
    op(5, { op: 'assign', id: 'h', location: 'capitol' }, 2771, 2777, { kind: 'ok', location: 'capitol' }),
  ];
  assert.equal(check(h), 'ok');
  // The same history with the refusal read as "dead" is what the checker refused.
  const misread = h.map((o) => (o.output === cityDown ? { ...o, output: { kind: 'dead' as const } } : o));
  assert.equal(check(misread), 'illegal');
});

// Regression (raft nemesis, seed 1490097904): an assignment answered 503 was read back as applied.
// 503 says "nothing written", so the checker refuses that history; the hero's actor, on another
// node, had answered outcome_unknown (504), which the node the request came in on turned into 503
// (fixed: remoteDispatchError). With the 504 the same history is linearizable.
test('an assignment read back as applied must not have been answered 503; as 504 it may', () => {
  const history = (assigned: HeroOp['output']): HeroOp[] => [
    op(1, { op: 'create', id: 'h' }, 52_751, 52_760, { kind: 'ok', location: 'home' }),
    op(1, { op: 'assign', id: 'h', location: 'gotham' }, 52_859, 52_873, assigned),
    op(2, { op: 'read', id: 'h' }, 53_300, 53_310, { kind: 'ok', location: 'gotham' }),
  ];
  const refused = toOutput(503, { error: { code: 'unavailable', message: 'x' } });
  assert.deepEqual(refused, { kind: 'failed', status: 503, code: 'unavailable' });
  assert.equal(check(history(refused)), 'illegal');
  assert.equal(check(history(toOutput(504, { error: { code: 'outcome_unknown' } }))), 'ok');
});
