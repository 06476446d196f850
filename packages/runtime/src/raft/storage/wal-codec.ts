/**
 * Record format of the write-ahead log segments. Every record is framed as
 *
 *   u32 LE payload length | u32 LE CRC-32 of the payload | payload
 *
 * and the payload's first byte is its kind:
 *
 * | kind | name          | body                                                        |
 * | ---: | ------------- | ----------------------------------------------------------- |
 * |    1 | entry         | index u48, term u48, type u8 (0 normal, 1 config), data     |
 * |    2 | commit        | index u48                                                   |
 * |    3 | snapshot      | index u48, term u48 (a snapshot was saved: the rule of save) |
 * |    4 | segment-start | index u48, term u48 (log position before this segment)      |
 * |    5 | compact       | index u48 (entries up to index were compacted away)         |
 *
 * Kinds are append-only: never renumber. Integers are little-endian; u48 covers 2^48 entries.
 *
 * Example:
 * ```ts
 * const buf = encodeRecord({ kind: 'commit', index: 7 });
 * decodeRecords(buf).records; // [{ kind: 'commit', index: 7 }]
 * ```
 *
 * `decodeRecords` stops at the first frame that is short or fails its checksum and reports it, so
 * recovery can tell a torn tail (no valid frame starts anywhere after it) from corruption in the
 * middle (one does, wherever the damaged frame's length field pointed). Zero bytes after the last
 * frame, up to the end, are not damage: the writer preallocates the file ahead of its records.
 *
 * When not to use: snapshots and the hard state have their own files (`storage-files.ts`).
 */
import { crc32 } from 'node:zlib';
import type { Entry } from '../core/types.ts';

export type WalRecord =
  | { readonly kind: 'entry'; readonly entry: Entry }
  | { readonly kind: 'commit' | 'compact'; readonly index: number }
  | { readonly kind: 'snapshot'; readonly index: number; readonly term: number }
  | { readonly kind: 'segment-start'; readonly index: number; readonly term: number };

const KIND = { entry: 1, commit: 2, snapshot: 3, 'segment-start': 4, compact: 5 } as const;
export const FRAME_HEADER = 8;
/** Frames claiming more than this are treated as damaged. */
export const MAX_RECORD_BYTES = 1 << 30;

export function encodeRecord(r: WalRecord): Buffer {
  let payload: Buffer;
  switch (r.kind) {
    case 'entry': {
      const e = r.entry;
      payload = Buffer.allocUnsafe(14 + e.data.byteLength);
      payload.writeUInt8(KIND.entry, 0);
      payload.writeUIntLE(e.index, 1, 6);
      payload.writeUIntLE(e.term, 7, 6);
      payload.writeUInt8(e.type === 'config' ? 1 : 0, 13);
      payload.set(e.data, 14);
      break;
    }
    case 'commit':
    case 'compact':
      payload = Buffer.allocUnsafe(7);
      payload.writeUInt8(KIND[r.kind], 0);
      payload.writeUIntLE(r.index, 1, 6);
      break;
    case 'snapshot':
    case 'segment-start':
      payload = Buffer.allocUnsafe(13);
      payload.writeUInt8(KIND[r.kind], 0);
      payload.writeUIntLE(r.index, 1, 6);
      payload.writeUIntLE(r.term, 7, 6);
      break;
  }
  const frame = Buffer.allocUnsafe(FRAME_HEADER + payload.length);
  frame.writeUInt32LE(payload.length, 0);
  frame.writeUInt32LE(crc32(payload), 4);
  payload.copy(frame, FRAME_HEADER);
  return frame;
}

function decodePayload(p: Buffer): WalRecord | null {
  const kind = p.readUInt8(0);
  if (kind === KIND.entry && p.length >= 14) {
    const type = p.readUInt8(13);
    if (type > 1) return null;
    return {
      kind: 'entry',
      entry: {
        index: p.readUIntLE(1, 6),
        term: p.readUIntLE(7, 6),
        type: type === 1 ? 'config' : 'normal',
        // Copy: the segment buffer is large and short-lived.
        data: new Uint8Array(p.subarray(14)),
      },
    };
  }
  if ((kind === KIND.commit || kind === KIND.compact) && p.length === 7) {
    return { kind: kind === KIND.commit ? 'commit' : 'compact', index: p.readUIntLE(1, 6) };
  }
  if ((kind === KIND.snapshot || kind === KIND['segment-start']) && p.length === 13) {
    return {
      kind: kind === KIND.snapshot ? 'snapshot' : 'segment-start',
      index: p.readUIntLE(1, 6),
      term: p.readUIntLE(7, 6),
    };
  }
  return null;
}

/** One frame at `offset`: its record and size, or why it is not valid. */
function frameAt(buf: Buffer, offset: number): { record: WalRecord; size: number } | 'short' | 'bad' {
  if (buf.length - offset < FRAME_HEADER) return 'short';
  const len = buf.readUInt32LE(offset);
  if (len === 0 || len > MAX_RECORD_BYTES) return 'bad';
  if (buf.length - offset - FRAME_HEADER < len) return 'short';
  const payload = buf.subarray(offset + FRAME_HEADER, offset + FRAME_HEADER + len);
  if (crc32(payload) !== buf.readUInt32LE(offset + 4)) return 'bad';
  const record = decodePayload(payload);
  return record === null ? 'bad' : { record, size: FRAME_HEADER + len };
}

export interface DecodedSegment {
  readonly records: WalRecord[];
  /** Bytes of valid frames from the start. */
  readonly validBytes: number;
  /** Why decoding stopped before the end, if it did. */
  readonly damage: null | { readonly offset: number; readonly validFrameFollows: boolean };
}

export function decodeRecords(buf: Buffer): DecodedSegment {
  const records: WalRecord[] = [];
  let offset = 0;
  while (offset < buf.length) {
    const f = frameAt(buf, offset);
    if (typeof f === 'string') {
      const end = endOfData(buf);
      // Only zeros after the last record: space preallocated for the next ones, not damage.
      if (end <= offset) return { records, validBytes: offset, damage: null };
      return {
        records,
        validBytes: offset,
        damage: { offset, validFrameFollows: validFrameAfter(buf, offset, end) },
      };
    }
    records.push(f.record);
    offset += f.size;
  }
  return { records, validBytes: offset, damage: null };
}

/** Length of `buf` without its trailing zero bytes. */
function endOfData(buf: Buffer): number {
  let end = buf.length;
  while (end >= 8 && buf.readBigUInt64LE(end - 8) === 0n) end -= 8;
  while (end > 0 && buf[end - 1] === 0) end--;
  return end;
}

/**
 * Whether a valid frame starts anywhere after the damaged one at `offset`. A torn write leaves
 * nothing valid after it; the damaged frame's own length field cannot be trusted to find the next
 * frame (it may be the damaged part), so every later byte offset is tried. Cheap in practice: a
 * torn tail is short, and in a damaged middle the next real frame is at most one frame away.
 */
function validFrameAfter(buf: Buffer, offset: number, end: number): boolean {
  // A frame's length field is not zero, so no frame starts in the zeros after `end`.
  for (let next = offset + 1; next < end && next + FRAME_HEADER < buf.length; next++) {
    if (typeof frameAt(buf, next) !== 'string') return true;
  }
  return false;
}
