/**
 * When to snapshot the state machine: a pure rule over what was applied since the last snapshot.
 *
 * A restart replays every entry applied since the last snapshot (tens of microseconds each:
 * decoding, applying, the change feed), while a snapshot costs in proportion to the state (about
 * 20 µs per record). A fixed count is wrong at both ends: 10,000 entries over a small state is a
 * replay of half a second for a snapshot that would have taken milliseconds, and a low count over a
 * large state stalls the member for a snapshot every few seconds. So a snapshot is due once at
 * least `minEntries` were applied and their bytes reached the last snapshot's size (replaying more
 * than that costs more than loading a fresh snapshot would), and in any case after `maxEntries`.
 *
 * ```ts
 * snapshotDue({ entries: 1200, bytes: 900_000 }, { lastSnapshotBytes: 400_000, minEntries: 1000, maxEntries: 10_000 }); // true
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
  readonly minEntries: number;
  readonly maxEntries: number;
}

export function snapshotDue(since: AppliedSince, rule: SnapshotRule): boolean {
  if (since.entries >= rule.maxEntries) return true;
  return since.entries >= Math.min(rule.minEntries, rule.maxEntries) && since.bytes >= rule.lastSnapshotBytes;
}
