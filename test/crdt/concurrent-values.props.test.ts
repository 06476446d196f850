import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { converged, type Replicator } from '../../packages/runtime/src/crdt/core/replicator.ts';
import { Harness } from './helpers.ts';

// Two replicas write one key concurrently; pushes are lost at random, so the values meet by push,
// by anti-entropy from the delta log, or (logPerOrigin 0) by snapshot. Every replica then holds
// both values and has been told of each (a `change` for the visible one, a `concurrent` effect for
// one hidden behind it), until a write that has seen both replaces them. fast-check prints its
// seed on failure.

const WRITERS = ['a', 'b', 'c'] as const;

interface Schedule {
  readonly first: number;
  readonly second: number;
  /** Gap between the two writes, ms (0: the same millisecond, ordered by replica id). */
  readonly gapMs: number;
  readonly resolver: number;
  /** Consumed in turn: whether each message of the first exchange gets through. */
  readonly keep: readonly boolean[];
  readonly logPerOrigin: number;
}

const schedule: fc.Arbitrary<Schedule> = fc
  .record({
    first: fc.integer({ min: 0, max: 2 }),
    second: fc.integer({ min: 0, max: 2 }),
    gapMs: fc.integer({ min: 0, max: 3 }),
    resolver: fc.integer({ min: 0, max: 2 }),
    keep: fc.array(fc.boolean(), { minLength: 1, maxLength: 16 }),
    logPerOrigin: fc.constantFrom(0, 1024),
  })
  .filter((s) => s.first !== s.second);

/** Deliver, then run anti-entropy rounds until all replicas converged. */
function settle(h: Harness<string>, rs: readonly Replicator<string>[]): void {
  for (let round = 0; round < 40; round++) {
    h.deliverAll();
    if (rs.every((r) => converged(r, rs[0]!))) return;
    h.advance(1000, (round * 0.37) % 1);
  }
  assert.fail('the replicas did not converge within 40 anti-entropy rounds');
}

/** The values of `key` each replica was told of: its own puts, `change` and `concurrent` effects. */
function told(h: Harness<string>, r: Replicator<string>, key: string): Set<string> {
  const out = new Set<string>();
  for (const { at, effect } of h.events) {
    if (at !== r.id) continue;
    if (effect.type === 'change' && effect.key === key && effect.value !== undefined) out.add(effect.value);
    if (effect.type === 'concurrent' && effect.key === key) out.add(effect.entry.value);
  }
  return out;
}

describe('Replicator: concurrent values of a key', () => {
  it('after concurrent puts and a merge every replica holds and was told of both, until a put that saw both replaces them', () => {
    fc.assert(
      fc.property(schedule, (s) => {
        const h = new Harness<string>();
        const rs = WRITERS.map((n) => h.add(n, 1, { logPerOrigin: s.logPerOrigin, antiEntropyMs: 1000 }));
        h.connect(...rs);
        settle(h, rs);
        const [first, second] = [rs[s.first]!, rs[s.second]!];
        h.put(first, 'k', 'first');
        h.now += s.gapMs;
        h.put(second, 'k', 'second');
        let i = 0;
        h.deliverAll(() => s.keep[i++ % s.keep.length]!);
        settle(h, rs);

        for (const r of rs) {
          const values = r.map
            .entriesOf('k')
            .map((e) => e.value)
            .sort();
          assert.deepEqual(values, ['first', 'second'], `${r.id} holds both values`);
          assert.deepEqual([...told(h, r, 'k')].sort(), ['first', 'second'], `${r.id} was told of both`);
        }
        const visible = rs.map((r) => r.map.winner('k')?.value);
        assert.ok(
          visible.every((v) => v === visible[0]),
          'the same value is visible everywhere',
        );

        const resolver = rs[s.resolver]!;
        h.put(resolver, 'k', 'resolved');
        settle(h, rs);
        for (const r of rs) {
          assert.deepEqual(
            r.map.entriesOf('k').map((e) => e.value),
            ['resolved'],
            `${r.id}: the put replaced both`,
          );
        }
      }),
    );
  });

  it('reports a hidden value arriving once, with its writer as origin, and nothing for a visible one', () => {
    const h = new Harness<string>();
    const [a, b] = [h.add('a'), h.add('b')];
    h.connect(a, b);
    h.deliverAll();
    h.events.length = 0;
    h.put(a, 'k', 'older');
    h.now += 1;
    h.put(b, 'k', 'newer');
    h.deliverAll();
    const concurrent = h.events.filter((e) => e.effect.type === 'concurrent');
    assert.equal(concurrent.length, 1);
    const [only] = concurrent;
    assert.equal(only?.at, b.id, 'only the replica whose own value stays visible is told');
    assert.ok(only?.effect.type === 'concurrent', "only?.effect.type === 'concurrent'");
    assert.equal(only.effect.key, 'k');
    assert.equal(only.effect.entry.value, 'older');
    assert.equal(only.effect.origin, a.id);
    h.advance(5000);
    h.deliverAll();
    assert.equal(
      h.events.filter((e) => e.effect.type === 'concurrent').length,
      1,
      'anti-entropy repeats nothing',
    );
  });
});
