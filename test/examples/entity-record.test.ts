import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { EntityRecord, EntityState, Stamp } from '../../examples/entity-workers/entity.ts';
import {
  ENTITY_STATES,
  applyWrite,
  compareStamps,
  emptyRecord,
  mergeRecords,
  nextStamp,
  viewOf,
  writeId,
} from '../../examples/entity-workers/entity.ts';

const LIMIT = 64;

/** Runs a property with a random seed that is printed on failure, so the run can be replayed. */
function check<T>(property: fc.IAsyncPropertyWithHooks<T> | fc.IPropertyWithHooks<T>, numRuns = 200): void {
  const seed = Number(process.env.SEED ?? Date.now() % 2 ** 31);
  const details = fc.check(property as fc.IProperty<T>, { seed, numRuns });
  if (details.failed) {
    assert.fail(
      `property failed; replay with SEED=${seed}\n${fc.defaultReportMessage(details as fc.RunDetails<T>)}`,
    );
  }
}

interface Step {
  readonly side: number;
  readonly state: EntityState;
  readonly dt: number;
  readonly syncWith: number | undefined;
}

/** Writes on up to three sides, each on top of what that side holds, with occasional syncs. */
const arbSides: fc.Arbitrary<Step[]> = fc.array(
  fc.record({
    side: fc.integer({ min: 0, max: 2 }),
    state: fc.constantFrom<EntityState>(...ENTITY_STATES),
    dt: fc.integer({ min: 0, max: 3 }),
    syncWith: fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }),
  }),
  { maxLength: 30 },
);

function play(steps: readonly Step[]): { records: EntityRecord[]; acked: Stamp[] } {
  const nodes = ['a', 'b', 'c'];
  const records: EntityRecord[] = nodes.map(() => emptyRecord('e'));
  const clocks: (Stamp | undefined)[] = [undefined, undefined, undefined];
  const acked: Stamp[] = [];
  let now = 1000;
  for (const s of steps) {
    now += s.dt;
    const rec = records[s.side] as EntityRecord;
    const stamp = nextStamp(clocks[s.side], now, nodes[s.side] as string, rec.writes[0]?.stamp);
    clocks[s.side] = stamp;
    records[s.side] = applyWrite(rec, s.state, stamp, LIMIT);
    acked.push(stamp);
    if (s.syncWith !== undefined && s.syncWith !== s.side) {
      const merged = mergeRecords(
        records[s.side] as EntityRecord,
        records[s.syncWith] as EntityRecord,
        LIMIT,
      );
      records[s.side] = merged;
      records[s.syncWith] = merged;
    }
  }
  return { records, acked };
}

test('merging records is commutative, associative and idempotent', () => {
  check(
    fc.property(arbSides, (steps) => {
      const [a, b, c] = play(steps).records as [EntityRecord, EntityRecord, EntityRecord];
      assert.deepEqual(mergeRecords(a, b, LIMIT), mergeRecords(b, a, LIMIT));
      assert.deepEqual(
        mergeRecords(mergeRecords(a, b, LIMIT), c, LIMIT),
        mergeRecords(a, mergeRecords(b, c, LIMIT), LIMIT),
      );
      assert.deepEqual(mergeRecords(a, a, LIMIT), a);
    }),
  );
});

test('after merging every side, the current state is the newest acknowledged write and every other one is in the history', () => {
  check(
    fc.property(arbSides, (steps) => {
      const { records, acked } = play(steps);
      const all = records.reduce((x, y) => mergeRecords(x, y, LIMIT));
      const view = viewOf(all);
      if (acked.length === 0) {
        assert.equal(view.state, 'initialized');
        return;
      }
      const newest = [...acked].sort(compareStamps).at(-1);
      assert.deepEqual(view.updatedAt, newest);
      const seen = new Set(
        [view.updatedAt, ...view.history.map((h) => h.stamp)].map((s) => JSON.stringify(s)),
      );
      for (const stamp of acked)
        assert.ok(seen.has(JSON.stringify(stamp)), `write ${JSON.stringify(stamp)} is lost`);
      assert.equal(view.history.length, acked.length - 1);
    }),
  );
});

test('a write replaced by its own side is "overwritten"; one that lost to a concurrent write is "conflict"', () => {
  let foo = emptyRecord('entity_1');
  let bar = emptyRecord('entity_1');
  foo = applyWrite(foo, 'working', { at: 100, seq: 0, node: 'foo' }, LIMIT);
  foo = applyWrite(foo, 'finalized', { at: 110, seq: 0, node: 'foo' }, LIMIT);
  bar = applyWrite(bar, 'working', { at: 120, seq: 0, node: 'bar' }, LIMIT);
  const view = viewOf(mergeRecords(foo, bar, LIMIT));
  assert.equal(view.state, 'working');
  assert.deepEqual(view.updatedAt, { at: 120, seq: 0, node: 'bar' });
  assert.deepEqual(
    view.history.map((h) => [h.state, h.stamp.node, h.reason]),
    [
      ['finalized', 'foo', 'conflict'],
      ['working', 'foo', 'overwritten'],
    ],
  );
});

test('the history keeps the newest writes up to its limit', () => {
  let rec = emptyRecord('e');
  for (let i = 0; i < 10; i++) rec = applyWrite(rec, 'working', { at: i, seq: 0, node: 'n' }, 3);
  assert.equal(rec.writes.length, 4);
  assert.deepEqual(
    rec.writes.map((w) => w.stamp.at),
    [9, 8, 7, 6],
  );
});

test('stamps only grow: newer than the last reading and than anything the writer saw, even if the wall clock steps back', () => {
  check(
    fc.property(
      fc.array(
        fc.tuple(
          fc.integer({ min: 0, max: 50 }),
          fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
        ),
      ),
      (readings) => {
        let last: Stamp | undefined;
        for (const [now, seenAt] of readings) {
          const after = seenAt === undefined ? undefined : { at: seenAt, seq: 3, node: 'z' };
          const next = nextStamp(last, now, 'n', after);
          if (last) assert.ok(compareStamps(next, last) > 0);
          if (after) assert.ok(compareStamps(next, after) > 0);
          last = next;
        }
      },
    ),
  );
});

test('write ids are unique per stamp', () => {
  const w = { state: 'working' as const, stamp: { at: 1, seq: 2, node: 'x@h:1' }, parent: null };
  assert.equal(writeId(w), '1.2@x@h:1');
});
