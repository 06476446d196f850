/**
 * Public surface of a durable CRDT replica's storage: the interface and its in-memory twin
 * (`storage.ts`), the file-backed one (`file-storage.ts`) and their on-disk form (`codec.ts`).
 *
 * Example:
 * ```ts
 * import { FileCrdtStorage } from './crdt/driver/storage/index.ts';
 * const driver = CrdtDriver.start({ node, storage: FileCrdtStorage.open('data/gotham/crdt') });
 * ```
 *
 * When not to use: a replica that may lose its state with its process needs no storage.
 */
export {
  CrdtStorageClosedError,
  CrdtStorageCorruptError,
  DEFAULT_COMPACT_BYTES,
  MemoryCrdtDisk,
  MemoryCrdtStorage,
  type CrdtStorage,
  type CrdtStorageStats,
  type FsyncPolicy,
} from './storage.ts';
export { FileCrdtStorage, storageBytes, type FileCrdtStorageOptions } from './file-storage.ts';
