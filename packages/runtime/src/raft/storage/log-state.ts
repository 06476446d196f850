/**
 * The in-memory image of a stored Raft log: entries, hard state and snapshot, with the exact
 * `save`/`compact` semantics of `LogStorage`. Both storages keep one; `FileLogStorage` rebuilds it
 * by replaying its files at recovery, so both behave identically by construction.
 *
 * Example:
 * ```ts
 * const s = new LogState();
 * s.apply({ entries: [{ index: 1, term: 1, type: 'normal', data }], hardState: { term: 1, vote: 'a', commit: 1 } });
 * s.lastIndex(); // 1
 * ```
 *
 * When not to use: as a storage on its own; use `MemoryLogStorage`, which wraps it.
 */
import type { Entry, HardState, InitialState, Snapshot } from '../core/types.ts';
import { StorageRangeError, type StorageBatch } from './log-storage.ts';

export class LogState {
  private hs: HardState = { term: 0, vote: null, commit: 0 };
  private snap: Snapshot | null = null;
  /** Index just before the first stored entry, and its term. */
  private base = 0;
  private baseTerm = 0;
  private list: Entry[] = [];

  apply(batch: StorageBatch): void {
    if (batch.snapshot !== undefined) this.applySnapshot(batch.snapshot);
    if (batch.entries !== undefined && batch.entries.length > 0) this.appendEntries(batch.entries);
    if (batch.hardState !== undefined) this.setHardState(batch.hardState);
  }

  /** Returns false (and changes nothing) if `snap` is not newer than the stored snapshot. */
  applySnapshot(snap: Snapshot): boolean {
    if (this.snap !== null && snap.index <= this.snap.index) return false;
    this.rebase(snap.index, snap.term);
    this.snap = snap;
    return true;
  }

  /**
   * The snapshot rule without the snapshot: unless the entry at `index` has `term`, discard every
   * entry and continue the log at `index + 1`. Used when replaying a log's snapshot markers.
   */
  rebase(index: number, term: number): void {
    if (this.term(index) === term) return;
    this.list = [];
    this.base = index;
    this.baseTerm = term;
  }

  /** Recovery only: the log continues after (index, term); earlier entries were deleted. */
  startAt(index: number, term: number): void {
    if (this.list.length > 0 || this.snap !== null) throw new StorageRangeError('startAt on a non-empty log');
    this.base = index;
    this.baseTerm = term;
  }

  /** Index and term of the last entry (or of the base when no entry is stored). */
  tail(): { index: number; term: number } {
    const index = this.lastIndex();
    return { index, term: this.term(index)! };
  }

  appendEntries(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    for (let i = 1; i < entries.length; i++) {
      if (entries[i]!.index !== first.index + i) {
        throw new StorageRangeError(`batch is not contiguous at ${entries[i]!.index}`);
      }
    }
    const lowest = Math.max(this.firstIndex(), (this.snap?.index ?? 0) + 1);
    if (first.index < lowest || first.index > this.lastIndex() + 1) {
      throw new StorageRangeError(
        `cannot append at ${first.index}: allowed range is [${lowest}, ${this.lastIndex() + 1}]`,
      );
    }
    this.list.length = first.index - this.base - 1;
    for (const e of entries) this.list.push(e);
  }

  setHardState(hs: HardState): void {
    this.hs = { term: hs.term, vote: hs.vote, commit: hs.commit };
  }

  /** Drops entries at or below `index`; a no-op if they are already gone. */
  compact(index: number): void {
    const limit = this.snap?.index ?? 0;
    if (index > limit) throw new StorageRangeError(`cannot compact to ${index}: snapshot is at ${limit}`);
    if (index <= this.base) return;
    const term = this.term(index);
    if (term === undefined) throw new StorageRangeError(`cannot compact to ${index}: entry not stored`);
    this.list = this.list.slice(index - this.base);
    this.base = index;
    this.baseTerm = term;
  }

  firstIndex(): number {
    return this.base + 1;
  }

  lastIndex(): number {
    return this.base + this.list.length;
  }

  term(index: number): number | undefined {
    if (index === this.base) return this.baseTerm;
    if (index > this.base && index <= this.lastIndex()) return this.list[index - this.base - 1]!.term;
    if (this.snap !== null && index === this.snap.index) return this.snap.term;
    return undefined;
  }

  entries(lo: number, hi: number): Entry[] {
    if (lo < this.firstIndex() || hi > this.lastIndex() + 1 || lo > hi) {
      throw new StorageRangeError(
        `entries [${lo}, ${hi}) outside [${this.firstIndex()}, ${this.lastIndex() + 1})`,
      );
    }
    return this.list.slice(lo - this.base - 1, hi - this.base - 1);
  }

  hardState(): HardState {
    return this.hs;
  }

  snapshot(): Snapshot | null {
    return this.snap;
  }

  /** What a restarting member needs: hard state, snapshot and the entries after it. */
  initialState(): InitialState {
    const after = this.snap?.index ?? 0;
    const from = Math.max(after + 1, this.firstIndex());
    return {
      hardState: this.hs,
      snapshot: this.snap,
      entries: this.list.slice(from - this.base - 1),
    };
  }

  /** An independent copy (entries are immutable values and are shared). */
  clone(): LogState {
    const c = new LogState();
    c.hs = this.hs;
    c.snap = this.snap;
    c.base = this.base;
    c.baseTerm = this.baseTerm;
    c.list = this.list.slice();
    return c;
  }
}
