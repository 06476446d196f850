// ReadIndex (thesis §6.4): a linearizable read without writing to the log. The leader records its
// commit index, confirms it is still leader with a heartbeat round acknowledged by a quorum, and
// only then answers; a new leader first commits an entry of its own term. Followers forward the
// request and read locally once they have applied up to the returned index.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ScriptedCluster } from '../../packages/runtime/src/testing/raft-sim/index.ts';

test('the leader answers only after a quorum acknowledged a heartbeat sent after the request', () => {
  const c = new ScriptedCluster(['a', 'b', 'c']);
  c.elect('a');
  c.propose('a', 'x');
  c.stabilize();
  const commit = c.node('a').raw.commitIndex;
  c.node('a').raw.readIndex('r1');
  c.process('a');
  assert.deepEqual(c.node('a').readStates, [], 'no answer before the heartbeat round');
  const hb = c.inflight.filter((m) => m.type === 'heartbeat' && m.readSeq > 0);
  assert.equal(hb.length, 2);
  c.deliverOnly((m) => m.type === 'heartbeat' && m.to === 'b');
  assert.deepEqual(c.node('a').readStates, [], 'heartbeats delivered, answers not yet back');
  c.deliverOnly((m) => m.type === 'heartbeat-resp' && m.from === 'b');
  assert.deepEqual(c.node('a').readStates, [{ index: commit, ctx: 'r1' }]);
});

test('a deposed leader cut off from the majority never answers a read', () => {
  const c = new ScriptedCluster(['a', 'b', 'c']);
  c.elect('a');
  c.isolate('a');
  for (let i = 0; i < 40 && !c.leaders().some((l) => l !== 'a'); i++) {
    c.tickAll(1);
    c.stabilize();
  }
  const other = c.leaders().find((l) => l !== 'a')!;
  c.propose(other, 'newer');
  c.stabilize();
  c.node('a').raw.readIndex('stale?');
  for (let i = 0; i < 30; i++) {
    c.tick('a');
    c.stabilize();
  }
  assert.deepEqual(c.node('a').readStates, []);
});

test('a new leader answers reads only once it has committed an entry of its term', () => {
  const c = new ScriptedCluster(['a', 'b', 'c']);
  c.elect('a');
  c.propose('a', 'x');
  c.stabilize();
  // b wins, but its no-op is held back: its commit index may be stale.
  c.filter = (m) => !(m.type === 'app' && m.from === 'b');
  c.node('a').raw.transferLeadership('b');
  c.process('a');
  c.stabilize();
  assert.equal(c.node('b').raw.role, 'leader');
  c.node('b').raw.readIndex('early');
  c.process('b');
  c.tick('b');
  c.stabilize();
  assert.deepEqual(c.node('b').readStates, []);
  c.filter = null;
  c.tick('b');
  c.stabilize();
  c.tick('b');
  c.stabilize();
  const rs = c.node('b').readStates;
  assert.equal(rs.length, 1);
  assert.equal(rs[0]!.ctx, 'early');
  assert.equal(c.node('b').raw.termAt(rs[0]!.index), c.node('b').raw.term, 'at or after its own no-op');
});

test('a follower read is forwarded to the leader and answered with the leader commit index', () => {
  const c = new ScriptedCluster(['a', 'b', 'c']);
  c.elect('a');
  c.propose('a', 'x');
  c.stabilize();
  assert.deepEqual(c.node('c').raw.readIndex('f1'), { ok: true });
  c.process('c');
  c.stabilize();
  assert.deepEqual(c.node('c').readStates, [{ index: c.node('a').raw.commitIndex, ctx: 'f1' }]);
});

test('reads without a known leader are refused at once', () => {
  const c = new ScriptedCluster(['a', 'b', 'c']);
  assert.deepEqual(c.node('b').raw.readIndex('x'), { ok: false, reason: 'no-leader', leader: null });
});

test('one heartbeat round confirms every read registered before it', () => {
  const c = new ScriptedCluster(['a', 'b', 'c', 'd', 'e']);
  c.elect('a');
  for (const ctx of ['r1', 'r2', 'r3']) c.node('a').raw.readIndex(ctx);
  c.process('a');
  const rounds = c.inflight.filter((m) => m.type === 'heartbeat').length;
  assert.equal(rounds, 4, 'one heartbeat per follower for all three reads');
  c.stabilize();
  assert.deepEqual(
    c.node('a').readStates.map((r) => r.ctx),
    ['r1', 'r2', 'r3'],
  );
});

test('a single-member cluster answers a read immediately', () => {
  const c = new ScriptedCluster(['a']);
  c.elect('a');
  c.node('a').raw.readIndex('solo');
  c.process('a');
  assert.deepEqual(c.node('a').readStates, [{ index: c.node('a').raw.commitIndex, ctx: 'solo' }]);
});
