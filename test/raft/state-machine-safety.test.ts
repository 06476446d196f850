// State machine safety (Raft §5.4.3): if a server has applied a log entry at a given index to its
// state machine, no other server will ever apply a different log entry for the same index.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ScriptedCluster } from '../../packages/runtime/src/testing/raft-sim/index.ts';
import { chaos, violationsOf } from './chaos.ts';

test('every replica applies the same commands in the same order', () => {
  const c = new ScriptedCluster(['a', 'b', 'c']);
  c.elect('a');
  for (let i = 0; i < 10; i++) c.propose('a', `v${i}`);
  c.stabilize();
  c.tickAll(1);
  c.stabilize();
  const expected = Array.from({ length: 10 }, (_, i) => `v${i}`);
  for (const id of ['a', 'b', 'c']) assert.deepEqual(c.node(id).machine, expected, id);
});

test('a restarted member rebuilds the same state from its snapshot and log', () => {
  const c = new ScriptedCluster(['a', 'b', 'c']);
  c.elect('a');
  for (let i = 0; i < 6; i++) c.propose('a', `v${i}`);
  c.stabilize();
  c.compact('b');
  for (let i = 6; i < 9; i++) c.propose('a', `v${i}`);
  c.stabilize();
  c.tickAll(1);
  c.stabilize();
  const before = c.node('b').machine;
  c.crash('b');
  c.restart('b');
  assert.deepEqual(c.node('b').machine, before);
});

test('no two members ever apply different entries at the same index (random runs)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      fc.constantFrom(['a', 'b', 'c'], ['a', 'b', 'c', 'd', 'e']),
      (seed, ids) => {
        const run = chaos(seed, ids, 300);
        assert.deepEqual(violationsOf(run, 'state machine safety'), [], `seed ${seed}`);
        // And what they applied is one sequence: every pair agrees wherever both applied.
        const maps = [...run.appliedByMember.values()];
        for (let i = 0; i < maps.length; i++) {
          for (let j = i + 1; j < maps.length; j++) {
            for (const [index, e] of maps[i]!) {
              const other = maps[j]!.get(index);
              if (other !== undefined) assert.equal(other.term, e.term, `seed ${seed}: index ${index}`);
            }
          }
        }
      },
    ),
    { numRuns: 40 },
  );
});
