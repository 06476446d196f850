/**
 * What `MemoryLogStorage` and `FileLogStorage` share: both keep the stored log's image in a
 * `LogState` and answer every read (`initialState`, `firstIndex`, `lastIndex`, `term`, `entries`,
 * `hardState`, `snapshot`) from it, so reads are the same by construction. Subclasses supply the
 * writes (`save`, `compact`) and `close`.
 *
 * Example:
 * ```ts
 * class Storage extends LogStateReader implements LogStorage {
 *   save(batch: StorageBatch): Promise<void> { this.state.apply(batch); return Promise.resolve(); }
 *   // compact, close …
 * }
 * ```
 *
 * When not to use: outside this folder; callers depend on `LogStorage`, not on this class.
 */
import type { Entry, HardState, InitialState, Snapshot } from '../core/types.ts';
import type { LogStorage, StorageBatch } from './log-storage.ts';
import type { LogState } from './log-state.ts';

export abstract class LogStateReader implements LogStorage {
  /** The image every read answers from; subclasses change it only through their writes. */
  protected readonly state: LogState;

  protected constructor(state: LogState) {
    this.state = state;
  }

  abstract save(batch: StorageBatch): Promise<void>;
  abstract compact(index: number): Promise<void>;
  abstract close(): Promise<void>;

  initialState(): InitialState {
    return this.state.initialState();
  }

  firstIndex(): number {
    return this.state.firstIndex();
  }

  lastIndex(): number {
    return this.state.lastIndex();
  }

  term(index: number): number | undefined {
    return this.state.term(index);
  }

  entries(lo: number, hi: number): Entry[] {
    return this.state.entries(lo, hi);
  }

  hardState(): HardState {
    return this.state.hardState();
  }

  snapshot(): Snapshot | null {
    return this.state.snapshot();
  }
}

/** `thrown` as an `Error` (a non-error throw is wrapped), for rejecting a promise with it. */
export function asError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(String(thrown));
}
