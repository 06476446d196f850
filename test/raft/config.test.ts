// Configuration is validated once, when a node is created; defaults follow etcd's.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULTS, resolveConfig } from '../../packages/runtime/src/raft/core/config.ts';
import { RawNode } from '../../packages/runtime/src/raft/core/raw-node.ts';

const rng = () => 0.5;

test('defaults: 10-tick elections, 1-tick heartbeats, pre-vote and check-quorum on', () => {
  const c = resolveConfig({ id: 'a', rng });
  assert.equal(c.electionTick, 10);
  assert.equal(c.heartbeatTick, 1);
  assert.equal(c.preVote, true);
  assert.equal(c.checkQuorum, true);
  assert.equal(c.campaignOnLeaderLoss, true);
  assert.equal(c.maxSizePerMsg, DEFAULTS.maxSizePerMsg);
});

test('bad options are refused with RAFT_CONFIG', () => {
  for (const bad of [
    { id: '', rng },
    { id: 'a', rng, electionTick: 0 },
    { id: 'a', rng, electionTick: 5, heartbeatTick: 5 },
    { id: 'a', rng, maxSizePerMsg: 0 },
    { id: 'a', rng, maxInflightMsgs: 1.5 },
    { id: 'a', rng, compactionTrailingEntries: -1 },
  ]) {
    assert.throws(() => resolveConfig(bad), { code: 'RAFT_CONFIG' }, JSON.stringify(bad));
  }
});

test('the randomized election timeout stays within [electionTick, 2 * electionTick)', () => {
  for (const r of [0, 0.3, 0.999999, 1]) {
    const node = new RawNode({ id: 'a', rng: () => r, preVote: false });
    node.bootstrap(['a', 'b', 'c']);
    node.advance(node.ready());
    let ticks = 0;
    while (node.role === 'follower' && ticks < 100) {
      node.tick();
      ticks++;
    }
    assert.ok(ticks >= 10 && ticks < 20, `rng ${r}: campaigned after ${ticks} ticks`);
  }
});

test('the Ready protocol is enforced: one Ready at a time, advance with the same Ready', () => {
  const node = new RawNode({ id: 'a', rng });
  node.bootstrap(['a']);
  const rd = node.ready();
  assert.throws(() => node.ready(), { code: 'RAFT_USAGE' });
  assert.throws(() => node.advance({ ...rd }), { code: 'RAFT_USAGE' });
  node.advance(rd);
  assert.throws(() => node.bootstrap(['a']), { code: 'RAFT_USAGE' });
});

test('the first Ready of a bootstrapped member persists entry 1 and the hard state before anything else', () => {
  const node = new RawNode({ id: 'a', rng });
  node.bootstrap(['a', 'b']);
  const rd = node.ready();
  assert.deepEqual(rd.hardState, { term: 1, vote: null, commit: 1 });
  assert.equal(rd.entries.length, 1);
  assert.equal(rd.entries[0]!.type, 'config');
  assert.equal(rd.mustSync, true);
  assert.deepEqual(rd.committedEntries, rd.entries);
});
