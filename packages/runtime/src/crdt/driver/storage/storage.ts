/**
 * Where a durable CRDT replica keeps what it applied: the `CrdtStorage` interface, its fsync
 * policy, and `MemoryCrdtStorage`, the in-memory twin used by tests and in-process clusters. The
 * file-backed one is `FileCrdtStorage` (`file-storage.ts`); both pass one conformance suite
 * (`test/crdt-storage/conformance.ts`).
 *
 * Example:
 * ```ts
 * const disk = new MemoryCrdtDisk();                       // survives the storage, like a disk
 * const storage = new MemoryCrdtStorage(disk);
 * const driver = CrdtDriver.start({ node, storage });      // restores storage.image, then appends
 * // … the process dies; a new storage on the same disk hands back what was appended:
 * new MemoryCrdtStorage(disk).image;
 * ```
 *
 * Contract (the driver's side in brackets):
 * - `image` is what was written before the storage was opened: the last compacted state and the
 *   records appended after it, in order. [Read once, by the first replica.]
 * - `append(record)` has written the record when it returns: a crash of the process loses nothing
 *   appended. [Called for every `persist` effect, in order.]
 * - `commit()` makes what was appended as durable as the fsync policy says. [Called at the end of
 *   every step that appended, before the step's messages are sent, so an acknowledgement or a push
 *   never gets ahead of the write it reports.]
 * - `compact(state)` replaces the state and every record with `state`, atomically: a crash leaves
 *   either the old state and records or the new state. `wantsCompaction()` says when it pays.
 * - `wipe()` forgets everything, atomically (the chaos action's lost disk).
 * - `close()` syncs what is pending and releases the files; nothing may be called after it.
 *
 * When not to use: this is one replica's copy; replication is the replicator's job.
 */
import { CodedError } from '../../../util/errors.ts';
import type { DurableImage, DurableRecord, DurableState } from '../../core/durable.ts';
import { emptyImage } from '../../core/durable.ts';

/**
 * When appended records are fsynced (`fdatasync`):
 * - `'always'`: at the end of every step that appended, before its messages go out. A write is
 *   on disk before it is acknowledged, by the writer and by every peer that acks it.
 * - `'interval'` (default, every `fsyncIntervalMs`): records reach the OS page cache at once, so a
 *   crash or `kill -9` of the process loses nothing; a power cut of the host loses at most the last
 *   interval, which peers that hold it give back by anti-entropy.
 * - `'never'`: left to the OS (tests, benchmarks).
 */
export type FsyncPolicy = 'always' | 'interval' | 'never';

export interface CrdtStorageStats {
  /** Records appended since the storage was opened. */
  readonly appends: number;
  /** Bytes written to the log and state files since the storage was opened. */
  readonly bytes: number;
  /** fsync/fdatasync calls since the storage was opened. */
  readonly fsyncs: number;
  readonly compactions: number;
  /** Bytes of the current log (records after the last compaction). */
  readonly logBytes: number;
}

export interface CrdtStorage<V = unknown> {
  readonly image: DurableImage<V>;
  append(record: DurableRecord<V>): void;
  commit(): void;
  wantsCompaction(): boolean;
  compact(state: DurableState<V>): void;
  wipe(): void;
  stats(): CrdtStorageStats;
  close(): Promise<void>;
}

/**
 * Compact once the log is this many bytes and larger than the last state written. Default 4 MiB:
 * about 15,000 hero updates between compactions; restart replays at most that much, and the
 * state file is rewritten only once the log outgrows it.
 */
export const DEFAULT_COMPACT_BYTES = 4 << 20;

/** The "disk" of a `MemoryCrdtStorage`: outlives the storage, so a new one can load it. */
export class MemoryCrdtDisk<V = unknown> {
  state: DurableState<V> | undefined;
  records: DurableRecord<V>[] = [];
}

/** The in-memory twin of `FileCrdtStorage`: same contract, nothing on disk, no fsync. */
export class MemoryCrdtStorage<V = unknown> implements CrdtStorage<V> {
  readonly image: DurableImage<V>;
  readonly #disk: MemoryCrdtDisk<V>;
  readonly #compactRecords: number;
  #appends = 0;
  #compactions = 0;
  #closed = false;

  /** `compactRecords`: `wantsCompaction` after this many records (default 10,000). */
  constructor(disk: MemoryCrdtDisk<V> = new MemoryCrdtDisk<V>(), options: { compactRecords?: number } = {}) {
    this.#disk = disk;
    this.#compactRecords = options.compactRecords ?? 10_000;
    this.image =
      disk.state === undefined && disk.records.length === 0
        ? emptyImage<V>()
        : {
            state: disk.state,
            records: [...disk.records],
          };
  }

  append(record: DurableRecord<V>): void {
    this.#assertOpen();
    this.#disk.records.push(record);
    this.#appends++;
  }

  commit(): void {
    this.#assertOpen();
  }

  wantsCompaction(): boolean {
    return this.#disk.records.length >= this.#compactRecords;
  }

  compact(state: DurableState<V>): void {
    this.#assertOpen();
    this.#disk.state = state;
    this.#disk.records = [];
    this.#compactions++;
  }

  wipe(): void {
    this.#assertOpen();
    this.#disk.state = undefined;
    this.#disk.records = [];
  }

  stats(): CrdtStorageStats {
    return { appends: this.#appends, bytes: 0, fsyncs: 0, compactions: this.#compactions, logBytes: 0 };
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }

  #assertOpen(): void {
    if (this.#closed) throw new CrdtStorageClosedError();
  }
}

/** The storage was used after `close()`. */
export class CrdtStorageClosedError extends CodedError<'CRDT_STORAGE_CLOSED'> {
  constructor(message = 'the CRDT storage is closed', options?: { cause?: unknown }) {
    super('CRDT_STORAGE_CLOSED', message, options);
    this.name = 'CrdtStorageClosedError';
  }
}

/**
 * A file of the replica's directory is damaged somewhere other than the last record of the last
 * log (which is a torn write and is repaired): the replica refuses to start rather than run on a
 * state that silently lost what it had applied. Move the directory away to start empty and refill
 * from the peers.
 */
export class CrdtStorageCorruptError extends CodedError<'CRDT_STORAGE_CORRUPT'> {
  readonly file: string;
  readonly offset: number;
  constructor(file: string, offset: number, why: string, options?: { cause?: unknown }) {
    super('CRDT_STORAGE_CORRUPT', `${file} is damaged at byte ${offset}: ${why}`, options);
    this.name = 'CrdtStorageCorruptError';
    this.file = file;
    this.offset = offset;
  }
}
