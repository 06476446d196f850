// Leadership transfer (thesis §3.10): the leader stops taking proposals, brings the transferee's
// log up to date, then sends TimeoutNow; the transferee campaigns at once (no pre-vote, past the
// leader lease) and wins the next term. A transfer that does not finish within an election
// timeout is abandoned.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ScriptedCluster } from '../../packages/runtime/src/testing/raft-sim/index.ts';

test('leadership moves to an up-to-date follower in the next term', () => {
  const c = new ScriptedCluster(['a', 'b', 'c']);
  c.elect('a');
  const term = c.node('a').raw.term;
  assert.deepEqual(c.node('a').raw.transferLeadership('b'), { ok: true });
  c.process('a');
  c.stabilize();
  assert.ok(c.sent.some((m) => m.type === 'timeout-now' && m.to === 'b'));
  assert.deepEqual(c.leaders(), ['b']);
  assert.equal(c.node('b').raw.term, term + 1);
  assert.equal(c.node('a').raw.leader, 'b');
});

test('a lagging transferee is caught up before it is told to campaign, and keeps every entry', () => {
  const c = new ScriptedCluster(['a', 'b', 'c']);
  c.elect('a');
  c.isolate('c');
  for (let i = 0; i < 5; i++) c.propose('a', `v${i}`);
  c.stabilize();
  c.heal();
  c.node('a').raw.transferLeadership('c');
  c.process('a');
  const firstTimeoutNow = () => c.sent.findIndex((m) => m.type === 'timeout-now');
  assert.equal(firstTimeoutNow(), -1, 'not before c has the log');
  c.stabilize();
  c.tickAll(1);
  c.stabilize();
  assert.ok(firstTimeoutNow() >= 0);
  assert.deepEqual(c.leaders(), ['c']);
  assert.deepEqual(c.node('c').machine, ['v0', 'v1', 'v2', 'v3', 'v4']);
});

test('proposals are refused while a transfer is in progress', () => {
  const c = new ScriptedCluster(['a', 'b', 'c']);
  c.elect('a');
  c.isolate('b');
  c.propose('a', 'x');
  c.node('a').raw.transferLeadership('b');
  assert.deepEqual(c.propose('a', 'y'), { ok: false, reason: 'transferring', leader: 'a' });
});

test('a transfer to an unreachable member is abandoned after an election timeout', () => {
  const c = new ScriptedCluster(['a', 'b', 'c']);
  c.elect('a');
  c.isolate('b');
  c.node('a').raw.transferLeadership('b');
  for (let i = 0; i < 25; i++) {
    c.tick('a');
    c.tick('c');
    c.stabilize();
  }
  assert.equal(c.node('a').raw.status().leadTransferee, null);
  assert.equal(c.node('a').raw.role, 'leader');
  assert.equal(c.propose('a', 'z').ok, true);
});

test('a follower forwards a transfer request to its leader', () => {
  const c = new ScriptedCluster(['a', 'b', 'c']);
  c.elect('a');
  assert.deepEqual(c.node('c').raw.transferLeadership('b'), { ok: true });
  c.process('c');
  c.stabilize();
  assert.deepEqual(c.leaders(), ['b']);
});

test('transfers to learners, unknown members or the leader itself are refused', () => {
  const c = new ScriptedCluster(['a', 'b', 'c']);
  c.elect('a');
  const raw = c.node('a').raw;
  assert.deepEqual(raw.transferLeadership('a'), { ok: false, reason: 'already-leader', leader: 'a' });
  assert.deepEqual(raw.transferLeadership('zz'), { ok: false, reason: 'not-voter', leader: 'a' });
});
