// A leader may send what it batched (appends, commit-index updates) while its own Ready is still
// being persisted: a new commit index, durable on a majority, reaches the followers before the
// leader's own write completes; nothing leaves early from a member that is not the leader; and what
// left early is not sent again with the next Ready.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Message } from '../../packages/runtime/src/raft/core/types.ts';
import { ScriptedCluster } from '../../packages/runtime/src/testing/raft-sim/index.ts';

const enc = new TextEncoder();

test('a commit reached by two followers while the leader still persists is sent at once, once', () => {
  const c = new ScriptedCluster(['a', 'b', 'c']);
  c.elect('a');
  c.stabilize();
  const a = c.node('a').raw;
  const index = a.lastIndex() + 1;
  a.propose(enc.encode('x'));
  const rd = a.ready(); // the leader's write of `index` is now in flight
  for (const m of rd.messages) c.inflight.push(m);
  c.deliverOnly((m) => m.to === 'b' || m.to === 'c'); // both followers persist and acknowledge
  const acks = c.inflight.filter((m) => m.to === 'a');
  c.dropWhere((m) => m.to === 'a');
  for (const m of acks) a.step(m);
  assert.equal(a.commitIndex, index, 'two followers make a majority without the leader');

  const now = a.leaderMessagesNow();
  for (const to of ['b', 'c']) {
    const app = now.find((m): m is Extract<Message, { type: 'app' }> => m.type === 'app' && m.to === to);
    assert.ok(app !== undefined, `an append to ${to}`);
    assert.equal(app.commit, index, `${to} is told the new commit index`);
  }
  assert.deepEqual(a.leaderMessagesNow(), [], 'nothing is handed over twice');

  c.node('a').storage.applyBatch({ entries: rd.entries, hardState: rd.hardState });
  a.advance(rd);
  const next = a.hasReady() ? a.ready() : undefined;
  const repeated = (next?.messages ?? []).filter((m) => m.type === 'app' && m.entries.length === 0);
  assert.deepEqual(repeated, [], 'the next Ready does not repeat the commit update');
});

test('nothing leaves early on a follower or a candidate', () => {
  const c = new ScriptedCluster(['a', 'b', 'c']);
  c.elect('a');
  c.stabilize();
  const b = c.node('b').raw;
  assert.deepEqual(b.leaderMessagesNow(), [], 'a follower');
  b.campaign();
  assert.notEqual(b.role, 'leader');
  assert.deepEqual(b.leaderMessagesNow(), [], 'a candidate');
  assert.ok(b.hasReady(), 'its campaign messages wait for its Ready');
});
