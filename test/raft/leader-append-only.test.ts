// Leader append-only (Raft §5.3): a leader never overwrites or deletes entries in its log; it only
// appends new entries.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ScriptedCluster } from '../../packages/runtime/src/testing/raft-sim/index.ts';
import { chaos, violationsOf } from './chaos.ts';

test('a leader ignores appends from an older term and keeps its uncommitted entries', () => {
  const c = new ScriptedCluster(['a', 'b', 'c']);
  c.elect('a');
  c.isolate('a');
  c.propose('a', 'x');
  c.propose('a', 'y');
  const before = c.node('a').raw.entries(1, c.node('a').raw.lastIndex() + 1);
  const term = c.node('a').raw.term;
  c.node('a').raw.step({
    type: 'app',
    from: 'b',
    to: 'a',
    term: term - 1,
    prevIndex: 1,
    prevTerm: 1,
    entries: [{ index: 2, term: term - 1, type: 'normal', data: new Uint8Array([1]) }],
    commit: 2,
  });
  c.process('a');
  assert.equal(c.node('a').raw.role, 'leader');
  assert.deepEqual(c.node('a').raw.entries(1, c.node('a').raw.lastIndex() + 1), before);
});

test('a leader only appends: its log never changes under it while it leads (random runs)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      fc.constantFrom(['a', 'b', 'c'], ['a', 'b', 'c', 'd', 'e']),
      (seed, ids) => {
        const run = chaos(seed, ids, 250);
        assert.deepEqual(violationsOf(run, 'leader append-only'), [], `seed ${seed}`);
      },
    ),
    { numRuns: 40 },
  );
});
