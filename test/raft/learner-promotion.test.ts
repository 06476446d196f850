// Membership, part 1 (thesis §4.2.1, etcd learners): a new member joins as a learner that
// receives the log but neither votes nor counts toward commits; once caught up it is promoted to
// voter through a replicated config entry. One change at a time.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ScriptedCluster } from '../../packages/runtime/src/testing/raft-sim/index.ts';

function withLearner(): ScriptedCluster {
  const c = new ScriptedCluster(['a', 'b', 'c']);
  c.elect('a');
  c.propose('a', 'before');
  c.stabilize();
  c.addNode('d');
  const r = c.node('a').raw.proposeConfChange({ type: 'add-learner', node: 'd' });
  assert.equal(r.ok, true);
  c.process('a');
  for (let i = 0; i < 5; i++) {
    c.tick('a');
    c.stabilize();
  }
  return c;
}

test('a learner receives the whole log and learns the membership from it', () => {
  const c = withLearner();
  assert.deepEqual(c.node('d').machine, ['before']);
  assert.deepEqual(c.node('d').raw.status().config, { voters: ['a', 'b', 'c'], learners: ['d'] });
  assert.equal(c.node('d').raw.leader, 'a');
});

test('a learner never campaigns', () => {
  const c = withLearner();
  c.isolate('d');
  c.tick('d', 200);
  c.stabilize();
  assert.equal(c.node('d').raw.role, 'follower');
  assert.ok(!c.sent.some((m) => (m.type === 'pre-vote' || m.type === 'vote') && m.from === 'd'));
});

test('a learner does not count toward the commit quorum', () => {
  const c = withLearner();
  c.crash('b');
  c.crash('c');
  const r = c.propose('a', 'needs-a-voter');
  assert.equal(r.ok, true);
  c.stabilize();
  c.tick('a');
  c.stabilize();
  assert.equal(c.node('d').raw.lastIndex(), c.node('a').raw.lastIndex(), 'the learner stores it');
  assert.ok(c.node('a').raw.commitIndex < (r.ok ? r.index : 0), 'but a and d are not a quorum of voters');
});

test('a promoted learner votes and counts toward commits', () => {
  const c = withLearner();
  const r = c.node('a').raw.proposeConfChange({ type: 'promote', node: 'd' });
  assert.equal(r.ok, true);
  c.process('a');
  c.stabilize();
  c.tickAll(1);
  c.stabilize();
  for (const id of ['a', 'b', 'c', 'd']) {
    assert.deepEqual(c.node(id).raw.status().config, { voters: ['a', 'b', 'c', 'd'], learners: [] }, id);
  }
  c.crash('b');
  const p = c.propose('a', 'with-d');
  c.stabilize();
  c.tick('a');
  c.stabilize();
  assert.ok(p.ok && c.node('a').raw.commitIndex >= p.index, 'a, c and d are 3 of 4 voters');
  c.crash('a');
  c.crash('c');
  c.restart('b');
  c.restart('c');
  c.elect('d');
  assert.equal(c.node('d').raw.role, 'leader');
});

test('only one membership change may be in flight', () => {
  const c = new ScriptedCluster(['a', 'b', 'c']);
  c.elect('a');
  c.addNode('d');
  c.addNode('e');
  assert.equal(c.node('a').raw.proposeConfChange({ type: 'add-learner', node: 'd' }).ok, true);
  const second = c.node('a').raw.proposeConfChange({ type: 'add-learner', node: 'e' });
  assert.deepEqual(second, { ok: false, reason: 'conf-change-pending', leader: 'a' });
  c.process('a');
  c.stabilize();
  c.tick('a');
  c.stabilize();
  assert.equal(c.node('a').raw.proposeConfChange({ type: 'add-learner', node: 'e' }).ok, true);
});

test('invalid membership changes are refused', () => {
  const c = new ScriptedCluster(['a', 'b', 'c']);
  c.elect('a');
  const raw = c.node('a').raw;
  for (const change of [
    { type: 'add-learner', node: 'b' },
    { type: 'add-voter', node: 'c' },
    { type: 'promote', node: 'x' },
    { type: 'remove', node: 'x' },
  ] as const) {
    assert.deepEqual(
      raw.proposeConfChange(change),
      { ok: false, reason: 'invalid-conf-change', leader: 'a' },
      change.type,
    );
  }
  assert.deepEqual(c.node('b').raw.proposeConfChange({ type: 'add-learner', node: 'z' }), {
    ok: false,
    reason: 'not-leader',
    leader: 'a',
  });
});
