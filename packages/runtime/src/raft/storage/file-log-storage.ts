/**
 * `FileLogStorage`: the durable `LogStorage`. The log lives in segment files of checksummed records
 * written one after the other (`wal-<seq>.log`, format in `wal-codec.ts`); the active segment's
 * file is extended ahead of its records (`PREALLOCATE_BYTES` of zeros), so a write does not grow
 * it, and cut to its records when the next segment starts; term, vote and commit in an
 * atomically replaced `hardstate` file; the latest snapshot in `snap-<index>.snap`.
 *
 * Example:
 * ```ts
 * const storage = await FileLogStorage.open('/var/lib/gotham/raft');
 * const node = new RawNode({ id: 'gotham', rng }, storage.initialState());
 * await storage.save({ entries: rd.entries, hardState: rd.hardState, snapshot: rd.snapshot });
 * ```
 *
 * Durability:
 * - Log writes (`writes` option). Segments are opened with `O_DSYNC` (with `fsync`), so one
 *   `write` of a batch is durable when it completes — no separate `fdatasync`. `'inline'` (the
 *   default): that write is synchronous, on the calling thread, so `save` has already reached the
 *   disk when it returns (its promise is resolved). The thread sleeps in the kernel for the flush
 *   (0.2–0.5 ms on an SSD) instead of handing the work to libuv's thread pool and being woken when
 *   it is done — on a busy machine that wake-up can cost more than the flush. `'threadpool'`:
 *   every batch's write on the thread pool; the event loop runs on during the flush. A batch may
 *   choose for itself (`StorageBatch.inline`; the Raft driver's `'leader-inline'` asks inline
 *   while leading): batches written together go to the thread pool if one of them asked for it.
 *   Snapshot and hard state files, rollover and compaction are asynchronous in both modes; a save
 *   that finds one of them queued waits its turn, so order is kept.
 * - Group commit: every save queued while a write is in progress goes out in one `write`; each
 *   batch's promise resolves only once that write is durable.
 * - A change of term or vote is written to `hardstate` (temp file, fsync, rename, directory fsync)
 *   before the batch resolves, so it is durable before the node acts on it (sends a vote, etc.).
 *   A commit-only change is a small record in the log, not a file replacement.
 * - A snapshot file is written the same atomic way, then a snapshot record is logged.
 * - Recovery replays the segments; zeros after the last record are preallocated space. A short or
 *   checksum-failing frame at the end of the last segment (only zeros, or nothing, after it) is a
 *   torn write: the file is truncated to the valid prefix. A damaged frame followed
 *   by a valid one, or damage in an older segment, is corruption: `open` throws
 *   `StorageCorruptError` rather than silently dropping acknowledged entries.
 * - Segments roll over at `segmentBytes`; `compact(i)` deletes segments whose entries are all <= i.
 *
 * Assumptions: a single process owns the directory; fsync means what POSIX says (the disk does not
 * lie about flushes).
 *
 * When not to use: when nothing needs to survive the process, `MemoryLogStorage` is cheaper.
 */
