/**
 * The record format of the disk store's log and the rule for reading it back.
 *
 * Each record is `u32 BE body length | u32 BE CRC-32 of the body | body`, the body the
 * MessagePack array `[table, key, version, value, deleted]`.
 *
 * Reading (`scanLog`) follows etcd's rule: only a torn *tail* is repaired. A record that is cut
 * short or fails its checksum, with no valid record starting anywhere after it, is the remains of
 * a write that never completed (it was never acknowledged): the caller truncates it away. Damage
 * followed by any valid record is corruption of acknowledged data: `StoreCorruptError` names the
 * file and the byte offset, and the store refuses to open rather than drop what follows.
 *
 * Example:
 * ```ts
 * const scan = scanLog(readFileSync(path), path);   // throws StoreCorruptError
 * if (scan.tornAt !== undefined) ftruncateSync(fd, scan.tornAt);
 * ```
 *
 * Not for: the Raft log (`raft/storage/wal-codec.ts` has its own format, same rule).
 */
import { CodedError } from '../util/errors.ts';
import { crc32 } from 'node:zlib';
import { Packr } from 'msgpackr';

export type LogRecord = [table: string, key: string, version: number, value: unknown, deleted: boolean];

const packr = new Packr({ useRecords: false });
const HEADER = 8;

/** The store's log is damaged somewhere other than its tail; `file` and `offset` say where. */
export class StoreCorruptError extends CodedError<'store_corrupt'> {
  readonly file: string;
  readonly offset: number;
  constructor(file: string, offset: number) {
    super(
      'store_corrupt',
      `${file} is damaged at byte ${offset} and valid records follow: refusing to open the store ` +
        'rather than drop acknowledged writes (restore the file from a backup, or move it away to start empty)',
    );
    this.file = file;
    this.offset = offset;
  }
}

export function encodeRecord(record: LogRecord): Buffer {
  const body = packr.pack(record);
  const frame = Buffer.allocUnsafe(HEADER + body.length);
  frame.writeUInt32BE(body.length, 0);
  frame.writeUInt32BE(crc32(body), 4);
  body.copy(frame, HEADER);
  return frame;
}

export interface ScannedLog {
  readonly records: LogRecord[];
  /** Set when the log ends in a torn record: the offset to truncate the file to. */
  readonly tornAt: number | undefined;
}

/** Reads every record of `buf` (the contents of `file`); throws `StoreCorruptError`. */
export function scanLog(buf: Buffer, file: string): ScannedLog {
  const records: LogRecord[] = [];
  let offset = 0;
  while (offset < buf.length) {
    const frame = frameAt(buf, offset);
    if (frame === undefined) {
      for (let next = offset + 1; next + HEADER <= buf.length; next++) {
        if (frameAt(buf, next) !== undefined) throw new StoreCorruptError(file, offset);
      }
      return { records, tornAt: offset };
    }
    records.push(frame.record);
    offset += frame.size;
  }
  return { records, tornAt: undefined };
}

/** The record at `offset`, or `undefined` when the bytes there are not a whole, valid record. */
function frameAt(buf: Buffer, offset: number): { record: LogRecord; size: number } | undefined {
  if (buf.length - offset < HEADER) return undefined;
  const length = buf.readUInt32BE(offset);
  if (length === 0 || length > buf.length - offset - HEADER) return undefined;
  const body = buf.subarray(offset + HEADER, offset + HEADER + length);
  if (crc32(body) !== buf.readUInt32BE(offset + 4)) return undefined;
  let record: unknown;
  try {
    record = packr.unpack(body);
  } catch {
    // A checksum-valid body that does not decode is damage like any other: reported by the caller.
    return undefined;
  }
  return isRecord(record) ? { record, size: HEADER + length } : undefined;
}

function isRecord(value: unknown): value is LogRecord {
  return (
    Array.isArray(value) &&
    value.length === 5 &&
    typeof value[0] === 'string' &&
    typeof value[1] === 'string' &&
    typeof value[2] === 'number' &&
    typeof value[4] === 'boolean'
  );
}
