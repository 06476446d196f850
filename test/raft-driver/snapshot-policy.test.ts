import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { snapshotDue } from '../../packages/runtime/src/raft/driver/snapshot-policy.ts';
import { resolveDriverOptions } from '../../packages/runtime/src/raft/driver/options.ts';

const rule = { lastSnapshotBytes: 200_000, minEntries: 1000, maxEntries: 10_000 };

test('a snapshot is due once the log since the last one holds as many bytes as it, after the fewest entries', () => {
  assert.equal(snapshotDue({ entries: 999, bytes: 10_000_000 }, rule), false, 'too few entries');
  assert.equal(snapshotDue({ entries: 1000, bytes: 199_999 }, rule), false, 'too few bytes');
  assert.equal(snapshotDue({ entries: 1000, bytes: 200_000 }, rule), true);
  assert.equal(snapshotDue({ entries: 5000, bytes: 300_000 }, rule), true);
});

test('a snapshot is due after the most entries whatever their bytes, and before the first one at the fewest', () => {
  assert.equal(snapshotDue({ entries: 9999, bytes: 1 }, rule), false);
  assert.equal(snapshotDue({ entries: 10_000, bytes: 1 }, rule), true);
  assert.equal(snapshotDue({ entries: 1000, bytes: 0 }, { ...rule, lastSnapshotBytes: 0 }), true);
});

test('a snapshot is due once as many entries as the last one held records were applied, after the fewest', () => {
  const big = {
    lastSnapshotBytes: 12_000_000,
    lastSnapshotRecords: 40_000,
    minEntries: 1000,
    maxEntries: 100_000,
  };
  assert.equal(
    snapshotDue({ entries: 39_999, bytes: 2_000_000 }, big),
    false,
    'small entries over a big state',
  );
  assert.equal(snapshotDue({ entries: 40_000, bytes: 2_000_000 }, big), true);
  const few = { ...big, lastSnapshotRecords: 10 };
  assert.equal(snapshotDue({ entries: 999, bytes: 0 }, few), false, 'never below the fewest');
  assert.equal(snapshotDue({ entries: 1000, bytes: 0 }, few), true);
  const uncounted = { ...big, lastSnapshotRecords: undefined };
  assert.equal(
    snapshotDue({ entries: 99_999, bytes: 2_000_000 }, uncounted),
    false,
    'a machine that does not count',
  );
  assert.equal(snapshotDue({ entries: 100_000, bytes: 0 }, uncounted), true);
});

test('a most-entries setting below the fewest wins (small test clusters snapshot every few entries)', () => {
  const small = { lastSnapshotBytes: 1_000_000, minEntries: 1000, maxEntries: 40 };
  assert.equal(snapshotDue({ entries: 39, bytes: 5_000_000 }, small), false);
  assert.equal(snapshotDue({ entries: 40, bytes: 0 }, small), true);
});

test('never due below both bounds; always due at the most; due more entries never makes it undue', () => {
  fc.assert(
    fc.property(
      fc.nat(20_000),
      fc.nat(5_000_000),
      fc.nat(5_000_000),
      fc.integer({ min: 1, max: 5000 }),
      fc.integer({ min: 1, max: 20_000 }),
      fc.option(fc.nat(50_000), { nil: undefined }),
      (entries, bytes, last, minEntries, maxEntries, records) => {
        const r = { lastSnapshotBytes: last, lastSnapshotRecords: records, minEntries, maxEntries };
        const due = snapshotDue({ entries, bytes }, r);
        if (entries < Math.min(minEntries, maxEntries)) assert.equal(due, false);
        if (entries >= maxEntries) assert.equal(due, true);
        if (due) assert.equal(snapshotDue({ entries: entries + 1, bytes: bytes + 1 }, r), true);
      },
    ),
  );
});

test('defaults: at least 1,000 and at most 100,000 entries between snapshots', () => {
  const o = resolveDriverOptions();
  assert.equal(o.snapshotMinEntries, 1000);
  assert.equal(o.snapshotEntries, 100_000);
  assert.throws(() => resolveDriverOptions({ snapshotMinEntries: 0 }));
});
