/**
 * A node-local store on disk — the DETS analogue: the same tables and compare-and-set as the memory
 * store, and every acknowledged write survives a crash.
 *
 * ```ts
 * const store = await DiskStore.open('data/cache');
 * await store.table<string>('todos').put('1', 'buy milk');
 * ```
 *
 * Durability (the caller's obligation is only to await the write):
 * - A write is appended to `store.log` as one checksummed record (`disk-log.ts`) and fsynced
 *   *before* it takes effect in memory, resolves, or reaches a subscriber: nothing is published
 *   that a crash could take back.
 * - A short write is continued until the whole record is written. A write that fails (ENOSPC,
 *   EIO) is cut off the file again and the put rejects with `StoreError('unavailable')`; memory
 *   and subscribers never see it, and the store keeps serving (a later write, once space is
 *   freed, lands where the failed one started). Should even the cut fail, the store refuses all
 *   further writes until it is reopened, which repairs the tail.
 * - Opening replays the log; only a torn tail (an incomplete last record) is repaired, by
 *   truncation. Damage followed by valid records throws `StoreCorruptError` naming file and
 *   offset.
 * - The log is rewritten compactly (temp file, fsync, rename, directory fsync) once it holds
 *   mostly dead records; a rewrite that fails (no space) leaves the old log in use and is tried
 *   again after as many records again, and the failure goes to `onCompactionError`.
 * - The directory is created 0700 (parents fsynced), the files 0600.
 *
 * When not to use: for state shared by several nodes, use the Raft or CRDT store.
 */
