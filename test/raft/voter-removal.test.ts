// Membership, part 2: removing a voter through a replicated config entry. The remaining voters
// form the new quorum; a removed leader steps down and a removed member stops campaigning.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ScriptedCluster } from '../../packages/runtime/src/testing/raft-sim/index.ts';

function remove(c: ScriptedCluster, leader: string, node: string): void {
  assert.equal(c.node(leader).raw.proposeConfChange({ type: 'remove', node }).ok, true);
  c.process(leader);
  for (let i = 0; i < 4; i++) {
    c.tick(leader);
    c.stabilize();
  }
}

test('after a voter is removed, the remaining voters alone form the quorum', () => {
  const c = new ScriptedCluster(['a', 'b', 'c', 'd']);
  c.elect('a');
  remove(c, 'a', 'd');
  assert.deepEqual(c.node('a').raw.status().config.voters, ['a', 'b', 'c']);
  c.crash('d');
  c.crash('c');
  const p = c.propose('a', 'x');
  c.stabilize();
  c.tick('a');
  c.stabilize();
  assert.ok(p.ok && c.node('a').raw.commitIndex >= p.index, 'a and b are 2 of 3 voters');
});

test('a removed member does not campaign', () => {
  const c = new ScriptedCluster(['a', 'b', 'c']);
  c.elect('a');
  remove(c, 'a', 'c');
  assert.deepEqual(c.node('c').raw.status().config.voters, ['a', 'b']);
  c.isolate('c');
  c.tick('c', 100);
  c.stabilize();
  assert.equal(c.node('c').raw.role, 'follower');
  assert.ok(!c.sent.some((m) => (m.type === 'pre-vote' || m.type === 'vote') && m.from === 'c'));
});

test('a leader that removes itself steps down once the change is applied, and the rest elect a successor', () => {
  const c = new ScriptedCluster(['a', 'b', 'c']);
  c.elect('a');
  const p = c.node('a').raw.proposeConfChange({ type: 'remove', node: 'a' });
  assert.equal(p.ok, true);
  c.process('a');
  c.stabilize();
  c.tick('a');
  c.stabilize();
  assert.notEqual(c.node('a').raw.role, 'leader');
  for (let i = 0; i < 50 && c.leaders().length === 0; i++) {
    c.tickAll(1);
    c.stabilize();
  }
  const leaders = c.leaders();
  assert.equal(leaders.length, 1);
  assert.notEqual(leaders[0], 'a');
  assert.deepEqual(c.node(leaders[0]!).raw.status().config.voters, ['b', 'c']);
  const q = c.propose(leaders[0]!, 'y');
  c.stabilize();
  c.tickAll(1);
  c.stabilize();
  assert.ok(q.ok && c.node(leaders[0]!).raw.commitIndex >= q.index);
});

test('the last voter cannot be removed', () => {
  const c = new ScriptedCluster(['a']);
  c.elect('a');
  assert.deepEqual(c.node('a').raw.proposeConfChange({ type: 'remove', node: 'a' }), {
    ok: false,
    reason: 'invalid-conf-change',
    leader: 'a',
  });
});
