// What a member reports as writable (what /readyz shows) agrees with whether its requests would be
// refused: a member that hears a leader but has applied no configuration yet is not writable.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { QuorumWatch } from '../../packages/runtime/src/raft/driver/quorum-watch.ts';

const EMPTY = { voters: [], learners: [] };
const GROUP = { voters: ['a', 'b', 'c'], learners: [] };

test('a member that hears a leader is writable once it has applied a configuration, not before', () => {
  const watch = new QuorumWatch('d', 1000, () => true, 0);
  watch.heard('a', 10);
  watch.update('a', EMPTY, 10);
  assert.equal(watch.writable('a', EMPTY, 20), false, 'no configuration applied yet');
  assert.match(watch.reason(EMPTY, 20), /not part of the group yet/);
  watch.update('a', { voters: GROUP.voters, learners: ['d'] }, 30);
  assert.equal(
    watch.writable('a', { voters: GROUP.voters, learners: ['d'] }, 40),
    true,
    'a learner with the config',
  );
});

test('a follower is writable while its leader was heard within an election timeout', () => {
  const watch = new QuorumWatch('b', 1000, () => true, 0);
  watch.heard('a', 100);
  watch.update('a', GROUP, 100);
  assert.equal(watch.writable('a', GROUP, 500), true);
  assert.equal(watch.writable('a', GROUP, 1200), false, 'the leader fell silent');
  assert.equal(watch.writable(null, GROUP, 500), false, 'no leader');
});
