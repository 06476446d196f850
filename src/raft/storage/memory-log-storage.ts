/**
 * `MemoryLogStorage`: the in-memory twin of `FileLogStorage`. Nothing survives the process; a
 * `save` is "durable" as soon as it is called. Used by tests, simulations and `memory` durability
 * (a member that restarts from it has forgotten its vote, so it must rejoin as a new member).
 *
 * Example:
 * ```ts
 * const storage = new MemoryLogStorage();
 * await storage.save({ entries, hardState });
 * storage.lastIndex();
 * ```
 *
 * API: `LogStorage`, plus `applyBatch`/`compactSync` (synchronous forms for simulators that model
 * time themselves) and `clone()` (an independent copy, e.g. the durable image at a crash).
 *
 * When not to use: anywhere a restart must keep the member's vote and log; use `FileLogStorage`.
 */
import type { Entry, HardState, InitialState, Snapshot } from '../core/types.ts';
import { StorageClosedError, type LogStorage, type StorageBatch } from './log-storage.ts';
import { LogState } from './log-state.ts';

export class MemoryLogStorage implements LogStorage {
  private state: LogState;
  private closed = false;

  constructor(state: LogState = new LogState()) {
    this.state = state;
  }

  initialState(): InitialState {
    return this.state.initialState();
  }

  save(batch: StorageBatch): Promise<void> {
    try {
      this.applyBatch(batch);
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  compact(index: number): Promise<void> {
    try {
      this.compactSync(index);
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** `save` without the promise. */
  applyBatch(batch: StorageBatch): void {
    this.check();
    this.state.apply(batch);
  }

  /** `compact` without the promise. */
  compactSync(index: number): void {
    this.check();
    this.state.compact(index);
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

  clone(): MemoryLogStorage {
    return new MemoryLogStorage(this.state.clone());
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  private check(): void {
    if (this.closed) throw new StorageClosedError('memory log storage is closed');
  }
}
