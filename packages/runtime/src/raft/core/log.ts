/**
 * The in-memory Raft log of one member: entries after a compaction point, the latest snapshot,
 * the commit and apply positions, and which entries still have to be handed out for persistence.
 *
 * Example:
 * ```ts
 * const log = new RaftLog();
 * log.append([{ index: 1, term: 1, type: 'normal', data }]);
 * log.term(1); // 1
 * ```
 *
 * API: `term(i)`, `firstIndex()`, `lastIndex()`, `lastTerm()`, `isUpToDate`, `maybeAppend`,
 * `append`, `slice`, `findConflictByTerm`, `commitTo`, `restore`, `compact`, and the persistence
 * bookkeeping used by the node (`takeUnstable`, `stableTo`, `snapshotPersisted`).
 *
 * Invariants: `offset <= snapshot.index <= applied <= committed <= lastIndex()` (when a snapshot
 * exists); entries are contiguous; a committed entry is never truncated (a violation throws).
 * The log since the last compaction is held in memory; the durable copy is the driver's storage.
 *
 * When not to use: outside the core. Storage has its own interface (`LogStorage`).
 */
import { RaftInvariantError } from './errors.ts';
import type { Entry, Snapshot } from './types.ts';

export function entryBytes(e: Entry): number {
  return e.data.byteLength;
}

/** Fixed per-entry cost counted against message size limits (index, term, type, framing). */
export const ENTRY_OVERHEAD_BYTES = 16;

/** Size of an entry in a message: its data plus the fixed overhead. */
export function entryWireBytes(e: Entry): number {
  return e.data.byteLength + ENTRY_OVERHEAD_BYTES;
}

export class RaftLog {
  /** Index just before `entries[0]`; its term is `offsetTerm`. */
  private offset = 0;
  private offsetTerm = 0;
  private entries: Entry[] = [];
  committed = 0;
  applied = 0;
  /** The newest snapshot this node holds (local compaction or received from the leader). */
  snapshot: Snapshot | null = null;
  /** A snapshot received from the leader, to hand out in the next Ready. */
  pendingSnapshot: Snapshot | null = null;
  /** Entries at or below this index were handed out for persistence. */
  private handedOut = 0;
  /** Entries at or below this index are durable (as far as the driver has acknowledged). */
  stableIndex = 0;

  /** Restores the log from storage after a restart; everything given is durable. */
  static restore(snapshot: Snapshot | null, entries: readonly Entry[], commit: number): RaftLog {
    const log = new RaftLog();
    if (snapshot !== null) {
      log.offset = snapshot.index;
      log.offsetTerm = snapshot.term;
      log.snapshot = snapshot;
      log.applied = snapshot.index;
    }
    const kept = entries.filter((e) => e.index > log.offset);
    const first = kept[0];
    if (first !== undefined && first.index !== log.offset + 1) {
      throw new RaftInvariantError(
        `stored entries start at ${first.index} but the snapshot ends at ${log.offset}`,
      );
    }
    for (let i = 1; i < kept.length; i++) {
      if (kept[i]!.index !== kept[i - 1]!.index + 1) {
        throw new RaftInvariantError(`stored entries are not contiguous at ${kept[i]!.index}`);
      }
    }
    // Trailing entries below the snapshot are not needed; the log starts at the snapshot.
    log.entries = kept;
    log.handedOut = log.lastIndex();
    log.stableIndex = log.lastIndex();
    log.committed = Math.min(Math.max(commit, log.offset), log.lastIndex());
    return log;
  }

  firstIndex(): number {
    return this.offset + 1;
  }

  lastIndex(): number {
    return this.offset + this.entries.length;
  }

  /** Term of the entry at `index`, or undefined if compacted away or not yet written. */
  term(index: number): number | undefined {
    if (index === this.offset) return this.offsetTerm;
    if (index < this.offset || index > this.lastIndex()) return undefined;
    return this.entries[index - this.offset - 1]!.term;
  }

  lastTerm(): number {
    return this.term(this.lastIndex())!;
  }

