/**
 * The small files of `FileLogStorage` beside its log segments, each replaced atomically
 * (write a temp file, fsync it, rename over the old one, fsync the directory):
 *
 * - `hardstate`: term, vote and commit — `u32 length | u32 CRC-32 | JSON`.
 * - `snap-<index as 16 hex digits>.snap`: the latest snapshot —
 *   `u32 header length | u32 CRC-32 of header and data | JSON header {index, term, config} | data`.
 *
 * Example:
 * ```ts
 * await writeHardState(dir, { term: 3, vote: 'a', commit: 10 }, true);
 * await readHardState(dir); // { term: 3, vote: 'a', commit: 10 }
 * ```
 *
 * A file that fails its checksum is reported as `StorageCorruptError`: atomic replacement means a
 * crash cannot produce one, so it is real damage and guessing would be unsafe.
 *
 * When not to use: for the log itself (append-heavy); see `wal-codec.ts`.
 */
import { open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { ConfState, HardState, Snapshot } from '../core/types.ts';
import { StorageCorruptError } from './log-storage.ts';
import { PRIVATE_FILE_MODE } from './durable-dir.ts';

export const HARD_STATE_FILE = 'hardstate';

export function snapshotFileName(index: number): string {
  return `snap-${index.toString(16).padStart(16, '0')}.snap`;
}

export function parseSnapshotFileName(name: string): number | null {
  const m = /^snap-([0-9a-f]{16})\.snap$/.exec(name);
  return m === null ? null : Number.parseInt(m[1]!, 16);
}

/** fsync a directory so that creations, renames and deletions in it are durable. */
export async function syncDir(dir: string, fsync: boolean): Promise<void> {
  if (!fsync) return;
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Writes `data` (bytes, or parts one after another) to `dir/name` atomically: temp file, fsync,
 * rename, fsync of the directory.
 */
export async function writeAtomic(
  dir: string,
  name: string,
  data: Uint8Array | readonly Uint8Array[],
  fsync: boolean,
): Promise<void> {
  const tmp = join(dir, `${name}.tmp`);
  const fh = await open(tmp, 'w', PRIVATE_FILE_MODE);
  try {
    for (const part of data instanceof Uint8Array ? [data] : data) {
      for (let at = 0; at < part.length;) at += (await fh.write(part, at, part.length - at)).bytesWritten;
    }
    if (fsync) await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, join(dir, name));
  await syncDir(dir, fsync);
}

function frame(body: Buffer, crc: number): Buffer {
  const head = Buffer.allocUnsafe(8);
  head.writeUInt32LE(body.length, 0);
  head.writeUInt32LE(crc, 4);
  return head;
}

export function encodeHardState(hs: HardState): Buffer {
  const body = Buffer.from(JSON.stringify({ term: hs.term, vote: hs.vote, commit: hs.commit }));
  return Buffer.concat([frame(body, crc32(body)), body]);
}

export async function writeHardState(dir: string, hs: HardState, fsync: boolean): Promise<void> {
  await writeAtomic(dir, HARD_STATE_FILE, encodeHardState(hs), fsync);
}

function corrupt(what: string, cause?: unknown): StorageCorruptError {
  return new StorageCorruptError(`${what} is damaged`, cause === undefined ? undefined : { cause });
}

export function decodeHardState(buf: Buffer): HardState {
  if (buf.length < 8) throw corrupt('hard state file');
  const len = buf.readUInt32LE(0);
  const body = buf.subarray(8);
  if (body.length !== len || crc32(body) !== buf.readUInt32LE(4)) throw corrupt('hard state file');
  try {
    const v = JSON.parse(body.toString('utf8')) as { term: unknown; vote: unknown; commit: unknown };
    if (typeof v.term !== 'number' || typeof v.commit !== 'number') throw new Error('bad fields');
    if (v.vote !== null && typeof v.vote !== 'string') throw new Error('bad vote');
    return { term: v.term, vote: v.vote, commit: v.commit };
  } catch (cause) {
    throw corrupt('hard state file', cause);
  }
}

/** The stored hard state, or null when none was ever written. */
export async function readHardState(dir: string): Promise<HardState | null> {
  const path = join(dir, HARD_STATE_FILE);
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  return inFile(path, () => decodeHardState(buf));
}

/**
 * Runs `decode` on the contents of `path`, adding the path to a `StorageCorruptError` (offset 0:
 * these small files are checked as a whole).
 */
export function inFile<T>(path: string, decode: () => T): T {
  try {
    return decode();
  } catch (err) {
    if (!(err instanceof StorageCorruptError)) throw err;
    throw new StorageCorruptError(`${path}: ${err.message}`, { cause: err.cause, file: path, offset: 0 });
  }
}

/**
 * The snapshot file's bytes as parts (frame, header, the machine's data), so that a large state is
 * written as it is instead of copied into one buffer first.
 */
export function encodeSnapshotParts(snap: Snapshot): Uint8Array[] {
  const header = Buffer.from(JSON.stringify({ index: snap.index, term: snap.term, config: snap.config }));
  const crc = crc32(snap.data, crc32(header));
  return [frame(header, crc), header, snap.data];
}

export function decodeSnapshot(buf: Buffer): Snapshot {
  if (buf.length < 8) throw corrupt('snapshot file');
  const len = buf.readUInt32LE(0);
  if (8 + len > buf.length) throw corrupt('snapshot file');
  const header = buf.subarray(8, 8 + len);
  const data = buf.subarray(8 + len);
  if (crc32(data, crc32(header)) !== buf.readUInt32LE(4)) throw corrupt('snapshot file');
  try {
    const h = JSON.parse(header.toString('utf8')) as { index: number; term: number; config: ConfState };
    if (typeof h.index !== 'number' || typeof h.term !== 'number' || typeof h.config !== 'object') {
      throw new Error('bad header');
    }
    return { index: h.index, term: h.term, config: h.config, data: new Uint8Array(data) };
  } catch (cause) {
    throw corrupt('snapshot file', cause);
  }
}

export async function writeSnapshot(dir: string, snap: Snapshot, fsync: boolean): Promise<void> {
  await writeAtomic(dir, snapshotFileName(snap.index), encodeSnapshotParts(snap), fsync);
}
