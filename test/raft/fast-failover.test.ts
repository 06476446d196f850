// Fast leader loss: when a follower's driver reports the leader unreachable (its connection
// dropped), the follower campaigns at once (pre-vote) instead of waiting out the election timeout,
// and a voter that has also lost the leader grants it. A follower that alone lost its connection
// cannot depose a leader the others still hear from.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ScriptedCluster } from '../../src/testing/raft-sim/index.ts';

test('when the leader dies, reporting it unreachable elects a successor without a single tick', () => {
  const c = new ScriptedCluster(['a', 'b', 'c']);
  c.elect('a');
  const term = c.node('a').raw.term;
  c.crash('a');
  c.node('c').raw.reportUnreachable('a');
  c.node('b').raw.reportUnreachable('a');
  c.processAll();
  c.stabilize();
  const leaders = c.leaders();
  assert.equal(leaders.length, 1);
  assert.ok(['b', 'c'].includes(leaders[0]!));
  assert.equal(c.node(leaders[0]!).raw.term, term + 1);
});

test('in a five-member cluster, four simultaneous reports still elect exactly one successor at once', () => {
  const c = new ScriptedCluster(['a', 'b', 'c', 'd', 'e']);
  c.elect('e');
  c.crash('e');
  for (const id of ['a', 'b', 'c', 'd']) c.node(id).raw.reportUnreachable('e');
  c.processAll();
  c.stabilize();
  assert.equal(c.leaders().length, 1);
  assert.ok(!c.sent.some((m) => m.type === 'vote-resp' && m.reject), 'no split vote');
});

test('a voter that still hears from the leader refuses the pre-vote, so the leader stays', () => {
  const c = new ScriptedCluster(['a', 'b', 'c']);
  c.elect('a');
  const term = c.node('a').raw.term;
  c.cut('a', 'b');
  c.node('b').raw.reportUnreachable('a');
  c.process('b');
  c.stabilize();
  assert.deepEqual(c.leaders(), ['a']);
  assert.equal(c.node('a').raw.term, term);
  assert.equal(c.node('c').raw.term, term);
  // When the link comes back, b follows a again at the next heartbeat.
  c.heal();
  c.tick('a');
  c.stabilize();
  assert.equal(c.node('b').raw.role, 'follower');
  assert.equal(c.node('b').raw.leader, 'a');
});

test('a report about a member that is not the leader changes nothing on a follower', () => {
  const c = new ScriptedCluster(['a', 'b', 'c']);
  c.elect('a');
  c.node('b').raw.reportUnreachable('c');
  c.process('b');
  assert.equal(c.node('b').raw.role, 'follower');
  assert.equal(c.node('b').raw.leader, 'a');
});

test('with campaignOnLeaderLoss off, a report does not start an election', () => {
  const c = new ScriptedCluster(['a', 'b', 'c'], { raft: { campaignOnLeaderLoss: false } });
  c.elect('a');
  c.crash('a');
  c.node('b').raw.reportUnreachable('a');
  c.node('c').raw.reportUnreachable('a');
  c.processAll();
  c.stabilize();
  assert.deepEqual(c.leaders(), []);
});

test('on the leader, a report moves the follower to probing instead of streaming into the void', () => {
  const c = new ScriptedCluster(['a', 'b', 'c']);
  c.elect('a');
  c.propose('a', 'x');
  c.stabilize();
  assert.equal(c.node('a').raw.status().progress!.b!.state, 'replicate');
  c.node('a').raw.reportUnreachable('b');
  assert.equal(c.node('a').raw.status().progress!.b!.state, 'probe');
});