  entryAt(index: number): Entry | undefined {
    if (index <= this.offset || index > this.lastIndex()) return undefined;
    return this.entries[index - this.offset - 1];
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** Raft's election restriction: is a candidate's log at least as up-to-date as ours? */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const myTerm = this.lastTerm();
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex());
  }

  /**
   * Follower side of AppendEntries: appends `entries` after (prevIndex, prevTerm) if that entry
   * matches, truncating any conflicting suffix, and advances the commit index. Returns the index of
   * the last entry known to match the leader, or null when (prevIndex, prevTerm) does not match.
   */
  maybeAppend(prevIndex: number, prevTerm: number, commit: number, entries: readonly Entry[]): number | null {
    if (!this.matchTerm(prevIndex, prevTerm)) return null;
    const lastNew = prevIndex + entries.length;
    let conflict = -1;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      if (this.term(e.index) !== e.term) {
        conflict = i;
        break;
      }
    }
    if (conflict >= 0) {
      const at = entries[conflict]!.index;
      if (at <= this.committed) {
        throw new RaftInvariantError(`entry ${at} conflicts with committed entry (commit ${this.committed})`);
      }
      this.append(entries.slice(conflict));
    }
    this.commitTo(Math.min(commit, lastNew));
    return lastNew;
  }

  /** Appends entries, replacing any existing entries at or after the first one's index. */
  append(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    if (first.index <= this.committed) {
      throw new RaftInvariantError(`append at ${first.index} would overwrite committed ${this.committed}`);
    }
    if (first.index > this.lastIndex() + 1) {
      throw new RaftInvariantError(`append at ${first.index} leaves a gap after ${this.lastIndex()}`);
    }
    if (first.index <= this.lastIndex()) {
      this.entries.length = first.index - this.offset - 1;
      this.handedOut = Math.min(this.handedOut, first.index - 1);
      this.stableIndex = Math.min(this.stableIndex, first.index - 1);
    }
    for (const e of entries) this.entries.push(e);
  }

  /** Entries in [lo, hi), at most `maxBytes` of data but always at least one if any exist. */
  slice(lo: number, hi: number, maxBytes = Number.POSITIVE_INFINITY): Entry[] {
    if (lo <= this.offset)
      throw new RaftInvariantError(`slice from ${lo} is compacted (offset ${this.offset})`);
    const end = Math.min(hi, this.lastIndex() + 1);
    const out: Entry[] = [];
    let bytes = 0;
    for (let i = lo; i < end; i++) {
      const e = this.entries[i - this.offset - 1]!;
      bytes += entryWireBytes(e);
      if (out.length > 0 && bytes > maxBytes) break;
      out.push(e);
    }
    return out;
  }

  /**
   * The largest index <= `index` whose term is <= `term` (or the compaction point). Used to skip
   * a whole term of conflicting entries per round trip instead of one entry.
   */
  findConflictByTerm(index: number, term: number): number {
    let i = Math.min(index, this.lastIndex());
    for (; i > this.offset; i--) {
      if (this.term(i)! <= term) return i;
    }
    return i;
  }

  commitTo(index: number): void {
    if (index <= this.committed) return;
    if (index > this.lastIndex()) {
      throw new RaftInvariantError(`commit ${index} is beyond the last index ${this.lastIndex()}`);
    }
    this.committed = index;
  }

  /** Leader rule: commit `index` only if it holds an entry of the current `term` (Figure 8). */
  maybeCommit(index: number, term: number): boolean {
    if (index > this.committed && this.term(index) === term) {
      this.commitTo(index);
      return true;
    }
    return false;
  }

  /** Replaces the log with a snapshot received from the leader (or fast-forwards if it matches). */
  restoreSnapshot(snap: Snapshot): 'fast-forward' | 'restored' {
    if (this.matchTerm(snap.index, snap.term)) {
      this.commitTo(snap.index);
      return 'fast-forward';
    }
    this.offset = snap.index;
    this.offsetTerm = snap.term;
    this.entries = [];
    this.committed = snap.index;
    this.snapshot = snap;
    this.pendingSnapshot = snap;
    this.handedOut = snap.index;
    // Nothing is durable for this new log until the snapshot itself is persisted.
    this.stableIndex = 0;
    return 'restored';
  }

  /**
   * Installs a locally taken snapshot and drops entries up to `compactTo` (<= snap.index) from
   * memory. The snapshot must cover applied entries only.
   */
  compact(snap: Snapshot, compactTo: number): void {
    if (snap.index > this.applied) {
      throw new RaftInvariantError(`snapshot ${snap.index} is beyond applied ${this.applied}`);
    }
    if (this.snapshot === null || snap.index > this.snapshot.index) this.snapshot = snap;
    const to = Math.min(compactTo, snap.index, this.stableIndex);
    if (to <= this.offset) return;
    const term = this.term(to)!;
    this.entries = this.entries.slice(to - this.offset);
    this.offset = to;
    this.offsetTerm = term;
  }

  hasUnstable(): boolean {
    return this.lastIndex() > this.handedOut;
  }

  /** Hands out entries not yet given to the driver for persistence. */
  takeUnstable(): Entry[] {
    if (!this.hasUnstable()) return [];
    const from = Math.max(this.handedOut + 1, this.offset + 1);
    const out = this.entries.slice(from - this.offset - 1);
    this.handedOut = this.lastIndex();
    return out;
  }

  /** The driver persisted entries up to (index, term); ignored if the log changed meanwhile. */
  stableTo(index: number, term: number): void {
    if (index > this.stableIndex && this.matchTerm(index, term)) this.stableIndex = index;
  }

  snapshotPersisted(snap: Snapshot): void {
    if (this.matchTerm(snap.index, snap.term) && snap.index > this.stableIndex) {
      this.stableIndex = snap.index;
    }
  }

  /** Committed entries after `from`, limited to `maxBytes` (at least one entry). */
  committedAfter(from: number, maxBytes: number): Entry[] {
    const hi = Math.min(this.committed, this.handedOut);
    if (hi <= from) return [];
    return this.slice(from + 1, hi + 1, maxBytes);
  }
}
