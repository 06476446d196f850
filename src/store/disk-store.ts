/**
 * A node-local store on disk — the DETS analogue: the same tables and compare-and-set as the memory
 * store, and every acknowledged write survives a crash. Writes append a checksummed record to a log
 * file and fsync before they resolve; opening replays the log and drops a torn tail; the log is
 * rewritten compactly (temp file, fsync, rename) once it holds mostly dead records.
 *
 * ```ts
 * const store = await DiskStore.open('data/cache');
 * await store.table<string>('todos').put('1', 'buy milk');
 * ```
 *
 * When not to use: for state shared by several nodes, use the Raft or CRDT store.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { Packr } from 'msgpackr';
import type { MemoryStoreOptions } from './memory-store.ts';
import { MemoryStore, MemoryTable } from './memory-store.ts';
import type { WriteOptions } from './types.ts';

const packr = new Packr({ useRecords: false });
type LogRecord = [table: string, key: string, version: number, value: unknown, deleted: boolean];

class DiskTable<V> extends MemoryTable<V> {
  private readonly disk: DiskStore;
  constructor(name: string, store: DiskStore) {
    super(name, store);
    this.disk = store;
  }

  override putSync(key: string, value: V, options: WriteOptions = {}): number {
    const version = super.putSync(key, value, options);
    this.disk.append([this.name, key, version, value, false]);
    return version;
  }

  override deleteSync(key: string, options: WriteOptions = {}): void {
    const had = this.entries.has(key);
    super.deleteSync(key, options);
    if (had) this.disk.append([this.name, key, 0, null, true]);
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
  private fd: number;
  private readonly path: string;
  private readonly dir: string;
  private records = 0;

  private constructor(dir: string, options: MemoryStoreOptions) {
    super(options);
    mkdirSync(dir, { recursive: true });
    this.dir = dir;
    this.path = join(dir, 'store.log');
    this.fd = -1;
  }

  /** Open (or create) the store in `dir`, replaying its log. */
  static open(dir: string, options: MemoryStoreOptions = {}): Promise<DiskStore> {
    const store = new DiskStore(dir, options);
    store.replay();
    store.fd = openSync(store.path, 'a');
    return Promise.resolve(store);
  }

  protected override createTable(name: string): MemoryTable<unknown> {
    return new DiskTable(name, this);
  }

  private replay(): void {
    if (!existsSync(this.path)) return;
    const buf = readFileSync(this.path);
    let off = 0;
    let maxVersion = 0;
    while (off + 8 <= buf.length) {
      const len = buf.readUInt32BE(off);
      const sum = buf.readUInt32BE(off + 4);
      if (off + 8 + len > buf.length) break;
      const body = buf.subarray(off + 8, off + 8 + len);
      if (crc32(body) !== sum) break;
      const [table, key, version, value, deleted] = packr.unpack(body) as LogRecord;
      const t = this.table<unknown>(table);
      if (deleted) t.unload(key);
      else t.load(key, value, version);
      maxVersion = Math.max(maxVersion, version);
      this.records++;
      off += 8 + len;
    }
    this.advanceVersion(maxVersion);
    if (off < buf.length) {
      // A torn or corrupt tail: keep the valid prefix.
      this.rewrite();
    }
  }

  /** Append one record durably (fsync) before the write is acknowledged. */
  append(record: LogRecord): void {
    const body = packr.pack(record);
    const head = Buffer.alloc(8);
    head.writeUInt32BE(body.length, 0);
    head.writeUInt32BE(crc32(body), 4);
    writeSync(this.fd, Buffer.concat([head, body]));
    fsyncSync(this.fd);
    this.records++;
    if (this.records > 1000 && this.records > 4 * this.liveRecords()) this.compact();
  }

  private liveRecords(): number {
    let n = 0;
    for (const name of this.tableNames()) n += (this.table<unknown>(name) as DiskTable<unknown>).liveCount();
    return n;
  }

  private compact(): void {
    closeSync(this.fd);
    this.rewrite();
    this.fd = openSync(this.path, 'a');
  }

  private rewrite(): void {
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, 'w');
    let count = 0;
    for (const name of this.tableNames()) {
      for (const rec of (this.table<unknown>(name) as DiskTable<unknown>).dump()) {
        const body = packr.pack(rec);
        const head = Buffer.alloc(8);
        head.writeUInt32BE(body.length, 0);
        head.writeUInt32BE(crc32(body), 4);
        writeSync(fd, Buffer.concat([head, body]));
        count++;
      }
    }
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.path);
    const dir = openSync(this.dir, 'r');
    fsyncSync(dir);
    closeSync(dir);
    this.records = count;
  }

  override close(): Promise<void> {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    return Promise.resolve();
  }
}
