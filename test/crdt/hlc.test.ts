import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  compareHlc,
  DEFAULT_MAX_DRIFT_MS,
  HybridLogicalClock,
} from '../../packages/runtime/src/crdt/core/hlc.ts';
import { CrdtOptionError } from '../../packages/runtime/src/crdt/core/errors.ts';

describe('Hybrid logical clock', () => {
  it('follows the wall clock when it moves forward', () => {
    const clock = new HybridLogicalClock('a#1');
    assert.deepEqual(clock.now(100), { ms: 100, lc: 0, node: 'a#1' });
    assert.deepEqual(clock.now(105), { ms: 105, lc: 0, node: 'a#1' });
  });

  it('counts logically when the wall clock stands still or goes back', () => {
    const clock = new HybridLogicalClock('a#1');
    clock.now(100);
    assert.deepEqual(clock.now(100), { ms: 100, lc: 1, node: 'a#1' });
    assert.deepEqual(clock.now(90), { ms: 100, lc: 2, node: 'a#1' });
  });

  it('issues a stamp greater than any remote stamp it received', () => {
    const clock = new HybridLogicalClock('a#1');
    clock.now(100);
    const result = clock.receive({ ms: 5000, lc: 7 }, 100);
    assert.equal(result.bounded, false);
    assert.equal(result.aheadByMs, 4900);
    const next = clock.now(100);
    assert.equal(compareHlc(next, { ms: 5000, lc: 7, node: 'z#9' }), 1);
  });

  it('does not adopt a remote stamp more than maxDriftMs ahead, and reports how far ahead it was', () => {
    const clock = new HybridLogicalClock('a#1');
    assert.equal(clock.maxDriftMs, DEFAULT_MAX_DRIFT_MS);
    const result = clock.receive({ ms: 100 + 60_001, lc: 0 }, 100);
    assert.deepEqual(result, { bounded: true, aheadByMs: 60_001 });
    assert.equal(clock.now(100).ms, 100);
    assert.equal(clock.receive({ ms: 100 + 60_000, lc: 0 }, 100).bounded, false);
  });

  it('orders by physical time, then counter, then node id', () => {
    assert.equal(compareHlc({ ms: 1, lc: 9, node: 'z' }, { ms: 2, lc: 0, node: 'a' }), -1);
    assert.equal(compareHlc({ ms: 2, lc: 1, node: 'a' }, { ms: 2, lc: 0, node: 'z' }), 1);
    assert.equal(compareHlc({ ms: 2, lc: 1, node: 'a' }, { ms: 2, lc: 1, node: 'b' }), -1);
    assert.equal(compareHlc({ ms: 2, lc: 1, node: 'a' }, { ms: 2, lc: 1, node: 'a' }), 0);
  });

  it('rejects a negative drift bound', () => {
    assert.throws(() => new HybridLogicalClock('a#1', { maxDriftMs: -1 }), CrdtOptionError);
  });

  it('stamps strictly increase under any mix of local events and receives within the bound', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ kind: fc.constant('now' as const), wall: fc.integer({ min: 0, max: 10_000 }) }),
            fc.record({
              kind: fc.constant('recv' as const),
              wall: fc.integer({ min: 0, max: 10_000 }),
              ms: fc.integer({ min: 0, max: 20_000 }),
              lc: fc.integer({ min: 0, max: 5 }),
            }),
          ),
          { maxLength: 60 },
        ),
        (events) => {
          const clock = new HybridLogicalClock('a#1', { maxDriftMs: 5000 });
          let last = clock.peek();
          for (const e of events) {
            if (e.kind === 'now') {
              const s = clock.now(e.wall);
              assert.equal(compareHlc(s, last), 1);
              last = s;
            } else {
              const r = clock.receive({ ms: e.ms, lc: e.lc }, e.wall);
              const s = clock.now(e.wall);
              if (!r.bounded) assert.equal(compareHlc(s, { ms: e.ms, lc: e.lc, node: 'a#1' }), 1);
              assert.equal(compareHlc(s, last), 1);
              last = s;
            }
          }
        },
      ),
    );
  });
});
