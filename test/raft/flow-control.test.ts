// Replication flow control (etcd design): a follower whose log position is unknown is probed with
// one append at a time; an in-sync follower is streamed to (pipelining) up to a window of
// in-flight appends; each append carries at most maxSizePerMsg bytes; proposals made together go
// out as one append per follower (batching); lost appends are recovered.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Message } from '../../packages/runtime/src/raft/core/types.ts';
import { ScriptedCluster } from '../../packages/runtime/src/testing/raft-sim/index.ts';

const appsTo = (c: ScriptedCluster, to: string): Message[] =>
  c.inflight.filter((m) => m.type === 'app' && m.to === to);

test('proposals made before the next Ready are batched into one append per follower', () => {
  const c = new ScriptedCluster(['a', 'b', 'c']);
  c.elect('a');
  for (let i = 0; i < 10; i++) c.node('a').raw.propose(new TextEncoder().encode(`v${i}`));
  c.process('a');
  const apps = appsTo(c, 'b');
  assert.equal(apps.length, 1);
  assert.equal(apps[0]!.type === 'app' && apps[0]!.entries.length, 10);
});

test('an append never carries more than maxSizePerMsg bytes (but always at least one entry)', () => {
  const c = new ScriptedCluster(['a', 'b', 'c'], { raft: { maxSizePerMsg: 100 } });
  c.elect('a');
  for (let i = 0; i < 10; i++) c.node('a').raw.propose(new Uint8Array(30));
  c.node('a').raw.propose(new Uint8Array(500));
  c.process('a');
  c.stabilize();
  const apps = c.sent.filter((m) => m.type === 'app' && m.to === 'b' && m.entries.length > 0);
  for (const m of apps) {
    if (m.type !== 'app') continue;
    const size = m.entries.reduce((n, e) => n + e.data.byteLength + 16, 0);
    assert.ok(
      size <= 100 || m.entries.length === 1,
      `append of ${size} bytes with ${m.entries.length} entries`,
    );
  }
  assert.equal(c.node('b').raw.lastIndex(), c.node('a').raw.lastIndex());
});

test('a follower in the probe state gets one append until it answers', () => {
  const c = new ScriptedCluster(['a', 'b', 'c']);
  c.elect('a');
  c.node('a').raw.reportUnreachable('b');
  for (let i = 0; i < 3; i++) {
    c.node('a').raw.propose(new Uint8Array([i]));
    c.process('a');
  }
  assert.equal(appsTo(c, 'b').length, 1);
  assert.equal(appsTo(c, 'c').length, 3, 'while c, in sync, is streamed to');
});

test('a follower in the replicate state gets at most maxInflightMsgs appends in flight', () => {
  const c = new ScriptedCluster(['a', 'b', 'c'], { raft: { maxInflightMsgs: 4 } });
  c.elect('a');
  for (let i = 0; i < 10; i++) {
    c.node('a').raw.propose(new Uint8Array([i]));
    c.process('a');
  }
  assert.equal(appsTo(c, 'b').length, 4);
  c.deliverOnly((m) => m.type === 'app' && m.to === 'b');
  c.deliverOnly((m) => m.type === 'app-resp' && m.from === 'b');
  c.process('a');
  assert.ok(appsTo(c, 'b').length > 0, 'acknowledgements reopen the window');
  c.stabilize();
  assert.equal(c.node('b').raw.lastIndex(), c.node('a').raw.lastIndex());
});

test('when every append in a full window is lost, the next heartbeat answer recovers replication', () => {
  const c = new ScriptedCluster(['a', 'b', 'c'], { raft: { maxInflightMsgs: 2 } });
  c.elect('a');
  for (let i = 0; i < 6; i++) {
    c.node('a').raw.propose(new Uint8Array([i]));
    c.process('a');
  }
  c.dropWhere((m) => m.type === 'app' && m.to === 'b');
  c.stabilize();
  for (let i = 0; i < 3; i++) {
    c.tick('a');
    c.stabilize();
  }
  assert.equal(c.node('b').raw.lastIndex(), c.node('a').raw.lastIndex());
});

test('a follower with a long divergent log is repaired in a few round trips, not one per entry', () => {
  const c = new ScriptedCluster(['a', 'b', 'c', 'd', 'e']);
  c.elect('a');
  for (const x of ['a', 'b']) for (const y of ['c', 'd', 'e']) c.cut(x, y);
  for (let i = 0; i < 50; i++) c.propose('a', `stale${i}`);
  c.stabilize();
  for (let i = 0; i < 60 && !['c', 'd', 'e'].some((id) => c.node(id).raw.role === 'leader'); i++) {
    for (const id of ['c', 'd', 'e']) c.tick(id);
    c.stabilize();
  }
  const leader = ['c', 'd', 'e'].find((id) => c.node(id).raw.role === 'leader')!;
  for (let i = 0; i < 5; i++) c.propose(leader, `fresh${i}`);
  c.stabilize();
  c.heal();
  const before = c.sent.length;
  for (let i = 0; i < 4; i++) {
    c.tickAll(1);
    c.stabilize();
  }
  const rejects = c.sent.slice(before).filter((m) => m.type === 'app-resp' && m.from === 'b' && m.reject);
  assert.ok(rejects.length <= 3, `${rejects.length} rejections`);
  assert.deepEqual(c.node('b').machine, c.node(leader).machine);
});

test('when a lost window was compacted away meanwhile, the follower is sent a snapshot instead', () => {
  const c = new ScriptedCluster(['a', 'b', 'c'], {
    raft: { maxInflightMsgs: 2, compactionTrailingEntries: 0 },
  });
  c.elect('a');
  for (let i = 0; i < 4; i++) {
    c.node('a').raw.propose(new Uint8Array([i]));
    c.process('a');
  }
  c.dropWhere((m) => m.type === 'app' && m.to === 'b');
  c.cut('a', 'b');
  c.stabilize();
  c.tickAll(1);
  c.stabilize();
  c.compact('a');
  c.heal();
  for (let i = 0; i < 4; i++) {
    c.tick('a');
    c.stabilize();
  }
  assert.equal(c.node('b').restored.length, 1);
  assert.deepEqual(c.node('b').machine, c.node('a').machine);
});
