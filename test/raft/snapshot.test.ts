// Log compaction and InstallSnapshot (Raft §7): a member compacts its log behind a snapshot of its
// state machine; a follower that fell behind the leader's compacted log receives the snapshot,
// restores its state machine from it and continues with the log after it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ScriptedCluster } from '../../packages/runtime/src/testing/raft-sim/index.ts';

function laggingFollower(): ScriptedCluster {
  const c = new ScriptedCluster(['a', 'b', 'c'], { raft: { compactionTrailingEntries: 0 } });
  c.elect('a');
  c.isolate('c');
  for (let i = 0; i < 20; i++) c.propose('a', `v${i}`);
  c.stabilize();
  c.tickAll(1);
  c.stabilize();
  const snap = c.compact('a');
  assert.equal(snap.index, c.node('a').raw.appliedIndex);
  assert.ok(
    c.node('a').raw.firstIndex() > c.node('c').raw.lastIndex() + 1,
    'c needs entries the leader dropped',
  );
  return c;
}

test('a follower behind the compacted log receives the snapshot and catches up', () => {
  const c = laggingFollower();
  c.heal();
  for (let i = 0; i < 5; i++) {
    c.tick('a');
    c.stabilize();
  }
  const sent = c.sent.filter((m) => m.type === 'snap' && m.to === 'c');
  assert.equal(sent.length, 1, 'exactly one snapshot was sent');
  assert.equal(c.node('c').restored.length, 1);
  assert.deepEqual(c.node('c').machine, c.node('a').machine);
  assert.deepEqual(
    c.node('c').raw.status().config,
    c.node('a').raw.status().config,
    'membership travels with it',
  );
  c.propose('a', 'after');
  c.stabilize();
  c.tick('a');
  c.stabilize();
  assert.equal(c.node('c').machine.at(-1), 'after');
  assert.equal(c.node('c').raw.appliedIndex, c.node('a').raw.appliedIndex);
});

test('the snapshot is persisted before the follower acknowledges it and survives a restart', () => {
  const c = laggingFollower();
  c.heal();
  for (let i = 0; i < 5; i++) {
    c.tick('a');
    c.stabilize();
  }
  const stored = c.node('c').storage.snapshot();
  assert.ok(stored !== null);
  c.crash('c');
  c.restart('c');
  assert.deepEqual(c.node('c').machine, c.node('a').machine);
  assert.equal(c.node('c').raw.firstIndex(), stored.index + 1);
});

test('a lost snapshot is sent again after the snapshot timeout', () => {
  const c = laggingFollower();
  c.heal();
  c.filter = (m) => m.type !== 'snap';
  for (let i = 0; i < 5; i++) {
    c.tick('a');
    c.stabilize();
  }
  assert.equal(c.node('c').restored.length, 0);
  c.filter = null;
  for (let i = 0; i < 40 && c.node('c').restored.length === 0; i++) {
    c.tick('a');
    c.stabilize();
  }
  assert.equal(c.node('c').restored.length, 1);
  assert.deepEqual(c.node('c').machine, c.node('a').machine);
});

test('compaction keeps the configured trailing entries so a slightly lagging follower gets entries', () => {
  const c = new ScriptedCluster(['a', 'b', 'c'], { raft: { compactionTrailingEntries: 50 } });
  c.elect('a');
  c.isolate('c');
  for (let i = 0; i < 10; i++) c.propose('a', `v${i}`);
  c.stabilize();
  c.tickAll(1);
  c.stabilize();
  c.compact('a');
  c.heal();
  for (let i = 0; i < 5; i++) {
    c.tick('a');
    c.stabilize();
  }
  assert.equal(c.sent.filter((m) => m.type === 'snap').length, 0);
  assert.deepEqual(c.node('c').machine, c.node('a').machine);
});

test('compacting beyond the applied index is refused', () => {
  const c = new ScriptedCluster(['a']);
  c.elect('a');
  assert.throws(() => c.node('a').raw.compact(99, new Uint8Array()), { code: 'RAFT_USAGE' });
});
