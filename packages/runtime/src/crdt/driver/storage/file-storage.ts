/**
 * `FileCrdtStorage`: a durable CRDT replica's files, in one directory owned by one process
 * (`data/<city>/crdt` on the demo cluster).
 *
 * - `log-<gen>.crdt`: the records appended since state `gen` was written, one checksummed frame
 *   each (`codec.ts`), appended with one synchronous `write` per record.
 * - `state-<gen>.crdt`: the whole replica at the moment generation `gen` began (none for
 *   generation 0), replaced atomically: temp file, fsync, rename, fsync of the directory.
 *
 * Example:
 * ```ts
 * const storage = FileCrdtStorage.open('data/gotham/crdt', { fsync: 'interval' });
 * const driver = CrdtDriver.start({ node, storage });   // restores storage.image
 * ```
 *
 * Recovery (`open`): load the newest state, replay every log of that generation or later. An
 * incomplete or checksum-failing frame at the end of the newest log, with nothing valid after it,
 * is a torn write: the log is cut back to its valid prefix (the record was never acknowledged:
 * `append` had not returned). Damage anywhere else (a bad frame followed by a valid one, an older
 * log, the state file, a frame whose checksum holds but whose content is malformed) throws
 * `CrdtStorageCorruptError` naming the file and byte offset: a replica must not quietly start
 * without writes it had acknowledged. Leftovers of an interrupted compaction (temp files, logs and
 * states of older generations) are removed.
 *
 * Compaction (`compact`): write `state-<gen+1>`, start `log-<gen+1>`, then delete generation
 * `gen`. A crash in between leaves either the old generation complete or the new state, whose
 * generation wins on the next start. `wipe` is a compaction to the empty state.
 *
 * Cost: a put's record is about its MessagePack value plus 70 B. Writes and fsyncs are synchronous
 * on the calling thread except the `'interval'` fsync, which runs on libuv's thread pool; a
 * compaction writes the whole state synchronously (a few ms at 10k records).
 *
 * When not to use: several processes on one directory; use one directory per node.
 */
