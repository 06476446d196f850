// Check-quorum: a leader that has not heard from a quorum for an election timeout steps down, and
// a follower that heard from its leader within that time ignores vote requests (leader lease).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ScriptedCluster } from '../../packages/runtime/src/testing/raft-sim/index.ts';

test('a leader cut off from a quorum steps down within two election timeouts', () => {
  const c = new ScriptedCluster(['a', 'b', 'c', 'd', 'e']);
  c.elect('a');
  c.isolate('a');
  c.cut('b', 'c');
  let ticks = 0;
  while (c.node('a').raw.role === 'leader' && ticks < 100) {
    c.tick('a');
    c.stabilize();
    ticks++;
  }
  assert.equal(c.node('a').raw.role, 'follower');
  assert.ok(ticks <= 20, `stepped down after ${ticks} ticks`);
  const r = c.propose('a', 'x');
  assert.equal(r.ok, false);
});

test('a leader that hears from a quorum stays leader indefinitely', () => {
  const c = new ScriptedCluster(['a', 'b', 'c', 'd', 'e']);
  c.elect('a');
  c.isolate('e');
  c.cut('a', 'd');
  for (let i = 0; i < 100; i++) {
    c.tick('a');
    c.stabilize();
  }
  assert.equal(c.node('a').raw.role, 'leader');
});

test('a follower that recently heard from the leader ignores a disruptive vote request', () => {
  const c = new ScriptedCluster(['a', 'b', 'c'], { raft: { preVote: false } });
  c.elect('a');
  const term = c.node('a').raw.term;
  c.cut('a', 'b');
  // b stops hearing from a and starts a real election at term + 1.
  for (let i = 0; i < 30 && c.node('b').raw.role !== 'candidate'; i++) {
    c.tickAll(1);
    c.stabilize();
  }
  assert.equal(c.node('b').raw.role, 'candidate');
  assert.ok(c.sent.some((m) => m.type === 'vote' && m.from === 'b' && m.to === 'c'));
  assert.equal(c.node('c').raw.term, term, 'c ignored the higher-term vote request');
  assert.ok(
    !c.sent.some((m) => m.type === 'vote-resp' && m.from === 'c' && m.to === 'b'),
    'and did not answer',
  );
  assert.equal(c.node('a').raw.role, 'leader');
});
