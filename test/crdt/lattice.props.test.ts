import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DeltaMap, type MapState } from '../../packages/runtime/src/crdt/core/delta-map.ts';
import type { KeyDelta } from '../../packages/runtime/src/crdt/core/entry.ts';

// Random executions over three replicas: puts and deletes on a few keys, deltas delivered in any
// order (some never, some twice), and occasional full-state merges. The states and deltas they
// produce are the lattice elements the properties quantify over.

const REPLICAS = ['a#1', 'b#1', 'c#1'] as const;

type Op =
  | { t: 'put'; r: number; k: number; v: number; ms: number }
  | { t: 'del'; r: number; k: number }
  | { t: 'deliver'; from: number; to: number; pick: number }
  | { t: 'merge'; from: number; to: number };

const replica = fc.integer({ min: 0, max: 2 });
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant('put' as const),
      r: replica,
      k: fc.integer({ min: 0, max: 3 }),
      v: fc.integer({ min: 0, max: 99 }),
      ms: fc.integer({ min: 0, max: 30 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant('del' as const), r: replica, k: fc.integer({ min: 0, max: 3 }) }),
  },
  {
    weight: 4,
    arbitrary: fc.record({ t: fc.constant('deliver' as const), from: replica, to: replica, pick: fc.nat() }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('merge' as const), from: replica, to: replica }) },
);

interface Execution {
  readonly states: MapState<number>[];
  readonly deltas: KeyDelta<number>[];
}

function execute(ops: readonly Op[]): Execution {
  const maps = REPLICAS.map((id) => new DeltaMap<number>(id, { buckets: 16 }));
  const produced: KeyDelta<number>[][] = REPLICAS.map(() => []);
  for (const o of ops) {
    if (o.t === 'put') produced[o.r]?.push(maps[o.r]!.put(`k${o.k}`, o.v, { ms: o.ms, lc: 0 }));
    else if (o.t === 'del') {
      const d = maps[o.r]!.delete(`k${o.k}`);
      if (d !== undefined) produced[o.r]?.push(d);
    } else if (o.t === 'deliver') {
      const list = produced[o.from]!;
      if (list.length > 0) maps[o.to]!.applyDelta(list[o.pick % list.length]!);
    } else maps[o.to]!.joinState(maps[o.from]!.toState());
  }
  return { states: maps.map((m) => m.toState()), deltas: produced.flat() };
}

function join(a: MapState<number>, b: MapState<number>): MapState<number> {
  const m = DeltaMap.fromState<number>('x#1', a, { buckets: 16 });
  m.joinState(b);
  return m.toState();
}

const canon = (s: MapState<number>): string => JSON.stringify(s);
const ops = fc.array(op, { maxLength: 40 });
const runs = { numRuns: 200 };

describe('DeltaMap join is a lattice join', () => {
  it('is commutative: a ⊔ b = b ⊔ a', () => {
    fc.assert(
      fc.property(ops, (o) => {
        const [a, b] = execute(o).states;
        assert.equal(canon(join(a!, b!)), canon(join(b!, a!)));
      }),
      runs,
    );
  });

  it('is associative: (a ⊔ b) ⊔ c = a ⊔ (b ⊔ c)', () => {
    fc.assert(
      fc.property(ops, (o) => {
        const [a, b, c] = execute(o).states;
        assert.equal(canon(join(join(a!, b!), c!)), canon(join(a!, join(b!, c!))));
      }),
      runs,
    );
  });

  it('is idempotent: a ⊔ a = a, and joining a state one already includes changes nothing', () => {
    fc.assert(
      fc.property(ops, (o) => {
        const [a, b] = execute(o).states;
        assert.equal(canon(join(a!, a!)), canon(a!));
        const ab = join(a!, b!);
        assert.equal(canon(join(ab, b!)), canon(ab));
      }),
      runs,
    );
  });

  it('joining every delta, in any order and with duplicates, equals joining the full states', () => {
    fc.assert(
      fc.property(ops, fc.array(fc.nat(), { maxLength: 30 }), fc.nat(), (o, dupes, seed) => {
        const { states, deltas } = execute(o);
        const full = states.reduce(join, new DeltaMap<number>('x#1', { buckets: 16 }).toState());
        const order = shuffle(
          [...deltas, ...dupes.filter(() => deltas.length > 0).map((i) => deltas[i % deltas.length]!)],
          seed,
        );
        const viaDeltas = new DeltaMap<number>('x#1', { buckets: 16 });
        for (const d of order) viaDeltas.applyDelta(d);
        assert.equal(canon(viaDeltas.toState()), canon(full));
      }),
      runs,
    );
  });

  it('joining a delta equals joining the full state of a map that holds only that delta', () => {
    fc.assert(
      fc.property(ops, fc.nat(), (o, pick) => {
        const { states, deltas } = execute(o);
        if (deltas.length === 0) return;
        const d = deltas[pick % deltas.length]!;
        const asState = new DeltaMap<number>('x#1', { buckets: 16 });
        asState.applyDelta(d);
        const viaDelta = DeltaMap.fromState<number>('x#1', states[0]!, { buckets: 16 });
        viaDelta.applyDelta(d);
        assert.equal(canon(viaDelta.toState()), canon(join(states[0]!, asState.toState())));
      }),
      runs,
    );
  });
});

function shuffle<T>(items: T[], seed: number): T[] {
  let s = seed >>> 0 || 1;
  for (let i = items.length - 1; i > 0; i--) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const j = (s >>> 0) % (i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
