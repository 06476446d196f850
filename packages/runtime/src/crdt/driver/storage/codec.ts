/**
 * On-disk form of a durable CRDT replica: checksummed frames of MessagePack tuples.
 *
 * Every record of the log, and the whole state file, is one frame
 *
 *   u32 LE payload length | u32 LE CRC-32 of the payload | payload (MessagePack)
 *
 * the same framing as the Raft log (`raft/storage/wal-codec.ts`). Payloads are tuples in the
 * core's compact form (`crdt/core/compact.ts`: replica ids once per record, entries as
 * `[rep, seq, ms, lc, value]`), so a put costs on disk about what it costs on the wire:
 *
 * | tag | record   | tuple                                          |
 * | --: | -------- | ---------------------------------------------- |
 * |   1 | `delta`  | `[1, reps, [key, entries, removed, ops]]`      |
 * |   2 | `chunk`  | `[2, buckets, reps, [[key, entries], …], ctx]` |
 * |   3 | `adopt`  | `[3, ctx, applied]`                            |
 * |   4 | `retire` | `[4, rep]`                                     |
 *
 * The state file's payload is `[1, reps, [[key, entries], …], ctx, applied, retired, bootstrapped]`
 * (the leading 1 is its format version). Tags and versions are ONLY APPENDED, never reused.
 *
 * `scanFrames` stops at the first frame that is short or fails its checksum and says whether a
 * valid frame follows it, so a reader can tell a torn tail (nothing valid after it) from damage in
 * the middle. A payload that passes its checksum but not the shape checks is damage too.
 *
 * Example:
 * ```ts
 * const bytes = encodeRecordFrame({ type: 'retire', rep: 'gotham@h:1#5' });
 * scanFrames(bytes).payloads.map(decodeRecord); // [{ type: 'retire', rep: 'gotham@h:1#5' }]
 * ```
 *
 * API: `encodeRecordFrame`, `decodeRecord`, `encodeStateFrame`, `decodeState`, `scanFrames`,
 * `FRAME_HEADER`.
 *
 * When not to use: messages between replicas have their own form (`../wire.ts`).
 */
import { Packr } from 'msgpackr';
import { crc32 } from 'node:zlib';
import { assertWireContext } from '../../core/causal-context.ts';
import {
  checkWireDelta,
  checkWireKeyEntries,
  packDeltas,
  packEntries,
  unpackDeltas,
  unpackEntries,
  type WireKeyDelta,
  type WireKeyEntries,
} from '../../core/compact.ts';
import type { DurableRecord, DurableState } from '../../core/durable.ts';
import { CrdtMessageError } from '../../core/errors.ts';
import type { ReplicaId } from '../../core/replica-id.ts';
import { isReplicaId } from '../wire.ts';

const packr = new Packr({ useRecords: false, moreTypes: false });
export const FRAME_HEADER = 8;
/** Frames claiming more than this are treated as damaged. */
const MAX_FRAME_BYTES = 1 << 30;
const TAG = { delta: 1, chunk: 2, adopt: 3, retire: 4 } as const;
const STATE_VERSION = 1;

function frame(payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER + payload.length);
  out.writeUInt32LE(payload.length, 0);
  out.writeUInt32LE(crc32(payload), 4);
  out.set(payload, FRAME_HEADER);
  return out;
}

export function encodeRecordFrame<V>(r: DurableRecord<V>): Buffer {
  let tuple: unknown[];
  switch (r.type) {
    case 'delta': {
      const { reps, deltas } = packDeltas([r.delta]);
      tuple = [TAG.delta, reps, deltas[0]];
      break;
    }
    case 'chunk': {
      const { reps, entries } = packEntries(r.entries);
      tuple = [TAG.chunk, r.buckets, reps, entries, r.ctx];
      break;
    }
    case 'adopt':
      tuple = [TAG.adopt, r.ctx, r.applied];
      break;
    case 'retire':
      tuple = [TAG.retire, r.rep];
      break;
  }
  return frame(packr.pack(tuple));
}

/** Decodes one record payload; throws `CrdtMessageError` when it has not the documented shape. */
export function decodeRecord(payload: Uint8Array): DurableRecord<unknown> {
  const t = unpack(payload);
  switch (t[0]) {
    case TAG.delta: {
      const reps = checkReps(t[1]);
      const problem = checkWireDelta(t[2], reps.length);
      if (t.length !== 3 || problem !== undefined) fail(`delta record: ${problem ?? 'arity'}`);
      const [delta] = unpackDeltas(reps, [t[2] as WireKeyDelta<unknown>]);
      if (delta === undefined) fail('delta record: empty');
      return { type: 'delta', delta };
    }
    case TAG.chunk: {
      if (t.length !== 5) fail('chunk record: arity');
      const buckets = t[1];
      if (!Array.isArray(buckets) || !buckets.every((b) => Number.isSafeInteger(b) && (b as number) >= 0))
        fail('chunk record: buckets must be integers');
      const reps = checkReps(t[2]);
      const entries = checkKeyEntries(t[3], reps.length, 'chunk record');
      assertWireContext(t[4], 'chunk record');
      return {
        type: 'chunk',
        buckets: buckets as number[],
        entries: unpackEntries(reps, entries),
        ctx: t[4],
      };
    }
    case TAG.adopt:
      if (t.length !== 3) fail('adopt record: arity');
      assertWireContext(t[1], 'adopt record');
      assertWireContext(t[2], 'adopt record');
      return { type: 'adopt', ctx: t[1], applied: t[2] };
    case TAG.retire:
      if (t.length !== 2 || !isReplicaId(t[1])) fail('retire record needs a replica id');
      return { type: 'retire', rep: t[1] };
    default:
      return fail(`unknown record tag ${JSON.stringify(t[0])}`);
  }
}

