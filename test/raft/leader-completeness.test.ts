// Leader completeness (Raft §5.4): if a log entry is committed in a given term, that entry will be
// present in the logs of the leaders for all higher-numbered terms. The election restriction
// (§5.4.1) is what guarantees it: a vote goes only to a candidate whose log is at least as
// up-to-date as the voter's.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ScriptedCluster } from '../../packages/runtime/src/testing/raft-sim/index.ts';
import { chaos, violationsOf } from './chaos.ts';

test('a voter refuses a candidate whose log is less up-to-date than its own', () => {
  const c = new ScriptedCluster(['a', 'b', 'c'], { raft: { preVote: false, checkQuorum: false } });
  c.elect('a');
  c.cut('a', 'c');
  c.propose('a', 'x');
  c.stabilize();
  assert.equal(c.node('b').raw.lastIndex(), 3);
  assert.equal(c.node('c').raw.lastIndex(), 2);
  c.heal();
  c.isolate('a');
  c.node('c').raw.campaign();
  c.stabilize();
  const resp = c.sent.filter((m) => m.type === 'vote-resp' && m.from === 'b' && m.to === 'c');
  assert.equal(resp.length, 1);
  assert.equal(resp[0]!.type === 'vote-resp' && resp[0]!.reject, true);
  assert.notEqual(c.node('c').raw.role, 'leader');
});

test('entries committed by a crashed leader are in the log of every later leader', () => {
  const c = new ScriptedCluster(['a', 'b', 'c', 'd', 'e']);
  c.elect('a');
  for (const v of ['x', 'y', 'z']) c.propose('a', v);
  c.stabilize();
  const committed = c.node('a').raw.commitIndex;
  c.crash('a');
  c.dropWhere((m) => m.from === 'a' || m.to === 'a');
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 60 && c.leaders().length === 0; i++) {
      c.tickAll(1);
      c.stabilize();
    }
    const leader = c.leaders()[0]!;
    const raw = c.node(leader).raw;
    assert.ok(raw.lastIndex() >= committed);
    for (let i = 3; i <= committed; i++)
      assert.equal(raw.termAt(i), 2, `${leader} holds committed entry ${i}`);
    c.crash(leader);
    c.dropWhere((m) => m.from === leader || m.to === leader);
    c.restart(leader);
  }
});

test('every new leader holds all entries applied anywhere before its election (random runs)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      fc.constantFrom(['a', 'b', 'c'], ['a', 'b', 'c', 'd', 'e']),
      (seed, ids) => {
        const run = chaos(seed, ids, 250);
        assert.deepEqual(violationsOf(run, 'leader completeness'), [], `seed ${seed}`);
      },
    ),
    { numRuns: 40 },
  );
});
