// Election safety (Raft §5.2): at most one leader can be elected in a given term.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Message } from '../../packages/runtime/src/raft/core/types.ts';
import { SimRandom } from '../../packages/runtime/src/testing/sim/index.ts';
import { ScriptedCluster } from '../../packages/runtime/src/testing/raft-sim/index.ts';

const isVoteTo = (to: string, from: string) => (m: Message) =>
  m.type === 'vote' && m.to === to && m.from === from;

test('a candidate that reaches only a minority does not become leader', () => {
  const c = new ScriptedCluster(['a', 'b', 'c']);
  c.isolate('a');
  c.node('a').raw.campaign();
  c.stabilize();
  c.tick('a', 50);
  c.stabilize();
  assert.notEqual(c.node('a').raw.role, 'leader');
  assert.deepEqual(c.leaders(), []);
});

test('a candidate receiving votes from a majority becomes leader and tells the others', () => {
  const c = new ScriptedCluster(['a', 'b', 'c', 'd', 'e']);
  c.elect('c');
  for (const id of ['a', 'b', 'd', 'e']) {
    assert.equal(c.node(id).raw.role, 'follower');
    assert.equal(c.node(id).raw.leader, 'c');
  }
});

test('each member grants at most one vote per term (first come, first served)', () => {
  const c = new ScriptedCluster(['a', 'b', 'c'], { raft: { preVote: false } });
  c.node('a').raw.campaign();
  c.node('b').raw.campaign();
  c.processAll();
  assert.equal(c.node('a').raw.term, c.node('b').raw.term, 'both campaign in the same term');
  c.deliverOnly(isVoteTo('c', 'a'));
  c.deliverOnly(isVoteTo('c', 'b'));
  const fromC = c.sent.filter((m) => m.type === 'vote-resp' && m.from === 'c');
  assert.deepEqual(
    fromC.map((m) => (m.type === 'vote-resp' ? [m.to, m.reject] : [])),
    [
      ['a', false],
      ['b', true],
    ],
  );
  c.stabilize();
  assert.deepEqual(c.leaders(), ['a']);
});

test('a restarted member remembers its vote and does not vote twice in a term', () => {
  const c = new ScriptedCluster(['a', 'b', 'c'], { raft: { preVote: false } });
  c.node('a').raw.campaign();
  c.node('b').raw.campaign();
  c.processAll();
  c.deliverOnly(isVoteTo('c', 'a'));
  c.crash('c');
  c.restart('c');
  assert.equal(c.node('c').raw.status().vote, 'a');
  c.deliverOnly(isVoteTo('c', 'b'));
  const last = c.sent.filter((m) => m.type === 'vote-resp' && m.from === 'c' && m.to === 'b');
  assert.equal(last.length, 1);
  assert.equal(last[0]!.type === 'vote-resp' && last[0]!.reject, true);
});

test('split votes are resolved by randomized timeouts, never with two leaders in one term', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.constantFrom(3, 5), (seed, n) => {
      const ids = ['a', 'b', 'c', 'd', 'e'].slice(0, n);
      const c = new ScriptedCluster(ids, { seed, raft: { preVote: false, checkQuorum: false } });
      const lossy = new SimRandom(seed);
      // A quarter of all messages are lost, so elections keep colliding and repeating.
      c.filter = () => !lossy.chance(0.25);
      const leaderOf = new Map<number, string>();
      for (let round = 0; round < 300; round++) {
        c.tickAll(1);
        c.deliver();
        for (const id of ids) {
          const raw = c.node(id).raw;
          if (raw.role !== 'leader') continue;
          const prev = leaderOf.get(raw.term);
          assert.ok(
            prev === undefined || prev === id,
            `seed ${seed}: ${prev} and ${id} led term ${raw.term}`,
          );
          leaderOf.set(raw.term, id);
        }
      }
      assert.ok(leaderOf.size > 0, `seed ${seed}: no leader was ever elected`);
    }),
    { numRuns: 60 },
  );
});
