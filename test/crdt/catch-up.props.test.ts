import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { converged, type Replicator } from '../../packages/runtime/src/crdt/core/replicator.ts';
import type { Dot } from '../../packages/runtime/src/crdt/core/replica-id.ts';
import { Harness } from './helpers.ts';

// A replica that starts empty refills from a snapshot and, at the same time, from a peer's delta
// log, while the others keep writing and it writes too; its messages arrive in any order, some
// never. Random schedules, hand-delivered (fast-check prints the seed and the shrunk schedule of a
// failure). At every moment no replica shows a value that a write it counts as received removed;
// at the end all three hold exactly what the history implies, so the removals made before a
// snapshot's context is adopted never take an entry the sender held.

interface Write {
  readonly key: string;
  readonly dot: Dot;
  readonly value: number | undefined;
  /** The dots this write removed (what its writer held of the key, and a delete's own dot). */
  readonly covered: readonly Dot[];
}

type Move =
  | { readonly t: 'deliver'; readonly pick: number }
  | { readonly t: 'drop'; readonly pick: number }
  | { readonly t: 'write'; readonly node: number; readonly key: number; readonly del: boolean };

const write = fc.record({
  t: fc.constant('write' as const),
  node: fc.integer({ min: 0, max: 2 }),
  key: fc.integer({ min: 0, max: 5 }),
  del: fc.boolean(),
});
const moves: fc.Arbitrary<Move[]> = fc.array(
  fc.oneof(
    { weight: 6, arbitrary: fc.record({ t: fc.constant('deliver' as const), pick: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('drop' as const), pick: fc.nat() }) },
    { weight: 2, arbitrary: write },
  ),
  { maxLength: 60 },
);
const history = fc.array(write, { minLength: 1, maxLength: 30 });
const shape = fc.record({
  buckets: fc.constantFrom(1, 2, 4),
  maxSnapshotKeys: fc.constantFrom(1, 2, 100),
  maxDeltasPerMessage: fc.constantFrom(1, 2, 512),
});

function run(
  before: readonly Move[],
  during: readonly Move[],
  opts: { buckets: number; maxSnapshotKeys: number; maxDeltasPerMessage: number },
): void {
  const h = new Harness<number>();
  const options = { ...opts, flushMs: 0 };
  const a = h.add('a', 1, options);
  const b = h.add('b', 1, options);
  h.connect(a, b);
  h.deliverAll();
  const writes: Write[] = [];
  let value = 0;
  const replicas = (): Replicator<number>[] => [...h.replicas.values()];
  const apply = (m: Move): void => {
    if (m.t !== 'write') return;
    const r = replicas()[m.node % h.replicas.size]!;
    const key = `k${m.key}`;
    const held = r.map.entriesOf(key).map((e): Dot => [e.rep, e.seq]);
    if (m.del) h.del(r, key);
    else h.put(r, key, ++value);
    const dot: Dot = [r.id, r.map.context.max(r.id)];
    if (held.length === 0 && m.del) return; // nothing to delete: no write was made
    writes.push({ key, dot, value: m.del ? undefined : value, covered: m.del ? [...held, dot] : held });
  };
  const check = (when: string): void => {
    for (const r of replicas()) {
      for (const w of writes) {
        if (!r.hasApplied(w.dot[0], w.dot[1])) continue;
        for (const e of r.map.entriesOf(w.key)) {
          const back = w.covered.some(([rep, seq]) => rep === e.rep && seq === e.seq);
          assert.ok(!back, `${when}: ${r.id} shows ${w.key}=${e.value} after receiving ${w.dot.join(':')}`);
        }
      }
    }
  };
  for (const m of before) {
    apply(m);
    h.deliverAll();
  }
  const c = h.add('c', 1, options);
  h.connect(a, b, c); // c pulls from a (the first it sees) and exchanges digests
  for (const [i, m] of during.entries()) {
    if (m.t === 'write') apply(m);
    else if (h.inFlight.length > 0) {
      const [msg] = h.inFlight.splice(m.pick % h.inFlight.length, 1);
      const to = h.replicas.get(msg!.to)!;
      if (m.t === 'deliver')
        h.step(to, { type: 'receive', from: msg!.from, message: msg!.message, nowMs: h.now });
    }
    check(`move ${i}`);
  }
  for (let round = 0; round < 40 && !(converged(a, b) && converged(a, c) && c.bootstrapped); round++) {
    h.deliverAll((m) => {
      check(`repair round ${round}`);
      return m !== undefined;
    });
    check(`repair round ${round}`);
    h.advance(1000, round % 3 === 0 ? 0 : round % 3 === 1 ? 0.5 : 0.99);
  }
  assert.ok(converged(a, b) && converged(a, c), 'the three replicas converge');
  assert.ok(c.bootstrapped, 'c is filled');
  const dead = new Set(writes.flatMap((w) => w.covered.map((d) => d.join(':'))));
  const expected = new Map<string, number[]>();
  for (const w of writes) {
    if (w.value === undefined || dead.has(w.dot.join(':'))) continue;
    expected.set(
      w.key,
      [...(expected.get(w.key) ?? []), w.value].sort((x, y) => x - y),
    );
  }
  for (const r of replicas()) {
    const actual = new Map<string, number[]>();
    for (const key of r.map.keys())
      actual.set(
        key,
        r.map
          .entriesOf(key)
          .map((e) => e.value)
          .sort((x, y) => x - y),
      );
    const sorted = (m: Map<string, number[]>): [string, number[]][] =>
      [...m].sort((x, y) => (x[0] < y[0] ? -1 : 1));
    assert.deepEqual(sorted(actual), sorted(expected), `${r.id} holds what the history implies`);
  }
}

describe('A replica refilling from a snapshot and a delta log at once (random schedules)', () => {
  it('never shows a value removed by a write it counts as received, and ends with exactly the history', () => {
    fc.assert(
      fc.property(history, moves, shape, (before, during, opts) => run(before, during, opts)),
      { numRuns: 300 },
    );
  });
});
