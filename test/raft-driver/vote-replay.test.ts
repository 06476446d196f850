// When two followers notice their leader's death a few milliseconds apart, the first one's
// pre-vote reaches the second while it still trusts the leader and is ignored; the second then
// campaigns and the first refuses it. Without help that stalls until an election timeout; the
// driver's replay of recent vote requests elects a leader at once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VoteReplay } from '../../packages/runtime/src/raft/driver/vote-replay.ts';
import { ScriptedCluster } from '../../packages/runtime/src/testing/raft-sim/index.ts';

function scenario(replay: boolean): string[] {
  const c = new ScriptedCluster(['a', 'b', 'c']);
  c.elect('c');
  c.crash('c');
  const votes = new VoteReplay(1000);
  // a notices first and asks b, which still counts c as alive (leader lease): ignored.
  c.node('a').raw.reportUnreachable('c');
  c.process('a');
  for (const m of c.inflight) if (m.to === 'b') votes.record(m.from, m, 0);
  c.deliver();
  // Then b notices, as the driver does on the node-down event.
  c.node('b').raw.reportUnreachable('c');
  if (replay) for (const m of votes.take('c', c.node('b').raw.term, 10)) c.node('b').raw.step(m);
  c.process('b');
  c.stabilize();
  return c.leaders();
}

test('without replay the two campaigns block each other until an election timeout', () => {
  assert.deepEqual(scenario(false), []);
});

test('replaying the ignored request elects a leader without a single tick', () => {
  assert.deepEqual(scenario(true), ['a']);
});

test('only recent requests from live peers for a newer term are replayed', () => {
  const votes = new VoteReplay(1000);
  const base = { lastIndex: 5, lastTerm: 2, force: false } as const;
  votes.record('a', { type: 'pre-vote', from: 'a', to: 'b', term: 3, ...base }, 0);
  votes.record('c', { type: 'vote', from: 'c', to: 'b', term: 3, ...base }, 0);
  votes.record('d', { type: 'pre-vote', from: 'd', to: 'b', term: 2, ...base }, 900);
  assert.deepEqual(
    votes.take('c', 2, 900).map((m) => m.from),
    ['a'],
  );
  assert.deepEqual(votes.take('c', 2, 900), [], 'taken once');
  votes.record('a', { type: 'pre-vote', from: 'a', to: 'b', term: 3, ...base }, 0);
  assert.deepEqual(votes.take('c', 2, 1001), [], 'too old');
});
