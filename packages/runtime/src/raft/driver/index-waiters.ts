/**
 * Waiters for log positions: a proposal appended at (index, term) learns its fate when the entry
 * at `index` is applied. The same term means it is our entry and carries its result; another term
 * means a new leader overwrote it, so it was not applied and may be retried.
 *
 * Example:
 * ```ts
 * waiters.add(12, 3, (o) => (o.applied ? resolve(o.result) : retry()));
 * waiters.applied(12, 3, result); // calls back with { applied: true, result }
 * ```
 *
 * After a snapshot install (entries up to `index` were applied elsewhere, their results unknown)
 * `skipTo(index)` answers every waiter at or below it with `{ applied: false }`; callers retry,
 * and client sessions turn a retry of an applied command into its cached result.
 *
 * When not to use: reads wait on the applied index itself (`read-barrier.ts`).
 */

export type IndexOutcome = { readonly applied: true; readonly result: unknown } | { readonly applied: false };

interface Waiter {
  readonly term: number;
  readonly done: (outcome: IndexOutcome) => void;
}

export class IndexWaiters {
  private readonly byIndex = new Map<number, Waiter[]>();

  get size(): number {
    return this.byIndex.size;
  }

  add(index: number, term: number, done: (outcome: IndexOutcome) => void): void {
    const list = this.byIndex.get(index);
    if (list === undefined) this.byIndex.set(index, [{ term, done }]);
    else list.push({ term, done });
  }

  /** The entry at `index` with `term` was applied with `result`. */
  applied(index: number, term: number, result: unknown): void {
    if (this.byIndex.size === 0) return;
    const list = this.byIndex.get(index);
    if (list === undefined) return;
    this.byIndex.delete(index);
    for (const w of list) w.done(w.term === term ? { applied: true, result } : { applied: false });
  }

  /** Entries up to `index` were replaced by a snapshot: their waiters learn nothing definite. */
  skipTo(index: number): void {
    for (const [i, list] of [...this.byIndex]) {
      if (i > index) continue;
      this.byIndex.delete(i);
      for (const w of list) w.done({ applied: false });
    }
  }

  /** Forgets every waiter without calling it (the owner fails them itself). */
  clear(): void {
    this.byIndex.clear();
  }
}