import {
  closeSync,
  fchmodSync,
  fdatasyncSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  constants as fs,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { makeDataDir, PRIVATE_FILE_MODE, syncDirSync } from '../raft/storage/durable-dir.ts';
import { encodeRecord, scanLog, type LogRecord } from './disk-log.ts';
import type { MemoryStoreOptions } from './memory-store.ts';
import { MemoryStore, MemoryTable } from './memory-store.ts';
import { StoreError } from './types.ts';
import type { WriteOptions } from './types.ts';

export { StoreCorruptError } from './disk-log.ts';

/** No `transactions`: a transaction's writes would be several log records, not crash-atomic. */
export interface DiskStoreOptions extends Omit<MemoryStoreOptions, 'transactions'> {
  /**
   * Told when a compaction fails (the store goes on with the uncompacted log). Default:
   * `process.emitWarning`, which prints to stderr.
   */
  readonly onCompactionError?: (err: Error) => void;
}

/** Records before the first compaction is considered; compaction then needs 4× dead records. */
const COMPACT_AFTER = 1000;

class DiskTable<V> extends MemoryTable<V> {
  private readonly disk: DiskStore;
  constructor(name: string, store: DiskStore) {
    super(name, store);
    this.disk = store;
  }

  protected override beforeCommit(
    key: string,
    value: V | undefined,
    version: number,
    deleted: boolean,
  ): void {
    this.disk.append([this.name, key, version, deleted ? null : value, deleted]);
  }

  override putSync(key: string, value: V, options?: WriteOptions): number {
    const version = super.putSync(key, value, options);
    // Only now is the write in `entries`, so a compaction keeps it.
    this.disk.compactIfDue();
    return version;
  }

  override deleteSync(key: string, options?: WriteOptions): void {
    super.deleteSync(key, options);
    this.disk.compactIfDue();
  }

  liveCount(): number {
    return this.entries.size;
  }

  dump(): LogRecord[] {
    return [...this.entries].map(([key, e]) => [this.name, key, e.version, e.value, false]);
  }
}

export class DiskStore extends MemoryStore {
  override readonly mode = 'disk' as const;
  private fd = -1;
  private readonly path: string;
  private readonly dir: string;
  private readonly onCompactionError: (err: Error) => void;
  /** Bytes of whole, durable records in the log: where the next record is written. */
  private size = 0;
  private records = 0;
  private compactAt = COMPACT_AFTER;
  /** Set when a failed write could not be cut off the log: writes are refused until reopened. */
  private broken: Error | undefined;

  private constructor(dir: string, options: DiskStoreOptions) {
    super({ ...options, transactions: false });
    this.dir = dir;
    this.path = join(dir, 'store.log');
    this.onCompactionError = options.onCompactionError ?? ((err) => process.emitWarning(err));
  }

  /** Open (or create) the store in `dir`, replaying its log. Throws `StoreCorruptError`. */
  static open(dir: string, options: DiskStoreOptions = {}): Promise<DiskStore> {
    try {
      const store = new DiskStore(dir, options);
      store.openLog();
      return Promise.resolve(store);
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  protected override createTable(name: string): MemoryTable<unknown> {
    return new DiskTable(name, this);
  }

  private openLog(): void {
    makeDataDir(this.dir, true);
    let created = false;
    try {
      this.fd = openSync(this.path, fs.O_RDWR);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      this.fd = openSync(this.path, fs.O_RDWR | fs.O_CREAT | fs.O_EXCL, PRIVATE_FILE_MODE);
      created = true;
    }
    try {
      fchmodSync(this.fd, PRIVATE_FILE_MODE);
      if (created) syncDirSync(this.dir);
      this.replay(readFileSync(this.path));
    } catch (err) {
      closeSync(this.fd);
      this.fd = -1;
      throw err;
    }
  }

  private replay(buf: Buffer): void {
    const scan = scanLog(buf, this.path);
    let maxVersion = 0;
    for (const [table, key, version, value, deleted] of scan.records) {
      const t = this.table<unknown>(table);
      if (deleted) t.unload(key);
      else t.load(key, value, version);
      maxVersion = Math.max(maxVersion, version);
    }
    this.records = scan.records.length;
    this.advanceVersion(maxVersion);
    this.size = buf.length;
    if (scan.tornAt !== undefined) {
      // The remains of a write that never completed, so never acknowledged.
      ftruncateSync(this.fd, scan.tornAt);
      fsyncSync(this.fd);
      this.size = scan.tornAt;
    }
  }

  /**
   * Appends one record durably at the end of the valid log, or throws `StoreError('unavailable')`
   * having left the log as it was. Called by a table before a write takes effect.
   */
  append(record: LogRecord): void {
    if (this.fd < 0) throw new StoreError('unavailable', 'the disk store is closed');
    if (this.broken) {
      throw new StoreError('unavailable', 'the disk store failed earlier; reopen it', { cause: this.broken });
    }
    const frame = encodeRecord(record);
    try {
      writeFully(this.fd, frame, this.size);
      fdatasyncSync(this.fd);
    } catch (err) {
      this.cutBack(err);
      throw new StoreError('unavailable', `write to ${this.path} failed: ${(err as Error).message}`, {
        cause: err,
      });
    }
    this.size += frame.length;
    this.records++;
  }

  /** Compacts when the log holds mostly dead records; call after a write has taken effect. */
  compactIfDue(): void {
    if (this.records >= this.compactAt && this.records > 4 * this.liveRecords()) this.compact();
  }

  /** Removes the bytes of a failed write, so the next one starts on a record boundary. */
  private cutBack(writeError: unknown): void {
    try {
      ftruncateSync(this.fd, this.size);
    } catch (err) {
      this.broken = new AggregateError([writeError, err], `cannot cut a failed write off ${this.path}`);
    }
  }

  private liveRecords(): number {
    let n = 0;
    for (const name of this.tableNames()) n += (this.table<unknown>(name) as DiskTable<unknown>).liveCount();
    return n;
  }

  /** Rewrites the log with live records only; on failure keeps the old log and tries again later. */
  private compact(): void {
    const tmp = `${this.path}.tmp`;
    let fd = -1;
    let size = 0;
    let count = 0;
    try {
      fd = openSync(tmp, fs.O_RDWR | fs.O_CREAT | fs.O_TRUNC, PRIVATE_FILE_MODE);
      for (const name of this.tableNames()) {
        for (const rec of (this.table<unknown>(name) as DiskTable<unknown>).dump()) {
          const frame = encodeRecord(rec);
          writeFully(fd, frame, size);
          size += frame.length;
          count++;
        }
      }
      fsyncSync(fd);
      renameSync(tmp, this.path);
    } catch (err) {
      if (fd >= 0) closeSync(fd);
      removeQuietly(tmp, this.onCompactionError);
      this.compactAt = this.records * 2;
      this.onCompactionError(err as Error);
      return;
    }
    // From the rename on, the new file is the log: write there whatever happens next.
    closeSync(this.fd);
    this.fd = fd;
    this.size = size;
    this.records = count;
    this.compactAt = Math.max(COMPACT_AFTER, 2 * count);
    try {
      syncDirSync(this.dir);
    } catch (err) {
      // The rename may not survive a crash, and with it the writes that follow: accept none.
      this.broken = err as Error;
      this.onCompactionError(err as Error);
    }
  }

  override close(): Promise<void> {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    return Promise.resolve();
  }
}

/** Removes a leftover temp file; a failure other than "not there" is reported. */
function removeQuietly(path: string, report: (err: Error) => void): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') report(err as Error);
  }
}

/** Writes all of `buf` at `position`, continuing after short writes. */
function writeFully(fd: number, buf: Buffer, position: number): void {
  let done = 0;
  while (done < buf.length) {
    const n = writeSync(fd, buf, done, buf.length - done, position + done);
    if (n <= 0) throw new Error(`write made no progress at byte ${done} of ${buf.length}`);
    done += n;
  }
}