export function encodeStateFrame<V>(s: DurableState<V>): Buffer {
  const { reps, entries } = packEntries(s.map.entries);
  return frame(packr.pack([STATE_VERSION, reps, entries, s.map.ctx, s.applied, s.retired, s.bootstrapped]));
}

/** Decodes a state payload; throws `CrdtMessageError` when it has not the documented shape. */
export function decodeState(payload: Uint8Array): DurableState<unknown> {
  const t = unpack(payload);
  if (t[0] !== STATE_VERSION || t.length !== 7) fail(`state: unknown version ${JSON.stringify(t[0])}`);
  const reps = checkReps(t[1]);
  const entries = checkKeyEntries(t[2], reps.length, 'state');
  assertWireContext(t[3], 'state');
  assertWireContext(t[4], 'state');
  const retired = t[5];
  if (!Array.isArray(retired) || !retired.every(isReplicaId)) fail('state: retired must be replica ids');
  if (typeof t[6] !== 'boolean') fail('state: bootstrapped must be a boolean');
  return {
    map: { entries: unpackEntries(reps, entries), ctx: t[3] },
    applied: t[4],
    retired: retired as ReplicaId[],
    bootstrapped: t[6],
  };
}

export interface ScannedFrames {
  readonly payloads: Buffer[];
  /** Bytes of valid frames from the start. */
  readonly validBytes: number;
  /** Where and why scanning stopped before the end, if it did. */
  readonly damage: null | { readonly offset: number; readonly validFrameFollows: boolean };
}

/** Splits `buf` into checksummed payloads, up to the first damaged or incomplete frame. */
export function scanFrames(buf: Buffer): ScannedFrames {
  const payloads: Buffer[] = [];
  let offset = 0;
  while (offset < buf.length) {
    const f = frameAt(buf, offset);
    if (typeof f === 'string') {
      // A torn write leaves nothing valid after it; a valid frame right after the bad one means
      // the damage is in the middle.
      let validFrameFollows = false;
      if (f === 'bad' && buf.length - offset >= FRAME_HEADER) {
        const next = offset + FRAME_HEADER + buf.readUInt32LE(offset);
        if (next > offset + FRAME_HEADER && next < buf.length)
          validFrameFollows = typeof frameAt(buf, next) !== 'string';
      }
      return { payloads, validBytes: offset, damage: { offset, validFrameFollows } };
    }
    payloads.push(f);
    offset += FRAME_HEADER + f.length;
  }
  return { payloads, validBytes: offset, damage: null };
}

function frameAt(buf: Buffer, offset: number): Buffer | 'short' | 'bad' {
  if (buf.length - offset < FRAME_HEADER) return 'short';
  const len = buf.readUInt32LE(offset);
  if (len === 0 || len > MAX_FRAME_BYTES) return 'bad';
  if (buf.length - offset - FRAME_HEADER < len) return 'short';
  const payload = buf.subarray(offset + FRAME_HEADER, offset + FRAME_HEADER + len);
  return crc32(payload) === buf.readUInt32LE(offset + 4) ? payload : 'bad';
}

function unpack(payload: Uint8Array): unknown[] {
  let t: unknown;
  try {
    t = packr.unpack(payload);
  } catch (cause) {
    throw new CrdtMessageError('undecodable MessagePack', { cause });
  }
  if (!Array.isArray(t) || t.length === 0) fail('a record must be a non-empty tuple');
  return t as unknown[];
}

function checkReps(value: unknown): ReplicaId[] {
  if (!Array.isArray(value) || !value.every(isReplicaId)) fail('reps must be replica ids');
  return value as ReplicaId[];
}

function checkKeyEntries(value: unknown, reps: number, where: string): WireKeyEntries<unknown>[] {
  if (!Array.isArray(value)) fail(`${where}: entries must be a list`);
  for (const pair of value as unknown[]) {
    const problem = checkWireKeyEntries(pair, reps);
    if (problem !== undefined) fail(`${where}: ${problem}`);
  }
  return value as WireKeyEntries<unknown>[];
}

function fail(message: string): never {
  throw new CrdtMessageError(message);
}
