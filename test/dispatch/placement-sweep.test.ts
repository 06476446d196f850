/** The placement sweep's decisions (pure): place orphans after the grace, unplace the buried, collect old tombstones. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sweepDecisions } from '../../src/dispatch/placement-sweep.ts';
import type { Tombstone } from '../../src/dispatch/hero-record.ts';

const tomb = (id: string, diedAt: number): Tombstone => ({ id, name: id, dead: true, diedAt });
const base = {
  tombstones: [],
  placed: new Set<string>(),
  unplacedSince: new Map(),
  graceMs: 8000,
  retentionMs: 60_000,
};

test('a live hero without a placement record is placed once it has been unplaced for the grace period', () => {
  const first = sweepDecisions({ ...base, live: ['a', 'b'], placed: new Set(['b']), now: 1000 });
  assert.deepEqual(first.start, [], 'not at once: its create may still be placing it');
  assert.deepEqual([...first.unplacedSince], [['a', 1000]]);
  const later = sweepDecisions({
    ...base,
    live: ['a', 'b'],
    placed: new Set(['b']),
    unplacedSince: first.unplacedSince,
    now: 9000,
  });
  assert.deepEqual(later.start, ['a']);
});

test('a hero placed meanwhile starts its grace again if it loses its record later', () => {
  const a = sweepDecisions({ ...base, live: ['a'], now: 0 });
  const placed = sweepDecisions({
    ...base,
    live: ['a'],
    placed: new Set(['a']),
    unplacedSince: a.unplacedSince,
    now: 5000,
  });
  assert.equal(placed.unplacedSince.size, 0);
  const again = sweepDecisions({ ...base, live: ['a'], unplacedSince: placed.unplacedSince, now: 9000 });
  assert.deepEqual(again.start, []);
});

test('a buried hero with a placement record is unplaced; an old tombstone without one is collected', () => {
  const d = sweepDecisions({
    ...base,
    live: [],
    tombstones: [tomb('x', 0), tomb('y', 0), tomb('z', 50_000)],
    placed: new Set(['x']),
    now: 60_000,
  });
  assert.deepEqual(d.stop, ['x']);
  assert.deepEqual(d.collect, ['y'], 'z is younger than the retention; x still has a placement record');
});
