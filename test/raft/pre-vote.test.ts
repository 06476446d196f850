// Pre-vote (thesis §9.6): a member that was partitioned away first asks whether it could win an
// election, without bumping its term, so it cannot depose a healthy leader when it returns.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ScriptedCluster } from '../../packages/runtime/src/testing/raft-sim/index.ts';

function partitionAndReturn(preVote: boolean): { c: ScriptedCluster; termBefore: number } {
  const c = new ScriptedCluster(['a', 'b', 'c'], { raft: { preVote } });
  c.elect('a');
  const termBefore = c.node('a').raw.term;
  c.isolate('c');
  for (let i = 0; i < 100; i++) {
    c.tickAll(1);
    c.stabilize();
  }
  c.heal();
  for (let i = 0; i < 5; i++) {
    c.tickAll(1);
    c.stabilize();
  }
  return { c, termBefore };
}

test('a partitioned member keeps its term while it cannot win a pre-vote', () => {
  const c = new ScriptedCluster(['a', 'b', 'c']);
  c.elect('a');
  const term = c.node('c').raw.term;
  c.isolate('c');
  c.tick('c', 200);
  c.stabilize();
  assert.equal(c.node('c').raw.term, term);
  assert.equal(c.node('c').raw.role, 'pre-candidate');
  assert.ok(
    c.sent.some((m) => m.type === 'pre-vote' && m.from === 'c'),
    'it did ask',
  );
  assert.ok(!c.sent.some((m) => m.type === 'vote' && m.from === 'c'), 'but never started a real election');
});

test('with pre-vote, a member returning from a partition does not disrupt the leader', () => {
  const { c, termBefore } = partitionAndReturn(true);
  assert.deepEqual(c.leaders(), ['a']);
  assert.equal(c.node('a').raw.term, termBefore);
  assert.equal(c.node('c').raw.leader, 'a');
  assert.equal(c.node('c').raw.role, 'follower');
});

test('without pre-vote, the same partition costs the leader its term (the problem pre-vote solves)', () => {
  const { c, termBefore } = partitionAndReturn(false);
  assert.ok(c.node('c').raw.term > termBefore + 5, 'the isolated member inflated its term');
  assert.ok(c.node('a').raw.term > termBefore, 'the healthy leader was deposed');
});

test('members that lost their leader grant pre-votes, so a real election can follow', () => {
  const c = new ScriptedCluster(['a', 'b', 'c']);
  c.elect('a');
  c.crash('a');
  for (let i = 0; i < 40 && c.leaders().length === 0; i++) {
    c.tickAll(1);
    c.stabilize();
  }
  assert.equal(c.leaders().length, 1);
  const granted = c.sent.filter((m) => m.type === 'pre-vote-resp' && !m.reject);
  assert.ok(granted.length > 0);
});
