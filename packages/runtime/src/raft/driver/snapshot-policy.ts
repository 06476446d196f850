/**
 * When to snapshot the state machine: a pure rule over what was applied since the last snapshot.
 *
 * A restart replays every entry applied since the last snapshot (tens of microseconds each:
 * decoding, applying, the change feed), while a snapshot costs in proportion to the state (a few
 * microseconds per record to encode, on every member, and again to load). A fixed count is wrong at
 * both ends: 10,000 entries over a small state is a replay of half a second for a snapshot that
 * would have taken milliseconds, and a low count over a large state spends more on snapshots than
 * on the writes (40,000 records encoded every 10,000 puts cost each member ~13 % of its time). So
 * once at least `minEntries` were applied, a snapshot is due when their bytes reached the last
 * snapshot's size, or when they are as many as the records it held: replaying more than that costs
 * more than loading a fresh snapshot would, and a snapshot is never more than a few microseconds of
 * encoding per entry written. In any case after `maxEntries`.
 *
 * ```ts
 * snapshotDue({ entries: 1200, bytes: 900_000 }, { lastSnapshotBytes: 400_000, lastSnapshotRecords: 5000, minEntries: 1000, maxEntries: 100_000 }); // true
 * ```
 */
export interface AppliedSince {
  /** Entries applied since the last snapshot. */
  readonly entries: number;
  /** Their command bytes. */
  readonly bytes: number;
}

export interface SnapshotRule {
  /** The size of the last snapshot's state, bytes (0 before the first). */
  readonly lastSnapshotBytes: number;
  /**
   * The records (items) the last snapshot held, when the machine counts them (`records()`);
   * undefined when it does not, and then only bytes and `maxEntries` decide.
   */
  readonly lastSnapshotRecords?: number | undefined;
  readonly minEntries: number;
  readonly maxEntries: number;
}

export function snapshotDue(since: AppliedSince, rule: SnapshotRule): boolean {
  if (since.entries >= rule.maxEntries) return true;
  if (since.entries < Math.min(rule.minEntries, rule.maxEntries)) return false;
  return since.bytes >= rule.lastSnapshotBytes || since.entries >= (rule.lastSnapshotRecords ?? Infinity);
}