import { constants as fsConstants, ftruncateSync, writeSync } from 'node:fs';
import { open, readdir, readFile, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { HardState, Snapshot } from '../core/types.ts';
import {
  StorageClosedError,
  StorageCorruptError,
  type LogStorage,
  type StorageBatch,
} from './log-storage.ts';
import { LogState } from './log-state.ts';
import { asError, LogStateReader } from './log-state-reader.ts';
import {
  decodeSnapshot,
  inFile,
  parseSnapshotFileName,
  readHardState,
  snapshotFileName,
  syncDir,
  writeHardState,
  writeSnapshot,
} from './storage-files.ts';
import { decodeRecords, encodeRecord, type WalRecord } from './wal-codec.ts';
import { makeDataDir, PRIVATE_FILE_MODE } from './durable-dir.ts';

export interface FileLogStorageOptions {
  /**
   * Size at which the active segment is closed and a new one started. Default 64 MiB: big enough
   * that rollover (a file creation and a directory fsync) is rare, small enough that compaction
   * frees space in useful steps.
   */
  readonly segmentBytes?: number;
  /**
   * Make writes durable (`O_DSYNC` segments, fsync of files and directories). Default true. Turn
   * off only where durability does not matter (tests that simulate crashes by editing files, CPU
   * benchmarks); a crash may then lose resolved saves.
   */
  readonly fsync?: boolean;
  /**
   * How log records reach the disk: `'inline'` (default; one synchronous write per batch to an
   * `O_DSYNC` segment, on the calling thread) or `'threadpool'` (the same write on libuv's thread
   * pool). See the module header. Without `fsync` both write without syncing.
   */
  readonly writes?: LogWrites;
}

export type LogWrites = 'inline' | 'threadpool';

const SEGMENT_FLAGS = fsConstants.O_WRONLY | fsConstants.O_CREAT;
/**
 * The active segment's file is extended this far beyond what is written, in one step, so that a
 * log write lands inside the file: an `O_DSYNC` write that grows the file must also make its new
 * size durable (a journal commit), one inside it only its data — 190 against 240 µs a write
 * here, three members writing at once. Recovery reads the zeros after the last record as the end.
 */
const PREALLOCATE_BYTES = 1024 * 1024;

interface Segment {
  readonly seq: number;
  readonly name: string;
  /** Bytes of records written (where the next one goes). */
  size: number;
  /** Length of the file: `size` plus the zeros preallocated after it (active segment). */
  allocated: number;
  /** Highest entry index written to this segment (0 if none). */
  maxIndex: number;
}

interface SaveJob {
  readonly type: 'save';
  readonly snapshot: Snapshot | null;
  readonly hardStateFile: HardState | null;
  readonly records: WalRecord[];
  /** Its records may be written on this thread (the batch's hint, else the storage's mode). */
  readonly inline: boolean;
  readonly tailBefore: { index: number; term: number };
  /** Commit index as logged before this job. */
  readonly commitBefore: number;
  resolve(): void;
  reject(err: Error): void;
}

interface CompactJob {
  readonly type: 'compact';
  readonly index: number;
  resolve(): void;
  reject(err: Error): void;
}

type Job = SaveJob | CompactJob;

const SEGMENT_RE = /^wal-([0-9a-f]{16})\.log$/;

function segmentName(seq: number): string {
  return `wal-${seq.toString(16).padStart(16, '0')}.log`;
}

export class FileLogStorage extends LogStateReader implements LogStorage {
  private readonly dir: string;
  private readonly segmentBytes: number;
  private readonly fsync: boolean;
  /** Log writes are synchronous, on this thread. */
  private readonly inline: boolean;
  private readonly segments: Segment[];
  private active: FileHandle;
  private snapshotFiles: string[];
  /** Term and vote as last queued for the hardstate file, and the last commit logged. */
  private queuedHs: HardState;
  private queuedCommit: number;
  private queue: Job[] = [];
  private writer: Promise<void> | null = null;
  private failure: Error | null = null;
  private closed = false;

  private constructor(
    dir: string,
    opts: { segmentBytes: number; fsync: boolean; writes: LogWrites },
    recovered: { state: LogState; segments: Segment[]; active: FileHandle; snapshotFiles: string[] },
  ) {
    super(recovered.state);
    this.dir = dir;
    this.segmentBytes = opts.segmentBytes;
    this.fsync = opts.fsync;
    this.inline = opts.writes === 'inline';
    this.segments = recovered.segments;
    this.active = recovered.active;
    this.snapshotFiles = recovered.snapshotFiles;
    this.queuedHs = this.state.hardState();
    this.queuedCommit = this.queuedHs.commit;
  }

  /** Opens (creating if needed) the storage in `dir` and recovers its state. */
  static async open(dir: string, options: FileLogStorageOptions = {}): Promise<FileLogStorage> {
    const segmentBytes = options.segmentBytes ?? 64 * 1024 * 1024;
    const fsync = options.fsync ?? true;
    const writes = options.writes ?? 'inline';
    makeDataDir(dir, fsync);
    const names = (await readdir(dir)).sort();
    for (const n of names) if (n.endsWith('.tmp')) await unlink(join(dir, n));

    const hs = (await readHardState(dir)) ?? { term: 0, vote: null, commit: 0 };
    const snapNames = names.filter((n) => parseSnapshotFileName(n) !== null);
    const latestName = snapNames[snapNames.length - 1];
    const snapshotPath = latestName === undefined ? null : join(dir, latestName);
    const snapshotBytes = snapshotPath === null ? null : await readFile(snapshotPath);
    const snapshot =
      snapshotPath === null || snapshotBytes === null
        ? null
        : inFile(snapshotPath, () => decodeSnapshot(snapshotBytes));
    for (const old of snapNames.slice(0, -1)) await unlink(join(dir, old));

    const state = new LogState();
    const segments: Segment[] = [];
    let commit = hs.commit;
    let compactTo = 0;
    const segNames = names.filter((n) => SEGMENT_RE.test(n));
    for (let i = 0; i < segNames.length; i++) {
      const name = segNames[i]!;
      const path = join(dir, name);
      const buf = await readFile(path);
      const decoded = decodeRecords(buf);
      if (decoded.damage !== null) {
        const last = i === segNames.length - 1;
        if (!last || decoded.damage.validFrameFollows) {
          const { offset } = decoded.damage;
          throw new StorageCorruptError(
            `log segment ${path} is damaged at byte ${offset}` +
              (last ? ' and valid records follow' : ' and is not the last segment') +
              ': refusing to start rather than drop acknowledged entries (restore this member from a ' +
              'backup, or remove its data directory so it rejoins empty and is caught up by the leader)',
            { file: path, offset },
          );
        }
        // Torn tail of the last write: drop it (it was never acknowledged).
        const fh = await open(path, 'r+');
        try {
          await fh.truncate(decoded.validBytes);
          if (fsync) await fh.sync();
        } finally {
          await fh.close();
        }
      }
      const seg: Segment = {
        seq: Number.parseInt(SEGMENT_RE.exec(name)![1]!, 16),
        name,
        size: decoded.validBytes,
        allocated: decoded.damage === null ? buf.length : decoded.validBytes,
        maxIndex: 0,
      };
      segments.push(seg);
      for (const [k, r] of decoded.records.entries()) {
        try {
          switch (r.kind) {
            case 'segment-start':
              // Only the oldest remaining segment needs it: older segments were compacted away.
              if (i === 0 && k === 0) state.startAt(r.index, r.term);
              break;
            case 'entry':
              state.appendEntries([r.entry]);
              seg.maxIndex = Math.max(seg.maxIndex, r.entry.index);
              break;
            case 'snapshot':
              // A snapshot below the log's start covers compacted, committed entries: it matched.
              if (r.index >= state.firstIndex() - 1) state.rebase(r.index, r.term);
              break;
            case 'commit':
              commit = r.index;
              break;
            case 'compact':
              compactTo = Math.max(compactTo, r.index);
              break;
          }
        } catch (cause) {
          throw new StorageCorruptError(`log segment ${name} does not replay (record ${k})`, { cause });
        }
      }
    }
    if (snapshot !== null) {
      if (state.firstIndex() - 1 > snapshot.index) {
        throw new StorageCorruptError(`log starts at ${state.firstIndex()} after snapshot ${snapshot.index}`);
      }
      state.applySnapshot(snapshot);
      const to = Math.min(compactTo, snapshot.index);
      if (to > state.firstIndex() - 1) state.compact(to);
    }
    state.setHardState({ ...hs, commit });

    let active: FileHandle;
    const lastSeg = segments[segments.length - 1];
    if (lastSeg === undefined) {
      const seg: Segment = { seq: 1, name: segmentName(1), size: 0, allocated: 0, maxIndex: 0 };
      active = await openSegment(join(dir, seg.name), fsync);
      const start = encodeRecord({ kind: 'segment-start', ...state.tail() });
      await writeAll(active, start, 0);
      await syncDir(dir, fsync);
      seg.size = seg.allocated = start.length;
      segments.push(seg);
    } else {
      active = await openSegment(join(dir, lastSeg.name), fsync);
    }
    const snapshotFiles = latestName === undefined ? [] : [latestName];
    return new FileLogStorage(
      dir,
      { segmentBytes, fsync, writes },
      { state, segments, active, snapshotFiles },
    );
  }

  save(batch: StorageBatch): Promise<void> {
    const err = this.unusable();
    if (err !== null) return Promise.reject(err);
    const tailBefore = this.state.tail();
    const commitBefore = this.queuedCommit;
    const records: WalRecord[] = [];
    let snapshot: Snapshot | null = null;
    let hardStateFile: HardState | null = null;
    try {
      if (batch.snapshot !== undefined && this.state.applySnapshot(batch.snapshot)) {
        snapshot = batch.snapshot;
        records.push({ kind: 'snapshot', index: snapshot.index, term: snapshot.term });
      }
      if (batch.entries !== undefined && batch.entries.length > 0) {
        this.state.appendEntries(batch.entries);
        for (const entry of batch.entries) records.push({ kind: 'entry', entry });
      }
    } catch (cause) {
      // The in-memory image may be half-updated: refuse further use rather than diverge from disk.
      this.failure = asError(cause);
      return Promise.reject(this.failure);
    }
    const hs = batch.hardState;
    if (hs !== undefined) {
      this.state.setHardState(hs);
      if (hs.term !== this.queuedHs.term || hs.vote !== this.queuedHs.vote) {
        hardStateFile = hs;
        this.queuedHs = hs;
      }
      // The log's last commit record is the commit index; the file's is only a fallback.
      if (hardStateFile !== null || hs.commit !== this.queuedCommit) {
        records.push({ kind: 'commit', index: hs.commit });
        this.queuedCommit = hs.commit;
      }
    }
    if (snapshot === null && hardStateFile === null && records.length === 0) return Promise.resolve();
    const inline = batch.inline ?? this.inline;
    if (inline && snapshot === null && hardStateFile === null && this.idle()) {
      // Nothing queued ahead of it: write now, on this thread.
      const frames = records.map(encodeRecord);
      const bytes = frames.reduce((n, f) => n + f.length, 0);
      const seg = this.current();
      if (seg.size === 0 || seg.size + bytes <= this.segmentBytes) {
        try {
          this.writeInline(Buffer.concat(frames, bytes));
        } catch (cause) {
          this.failure = asError(cause);
          return Promise.reject(
            new StorageClosedError('file log storage write failed', { cause: this.failure }),
          );
        }
        this.noteEntries(records);
        return Promise.resolve();
      }
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({
        type: 'save',
        snapshot,
        hardStateFile,
        records,
        inline,
        tailBefore,
        commitBefore,
        resolve,
        reject,
      });
      this.kick();
    });
  }

  compact(index: number): Promise<void> {
    const err = this.unusable();
    if (err !== null) return Promise.reject(err);
    try {
      this.state.compact(index);
    } catch (cause) {
      return Promise.reject(asError(cause));
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ type: 'compact', index, resolve, reject });
      this.kick();
    });
  }

  /** Names of the segment files, oldest first (for tests and tooling). */
  segmentNames(): string[] {
    return this.segments.map((s) => s.name);
  }

  /**
   * Bytes of records in the active segment (for tests and tooling): where its next record goes.
   * Its file is longer by the zeros preallocated after them.
   */
  activeSegmentBytes(): number {
    return this.current().size;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.writer !== null) await this.writer;
    await this.active.close();
  }

  private unusable(): Error | null {
    if (this.closed) return new StorageClosedError('file log storage is closed');
    if (this.failure !== null) {
      return new StorageClosedError('file log storage failed earlier and is unusable', {
        cause: this.failure,
      });
    }
    return null;
  }

  /** No job queued or being carried out. */
  private idle(): boolean {
    return this.writer === null && this.queue.length === 0;
  }

  /** Appends `buf` to the active segment with synchronous writes (durable on return with O_DSYNC). */
  private writeInline(buf: Buffer): void {
    const fd = this.active.fd;
    const seg = this.current();
    let off = 0;
    try {
      this.preallocate(seg, buf.length);
      while (off < buf.length) {
        const n = writeSync(fd, buf, off, buf.length - off, seg.size + off);
        if (n <= 0) throw new Error(`log segment write made no progress at byte ${off} of ${buf.length}`);
        off += n;
      }
    } catch (err) {
      throw this.cutBack(err, () => this.cutTo(seg));
    }
    seg.size += buf.length;
  }

  /** Extends the active segment's file, when `bytes` more would not fit, by `PREALLOCATE_BYTES`. */
  private preallocate(seg: Segment, bytes: number): void {
    if (seg.size + bytes <= seg.allocated) return;
    const length = seg.size + bytes + PREALLOCATE_BYTES;
    ftruncateSync(this.active.fd, length);
    seg.allocated = length;
  }

  /** Cuts the active segment's file back to its records (after a failed write). */
  private cutTo(seg: Segment): void {
    ftruncateSync(this.active.fd, seg.size);
    seg.allocated = seg.size;
  }

  /**
   * After a failed write (ENOSPC, EIO), removes its partial bytes so the segment ends on a record
   * boundary again, and returns the error to raise. The storage is unusable afterwards either way
   * (the member stops); the cut keeps the unacknowledged batch out of the log on restart.
   */
  private cutBack(writeError: unknown, truncate: () => void): Error {
    try {
      truncate();
    } catch (err) {
      return new AggregateError([writeError, err], 'log write failed and its partial bytes remain');
    }
    return asError(writeError);
  }

  private noteEntries(records: readonly WalRecord[]): void {
    const seg = this.current();
    for (const r of records) if (r.kind === 'entry') seg.maxIndex = Math.max(seg.maxIndex, r.entry.index);
  }

  private kick(): void {
    if (this.writer !== null) return;
    this.writer = this.drain().finally(() => {
      this.writer = null;
      if (this.queue.length > 0) this.kick();
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const jobs = this.queue;
      this.queue = [];
      try {
        if (this.failure !== null) throw this.failure;
        await this.run(jobs);
        for (const j of jobs) j.resolve();
      } catch (cause) {
        this.failure ??= asError(cause);
        const err = new StorageClosedError('file log storage write failed', { cause: this.failure });
        for (const j of jobs) j.reject(err);
      }
    }
  }

  /** Carries out queued jobs in order with one durable write for all their log records. */
  private async run(jobs: Job[]): Promise<void> {
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    // One batch that asked for the thread pool sends the group's writes there.
    const inline = jobs.some((j) => j.type === 'save')
      ? jobs.every((j) => j.type !== 'save' || j.inline)
      : this.inline;
    const flush = async (): Promise<void> => {
      if (pendingBytes === 0) return;
      const buf = Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
      if (inline) {
        this.writeInline(buf);
        return;
      }
      const seg = this.current();
      try {
        this.preallocate(seg, buf.length);
        await writeAll(this.active, buf, seg.size);
      } catch (err) {
        throw this.cutBack(err, () => this.cutTo(seg));
      }
      seg.size += buf.length;
    };
    for (const job of jobs) {
      if (job.type === 'compact') {
        pending.push(encodeRecord({ kind: 'compact', index: job.index }));
        pendingBytes += pending[pending.length - 1]!.length;
        await flush();
        await this.deleteSegmentsUpTo(job.index);
        continue;
      }
      if (job.snapshot !== null) {
        await writeSnapshot(this.dir, job.snapshot, this.fsync);
        await this.dropOldSnapshots(snapshotFileName(job.snapshot.index));
      }
      if (job.hardStateFile !== null) await writeHardState(this.dir, job.hardStateFile, this.fsync);
      const frames = job.records.map(encodeRecord);
      const bytes = frames.reduce((n, f) => n + f.length, 0);
      const seg = this.current();
      if (bytes > 0 && seg.size + pendingBytes > 0 && seg.size + pendingBytes + bytes > this.segmentBytes) {
        await flush();
        await this.rollover(job.tailBefore, job.commitBefore);
      }
      this.noteEntries(job.records);
      pending.push(...frames);
      pendingBytes += bytes;
    }
    await flush();
  }

  private current(): Segment {
    return this.segments[this.segments.length - 1]!;
  }

  private async rollover(tail: { index: number; term: number }, commit: number): Promise<void> {
    const seq = this.current().seq + 1;
    const seg: Segment = { seq, name: segmentName(seq), size: 0, allocated: 0, maxIndex: 0 };
    const fh = await openSegment(join(this.dir, seg.name), this.fsync);
    // Each segment opens with the log position and commit index before it, so the oldest
    // remaining segment is enough to replay from once older ones are deleted.
    const start = Buffer.concat([
      encodeRecord({ kind: 'segment-start', index: tail.index, term: tail.term }),
      encodeRecord({ kind: 'commit', index: commit }),
    ]);
    await writeAll(fh, start, 0);
    await syncDir(this.dir, this.fsync);
    // The finished segment keeps its records only, not the preallocated zeros.
    const done = this.current();
    await this.active.truncate(done.size);
    done.allocated = done.size;
    await this.active.close();
    this.active = fh;
    seg.size = seg.allocated = start.length;
    this.segments.push(seg);
  }

  private async deleteSegmentsUpTo(index: number): Promise<void> {
    let n = 0;
    // Never the active segment; only a prefix, so the oldest remaining one starts the log.
    while (n < this.segments.length - 1 && this.segments[n]!.maxIndex <= index) n++;
    if (n === 0) return;
    const doomed = this.segments.splice(0, n);
    for (const s of doomed) await unlink(join(this.dir, s.name));
    await syncDir(this.dir, this.fsync);
  }

  private async dropOldSnapshots(keep: string): Promise<void> {
    const old = this.snapshotFiles.filter((n) => n !== keep);
    this.snapshotFiles = [keep];
    for (const n of old) await unlink(join(this.dir, n));
  }
}

/** Opens a segment for writing (at explicit positions); with `dsync` every completed write is durable (O_DSYNC). */
function openSegment(path: string, dsync: boolean): Promise<FileHandle> {
  return open(path, dsync ? SEGMENT_FLAGS | fsConstants.O_DSYNC : SEGMENT_FLAGS, PRIVATE_FILE_MODE);
}

/** Writes all of `buf` at `position` (a write may be short, e.g. on a nearly full disk). */
async function writeAll(fh: FileHandle, buf: Buffer, position: number): Promise<void> {
  let off = 0;
  while (off < buf.length) {
    const { bytesWritten } = await fh.write(buf, off, buf.length - off, position + off);
    if (bytesWritten <= 0)
      throw new Error(`log segment write made no progress at byte ${off} of ${buf.length}`);
    off += bytesWritten;
  }
}
