// Membership arithmetic: one change at a time, config entries carry the whole configuration.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  applyConfChange,
  decodeConfEntry,
  encodeConfEntry,
  quorumSize,
} from '../../packages/runtime/src/raft/core/conf-change.ts';

const abc = { voters: ['a', 'b', 'c'], learners: [] };

test('add-learner, promote and remove produce the next configuration', () => {
  const withD = applyConfChange(abc, { type: 'add-learner', node: 'd' });
  assert.deepEqual(withD, { voters: ['a', 'b', 'c'], learners: ['d'] });
  const promoted = applyConfChange(withD as typeof abc, { type: 'promote', node: 'd' });
  assert.deepEqual(promoted, { voters: ['a', 'b', 'c', 'd'], learners: [] });
  assert.deepEqual(applyConfChange(abc, { type: 'remove', node: 'b' }), { voters: ['a', 'c'], learners: [] });
  assert.deepEqual(applyConfChange(abc, { type: 'add-voter', node: 'e' }), {
    voters: ['a', 'b', 'c', 'e'],
    learners: [],
  });
});

test('impossible changes explain themselves instead of applying', () => {
  assert.equal(typeof applyConfChange(abc, { type: 'add-learner', node: 'a' }), 'string');
  assert.equal(typeof applyConfChange(abc, { type: 'promote', node: 'a' }), 'string');
  assert.equal(
    typeof applyConfChange({ voters: ['a'], learners: [] }, { type: 'remove', node: 'a' }),
    'string',
  );
  assert.equal(typeof applyConfChange(abc, { type: 'remove', node: 'z' }), 'string');
});

test('quorum is a majority of voters; learners do not count', () => {
  assert.equal(quorumSize({ voters: ['a'], learners: [] }), 1);
  assert.equal(quorumSize({ voters: ['a', 'b', 'c', 'd'], learners: ['e', 'f'] }), 3);
  assert.equal(quorumSize({ voters: ['a', 'b', 'c', 'd', 'e'], learners: [] }), 3);
});

test('a config entry round-trips and malformed data is rejected with RAFT_CONF_DECODE', () => {
  const data = encodeConfEntry({ type: 'add-learner', node: 'd' }, { voters: ['a'], learners: ['d'] });
  assert.deepEqual(decodeConfEntry(data), {
    change: { type: 'add-learner', node: 'd' },
    config: { voters: ['a'], learners: ['d'] },
  });
  assert.throws(() => decodeConfEntry(new TextEncoder().encode('{"config":{"voters":[1]}}')), {
    code: 'RAFT_CONF_DECODE',
  });
  assert.throws(() => decodeConfEntry(new Uint8Array([0xff])), { code: 'RAFT_CONF_DECODE' });
});
