// Committing entries from previous terms (Raft §5.4.2, Figure 8): a leader never commits an entry
// from a previous term by counting replicas; only entries of its current term are committed that
// way, and earlier ones are then committed indirectly (Log Matching).
//
// The scenario of Figure 8 with five servers s1..s5. Our leaders append a no-op on election, and
// appends carry one entry each (maxSizePerMsg = 1 byte) so the script can stop one mid-way.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Message } from '../../packages/runtime/src/raft/core/types.ts';
import { ScriptedCluster } from '../../packages/runtime/src/testing/raft-sim/index.ts';

const ids = ['s1', 's2', 's3', 's4', 's5'];

function win(c: ScriptedCluster, id: string): void {
  for (let i = 0; i < 6 && c.node(id).raw.role !== 'leader'; i++) {
    c.node(id).raw.campaign();
    c.stabilize();
  }
  assert.equal(c.node(id).raw.role, 'leader', `${id} should win`);
}

function setup(): ScriptedCluster {
  const c = new ScriptedCluster(ids, { raft: { preVote: false, checkQuorum: false, maxSizePerMsg: 1 } });
  // (a) s1 leads term 2 and replicates entry 3 ("x", term 2) to s2 only.
  win(c, 's1');
  c.isolate('s1');
  c.heal();
  c.filter = (m) => !(m.type === 'app' && m.from === 's1' && m.to !== 's2');
  c.propose('s1', 'x');
  c.stabilize();
  assert.equal(c.node('s2').raw.termAt(3), 2);
  c.filter = null;
  // (b) s1 crashes; s5 wins term 3 with s3, s4 and itself, and accepts "y" that reaches nobody.
  c.crash('s1');
  c.isolate('s5');
  c.heal();
  c.cut('s5', 's2');
  c.crash('s2');
  c.filter = (m) => !(m.from === 's5' && m.type === 'app');
  win(c, 's5');
  c.restart('s2');
  c.propose('s5', 'y');
  c.stabilize();
  c.crash('s5');
  c.filter = null;
  c.dropWhere(() => true);
  // (c) s1 restarts and wins term 4 with s2 and s3.
  c.restart('s1');
  return c;
}

test('a leader does not commit an entry of an earlier term even once a majority stores it', () => {
  const c = setup();
  // Only entry 3 (term 2) may reach s3; s1's own no-op (term 4) reaches nobody.
  const noopOfS1 = (m: Message) => m.type === 'app' && m.from === 's1' && m.entries.some((e) => e.term !== 2);
  // s1's no-op would be accepted by anyone holding entry 3: keep it from them.
  c.filter = (m) => !(noopOfS1(m) && c.node(m.to).raw.lastIndex() >= 3);
  win(c, 's1');
  const term = c.node('s1').raw.term;
  assert.equal(term, 4);
  for (let i = 0; i < 3; i++) {
    c.tick('s1');
    c.stabilize();
  }
  // s2 already stores entry 3 from term 2 and says so.
  c.node('s1').raw.step({
    type: 'app-resp',
    from: 's2',
    to: 's1',
    term,
    index: 3,
    reject: false,
    hintIndex: 0,
    hintTerm: 0,
  });
  c.stabilize();
  const progress = c.node('s1').raw.status().progress!;
  assert.equal(progress.s2!.match, 3);
  assert.equal(progress.s3!.match, 3);
  for (const id of ['s1', 's2', 's3']) assert.equal(c.node(id).raw.termAt(3), 2, `${id} stores entry 3`);
  assert.ok(c.node('s1').raw.commitIndex < 3, `commit must stay below 3, is ${c.node('s1').raw.commitIndex}`);
  // (d) s1 crashes; s5 is elected with s2, s3, s4 and overwrites entry 3 everywhere.
  c.crash('s1');
  c.heal();
  c.dropWhere(() => true);
  c.restart('s5');
  win(c, 's5');
  for (let i = 0; i < 10; i++) {
    c.tick('s5');
    c.stabilize();
  }
  for (const id of ['s2', 's3', 's4', 's5']) {
    assert.equal(c.node(id).raw.termAt(3), 3, `${id} has s5's entry at 3`);
    assert.ok(!c.node(id).machine.includes('x'), `${id} never applied x`);
  }
});

test('once an entry of the current term commits, the earlier entries before it commit too', () => {
  const c = setup();
  win(c, 's1');
  c.stabilize();
  c.tickAll(1);
  c.stabilize();
  const s1 = c.node('s1').raw;
  assert.equal(s1.termAt(4), 4, "s1's no-op of term 4 follows x");
  assert.ok(s1.commitIndex >= 4);
  for (const id of ['s1', 's2', 's3', 's4']) assert.deepEqual(c.node(id).machine, ['x'], id);
});
