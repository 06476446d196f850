// Log matching (Raft §5.3): if two logs contain an entry with the same index and term, the logs
// are identical in all entries up through that index.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ScriptedCluster } from '../../packages/runtime/src/testing/raft-sim/index.ts';
import { chaos, violationsOf } from './chaos.ts';

test('a follower rejects an append whose previous entry does not match its log', () => {
  const c = new ScriptedCluster(['a', 'b', 'c']);
  c.elect('a');
  const term = c.node('b').raw.term;
  c.node('b').raw.step({
    type: 'app',
    from: 'a',
    to: 'b',
    term,
    prevIndex: 9,
    prevTerm: term,
    entries: [],
    commit: 0,
  });
  c.process('b');
  const resp = c.inflight.find((m) => m.type === 'app-resp' && m.from === 'b');
  assert.ok(resp !== undefined && resp.type === 'app-resp');
  assert.equal(resp.reject, true);
  assert.equal(resp.index, 9);
  assert.equal(
    resp.hintIndex,
    c.node('b').raw.lastIndex(),
    'hint: the follower has nothing past its last index',
  );
});

test('a conflicting uncommitted suffix on a follower is replaced by the leader entries', () => {
  const c = new ScriptedCluster(['a', 'b', 'c', 'd', 'e']);
  c.elect('a');
  for (const x of ['a', 'b']) for (const y of ['c', 'd', 'e']) c.cut(x, y);
  for (const v of ['x1', 'x2', 'x3']) c.propose('a', v);
  c.stabilize();
  assert.equal(c.node('b').raw.lastIndex(), 5, 'b holds the uncommitted entries of the old leader');
  assert.equal(c.node('b').raw.commitIndex, 2);
  // The majority side elects a new leader and writes something else.
  for (let i = 0; i < 60 && !['c', 'd', 'e'].some((id) => c.node(id).raw.role === 'leader'); i++) {
    for (const id of ['c', 'd', 'e']) c.tick(id);
    c.stabilize();
  }
  const leader = ['c', 'd', 'e'].find((id) => c.node(id).raw.role === 'leader')!;
  c.propose(leader, 'y');
  c.stabilize();
  c.heal();
  c.tickAll(2);
  c.stabilize();
  c.tickAll(2);
  c.stabilize();
  const l = c.node(leader).raw;
  const b = c.node('b').raw;
  assert.equal(b.leader, leader);
  assert.equal(b.lastIndex(), l.lastIndex());
  assert.deepEqual(b.entries(1, b.lastIndex() + 1), l.entries(1, l.lastIndex() + 1));
  assert.deepEqual(c.node('b').machine, ['y'], 'the replaced entries were never applied');
});

test('logs agree on every entry up to any index where they share a term (random runs)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      fc.constantFrom(['a', 'b', 'c'], ['a', 'b', 'c', 'd', 'e']),
      (seed, ids) => {
        const run = chaos(seed, ids, 250);
        assert.deepEqual(violationsOf(run, 'log matching'), [], `seed ${seed}`);
      },
    ),
    { numRuns: 40 },
  );
});