import {
  closeSync,
  fdatasync,
  fdatasyncSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { DurableImage, DurableRecord, DurableState } from '../../core/durable.ts';
import {
  decodeRecord,
  decodeState,
  encodeRecordFrame,
  encodeStateFrame,
  FRAME_HEADER,
  scanFrames,
} from './codec.ts';
import { makeDataDir, PRIVATE_FILE_MODE } from '../../../raft/storage/durable-dir.ts';
import {
  CrdtStorageClosedError,
  CrdtStorageCorruptError,
  DEFAULT_COMPACT_BYTES,
  type CrdtStorage,
  type CrdtStorageStats,
  type FsyncPolicy,
} from './storage.ts';

export interface FileCrdtStorageOptions {
  /** When appended records are fsynced. Default `'interval'` (see `FsyncPolicy`). */
  readonly fsync?: FsyncPolicy;
  /**
   * Period of the `'interval'` fsync, ms. Default 100: a power cut of the host loses at most the
   * last 100 ms of this replica's records (peers that hold them give them back), for at most ten
   * fsyncs a second, off the event loop.
   */
  readonly fsyncIntervalMs?: number;
  /** Compact once the log has this many bytes and outgrew the state. Default 4 MiB. */
  readonly compactBytes?: number;
  /** Told about repaired torn tails, leftovers removed and failed background fsyncs. */
  readonly logger?: Logger;
}

const EMPTY_STATE: DurableState<never> = {
  map: { entries: [], ctx: { vv: [], cloud: [] } },
  applied: { vv: [], cloud: [] },
  retired: [],
  bootstrapped: false,
};

const logName = (gen: number): string => `log-${gen.toString(16).padStart(16, '0')}.crdt`;
const stateName = (gen: number): string => `state-${gen.toString(16).padStart(16, '0')}.crdt`;

function genOf(name: string, kind: 'log' | 'state'): number | undefined {
  const m = new RegExp(`^${kind}-([0-9a-f]{16})\\.crdt$`).exec(name);
  return m === null ? undefined : Number.parseInt(m[1]!, 16);
}

export class FileCrdtStorage<V = unknown> implements CrdtStorage<V> {
  readonly dir: string;
  readonly image: DurableImage<V>;
  readonly #policy: FsyncPolicy;
  readonly #intervalMs: number;
  readonly #compactBytes: number;
  readonly #log: Logger | undefined;
  #gen: number;
  #fd: number;
  #logBytes: number;
  #stateBytes: number;
  #dirty = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** fds with a background fdatasync in flight, and those to close once it is done. */
  readonly #syncing = new Map<number, Promise<void>>();
  readonly #closeAfterSync = new Set<number>();
  #failure: Error | undefined;
  #closed = false;
  #appends = 0;
  #bytes = 0;
  #fsyncs = 0;
  #compactions = 0;

  /** Opens (creating it if needed) and recovers `dir`. Throws `CrdtStorageCorruptError`. */
  static open<V = unknown>(dir: string, options: FileCrdtStorageOptions = {}): FileCrdtStorage<V> {
    return new FileCrdtStorage<V>(dir, options);
  }

  private constructor(dir: string, o: FileCrdtStorageOptions) {
    this.dir = dir;
    this.#policy = o.fsync ?? 'interval';
    this.#intervalMs = o.fsyncIntervalMs ?? 100;
    this.#compactBytes = o.compactBytes ?? DEFAULT_COMPACT_BYTES;
    this.#log = o.logger;
    if (!['always', 'interval', 'never'].includes(this.#policy))
      throw new Error(`unknown fsync policy ${this.#policy}`);
    if (!(this.#intervalMs > 0)) throw new Error(`fsyncIntervalMs must be > 0, got ${this.#intervalMs}`);
    makeDataDir(dir, this.#policy !== 'never');
    const recovered = this.#recover();
    this.image = recovered.image;
    this.#gen = recovered.gen;
    this.#stateBytes = recovered.stateBytes;
    this.#logBytes = recovered.logBytes;
    this.#fd = openSync(join(dir, logName(this.#gen)), 'a', PRIVATE_FILE_MODE);
    this.#syncDir();
  }

  #recover(): { image: DurableImage<V>; gen: number; stateBytes: number; logBytes: number } {
    const names = readdirSync(this.dir);
    for (const name of names) if (name.endsWith('.tmp')) this.#remove(name, 'an interrupted state write');
    const states = names.map((n) => genOf(n, 'state')).filter((g): g is number => g !== undefined);
    const logs = names.map((n) => genOf(n, 'log')).filter((g): g is number => g !== undefined);
    const base = states.length === 0 ? 0 : Math.max(...states);
    let state: DurableState<V> | undefined;
    let stateBytes = 0;
    if (states.length > 0) {
      const file = stateName(base);
      const buf = readFileSync(join(this.dir, file));
      stateBytes = buf.length;
      const scan = scanFrames(buf);
      if (scan.damage !== null || scan.payloads.length !== 1)
        throw new CrdtStorageCorruptError(
          join(this.dir, file),
          scan.damage?.offset ?? 0,
          'the state frame is not valid',
        );
      state = this.#decode(file, 0, () => decodeState(scan.payloads[0]!)) as DurableState<V>;
      if (isEmptyState(state)) state = undefined;
    }
    for (const g of states) if (g < base) this.#remove(stateName(g), 'a state of an older generation');
    for (const g of logs) if (g < base) this.#remove(logName(g), 'a log of an older generation');
    const replay = logs.filter((g) => g >= base).sort((a, b) => a - b);
    const records: DurableRecord<V>[] = [];
    let logBytes = 0;
    replay.forEach((g, i) => {
      const file = logName(g);
      const path = join(this.dir, file);
      const buf = readFileSync(path);
      const scan = scanFrames(buf);
      let offset = 0;
      for (const payload of scan.payloads) {
        records.push(this.#decode(file, offset, () => decodeRecord(payload)) as DurableRecord<V>);
        offset += FRAME_HEADER + payload.length;
      }
      if (scan.damage !== null) {
        const last = i === replay.length - 1;
        if (!last || scan.damage.validFrameFollows)
          throw new CrdtStorageCorruptError(path, scan.damage.offset, 'a frame fails its checksum or length');
        const fd = openSync(path, 'r+');
        try {
          ftruncateSync(fd, scan.validBytes);
          if (this.#policy !== 'never') fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
        this.#log?.warn(
          { file: path, offset: scan.damage.offset, cut: buf.length - scan.validBytes },
          'CRDT log ended in a torn write; cut back to its last complete record',
        );
      }
      logBytes += scan.validBytes;
    });
    const gen = replay.length === 0 ? base : replay[replay.length - 1]!;
    return { image: { state, records }, gen, stateBytes, logBytes };
  }

  #decode<T>(file: string, offset: number, decode: () => T): T {
    try {
      return decode();
    } catch (cause) {
      throw new CrdtStorageCorruptError(
        join(this.dir, file),
        offset,
        'a checksummed frame has a malformed payload',
        {
          cause,
        },
      );
    }
  }

  #remove(name: string, what: string): void {
    unlinkSync(join(this.dir, name));
    this.#log?.info({ file: join(this.dir, name) }, `removed ${what}`);
  }

  append(record: DurableRecord<V>): void {
    this.#assertUsable();
    const frame = encodeRecordFrame(record);
    let done = 0;
    while (done < frame.length) done += writeSync(this.#fd, frame, done, frame.length - done);
    this.#appends++;
    this.#bytes += frame.length;
    this.#logBytes += frame.length;
    this.#dirty = true;
  }

  commit(): void {
    this.#assertUsable();
    if (!this.#dirty) return;
    if (this.#policy === 'always') {
      fdatasyncSync(this.#fd);
      this.#fsyncs++;
      this.#dirty = false;
    } else if (this.#policy === 'interval' && this.#timer === undefined) {
      this.#timer = setTimeout(() => this.#backgroundSync(), this.#intervalMs);
    }
  }

  #backgroundSync(): void {
    this.#timer = undefined;
    if (this.#closed || !this.#dirty) return;
    this.#dirty = false;
    const fd = this.#fd;
    if (this.#syncing.has(fd)) {
      this.#dirty = true; // the next interval covers what this one would have
      this.commit();
      return;
    }
    this.#fsyncs++;
    const done = new Promise<void>((resolve) => {
      fdatasync(fd, (err) => {
        this.#syncing.delete(fd);
        if (this.#closeAfterSync.delete(fd)) closeSync(fd);
        if (err !== null) {
          this.#failure = err;
          this.#log?.error({ err, dir: this.dir }, 'CRDT log fsync failed; the replica stops writing');
        }
        resolve();
      });
    });
    this.#syncing.set(fd, done);
  }

  wantsCompaction(): boolean {
    return this.#logBytes >= Math.max(this.#compactBytes, this.#stateBytes);
  }

  compact(state: DurableState<V>): void {
    this.#assertUsable();
    const next = this.#gen + 1;
    const frame = encodeStateFrame(state);
    this.#writeAtomic(stateName(next), frame);
    const fd = openSync(join(this.dir, logName(next)), 'a', PRIVATE_FILE_MODE);
    this.#syncDir();
    const old = this.#gen;
    this.#release(this.#fd);
    this.#fd = fd;
    this.#gen = next;
    this.#dirty = false;
    for (const name of [logName(old), stateName(old)]) {
      try {
        unlinkSync(join(this.dir, name));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    this.#bytes += frame.length;
    this.#stateBytes = frame.length;
    this.#logBytes = 0;
    this.#compactions++;
  }

  wipe(): void {
    this.compact(EMPTY_STATE);
  }

  stats(): CrdtStorageStats {
    return {
      appends: this.#appends,
      bytes: this.#bytes,
      fsyncs: this.#fsyncs,
      compactions: this.#compactions,
      logBytes: this.#logBytes,
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    await Promise.all([...this.#syncing.values()]);
    if (this.#dirty && this.#policy !== 'never' && this.#failure === undefined) {
      fdatasyncSync(this.#fd);
      this.#fsyncs++;
    }
    closeSync(this.#fd);
  }

  #writeAtomic(name: string, data: Buffer): void {
    const tmp = join(this.dir, `${name}.tmp`);
    const fd = openSync(tmp, 'w', PRIVATE_FILE_MODE);
    try {
      let done = 0;
      while (done < data.length) done += writeSync(fd, data, done, data.length - done);
      if (this.#policy !== 'never') {
        fsyncSync(fd);
        this.#fsyncs++;
      }
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, join(this.dir, name));
  }

  #syncDir(): void {
    if (this.#policy === 'never') return;
    const fd = openSync(this.dir, 'r');
    try {
      fsyncSync(fd);
      this.#fsyncs++;
    } finally {
      closeSync(fd);
    }
  }

  /** Closes an old log's fd, after its background fsync if one is in flight. */
  #release(fd: number): void {
    if (this.#syncing.has(fd)) this.#closeAfterSync.add(fd);
    else closeSync(fd);
  }

  #assertUsable(): void {
    if (this.#closed) throw new CrdtStorageClosedError();
    if (this.#failure !== undefined) throw this.#failure;
  }
}

function isEmptyState(s: DurableState<unknown>): boolean {
  return (
    s.map.entries.length === 0 &&
    s.map.ctx.vv.length === 0 &&
    s.map.ctx.cloud.length === 0 &&
    s.applied.vv.length === 0 &&
    s.applied.cloud.length === 0 &&
    s.retired.length === 0 &&
    !s.bootstrapped
  );
}

/** Bytes the directory's files take (for tests and the benchmark). */
export function storageBytes(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) total += statSync(join(dir, name)).size;
  return total;
}
