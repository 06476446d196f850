/**
 * Durable storage for a Raft member's log, hard state and snapshot.
 *
 * Example:
 * ```ts
 * import { FileLogStorage } from './raft/storage/index.ts';
 * const storage = await FileLogStorage.open('/var/lib/gotham/raft');
 * ```
 *
 * When not to use: application state; only the Raft log and its snapshots belong here.
 */
export type { LogStorage, StorageBatch } from './log-storage.ts';
export { StorageClosedError, StorageCorruptError, StorageRangeError } from './log-storage.ts';
export { MemoryLogStorage } from './memory-log-storage.ts';
export { FileLogStorage } from './file-log-storage.ts';
export type { FileLogStorageOptions, LogWrites } from './file-log-storage.ts';
