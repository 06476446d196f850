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
import { StorageClosedError, type LogStorage, type StorageBatch } from './log-storage.ts';
import { LogState } from './log-state.ts';
import { asError, LogStateReader } from './log-state-reader.ts';

export class MemoryLogStorage extends LogStateReader implements LogStorage {
  private closed = false;

  constructor(state: LogState = new LogState()) {
    super(state);
  }

  save(batch: StorageBatch): Promise<void> {
    return settle(() => this.applyBatch(batch));
  }

  compact(index: number): Promise<void> {
    return settle(() => this.compactSync(index));
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

/** Runs `fn` now; its throw becomes the rejection. */
function settle(fn: () => void): Promise<void> {
  try {
    fn();
    return Promise.resolve();
  } catch (err) {
    return Promise.reject(asError(err));
  }
}
