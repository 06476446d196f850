// Fast leader loss: when a follower's driver reports the leader unreachable (its connection
// dropped), the follower campaigns at once (pre-vote) instead of waiting out the election timeout,
// and a voter that has also lost the leader grants it. A follower that alone lost its connection
// cannot depose a leader the others still hear from.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ScriptedCluster } from '../../packages/runtime/src/testing/raft-sim/index.ts';

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

test('a refusal of an old pre-vote request does not outweigh a later grant of the current one', () => {
  // Seen in a kill -9 run: long before the leader died, a had sent a pre-vote that b ignored
  // (b still heard from the leader) and kept for replay. When the leader died, b replayed it after
  // starting its own pre-vote: the old request named a log long since outgrown, so b refused it,
  // then granted a's current request. The refusal reached a first; counting only a peer's first
  // answer, a waited for the election timeout with a grant in hand.
  const c = new ScriptedCluster(['a', 'b', 'c']);
  c.elect('c');
  const term = c.node('c').raw.term;
  for (const text of ['x', 'y', 'z']) c.propose('c', text);
  c.stabilize();
  c.crash('c');
  c.node('a').raw.reportUnreachable('c');
  c.process('a');
  c.node('b').raw.reportUnreachable('c');
  c.process('b');
  // The old request, replayed on b: a pre-vote for the next term from a log at index 1.
  c.node('b').raw.step({
    type: 'pre-vote',
    from: 'a',
    to: 'b',
    term: term + 1,
    lastIndex: 1,
    lastTerm: 1,
    force: false,
  });
  c.process('b');
  c.stabilize();
  assert.equal(c.leaders().length, 1, 'a successor without a single tick');
});
