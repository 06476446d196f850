/**
 * Payload codec: standard MessagePack via msgpackr (`useRecords: false`), so any MessagePack
 * reader can decode our payloads and no per-connection codec state exists.
 *
 * What round-trips: objects with string keys, arrays, strings, numbers, booleans, `null`,
 * `undefined`, `Uint8Array` (decoded as a `Buffer` of its own, which is a `Uint8Array`), `bigint`
 * within 64 bits (larger ones throw `PayloadEncodeError`) and `Date`. A `Map` is encoded as a
 * MessagePack map and decoded as a plain object; send plain data, not class instances.
 *
 * Example:
 * ```ts
 * const bytes = encodePayload({ seq: 1 });
 * decodePayload(bytes); // { seq: 1 }
 * ```
 *
 * API: `encodePayload(value): Uint8Array` (throws `PayloadEncodeError`),
 * `decodePayload(bytes, start?, end?): unknown` (throws `PayloadDecodeError`; trailing bytes
 * are an error), and for the frame path `encodePayloadScratch(value, reserve)`, which encodes
 * into a scratch buffer the next call reuses (no allocation per message).
 *
 * Decoding accepts plain data only (`plain-data.ts` checks the bytes first): no structured
 * clone, records, Sets, RegExps, Errors, typed arrays or wide BigInts, whoever sends them; at most
 * `MAX_NESTING_DEPTH` levels. A refusal is a `WireError` (`ERR_PAYLOAD_EXTENSION`,
 * `ERR_PAYLOAD_LIMIT`, `ERR_PAYLOAD_DECODE`), and a connection closes on it.
 *
 * Not for: validating shapes — decoded values are `unknown`; check them where they are used.
 */
import { Packr, RESERVE_START_SPACE, RESET_BUFFER_MODE, REUSE_BUFFER_MODE } from 'msgpackr';
import { PayloadDecodeError, PayloadEncodeError } from './errors.ts';
import { checkPlainData } from './plain-data.ts';

const packr = new Packr({ useRecords: false, moreTypes: false });
/**
 * Decodes with binary values copied out, never viewed: the bytes decoded from are a scratch
 * buffer or a socket's reused read buffer, and a view would also pin a whole received chunk.
 */
const unpackr = new Packr({
  useRecords: false,
  moreTypes: false,
  copyBuffers: true,
  structuredClone: false,
});

/**
 * Payloads up to this size are copied into one long-lived scratch buffer and decoded there.
 * msgpackr attaches a `DataView` to every buffer it decodes from; doing that for each received
 * chunk (a new buffer per socket read) cost several times the decode itself for small messages.
 */
const SCRATCH_BYTES = 64 * 1024;
const scratch = Buffer.allocUnsafe(SCRATCH_BYTES);

/** Bytes in a scratch buffer: `[start, end)` of `this`; valid only until the next encode. */
export type ScratchBytes = Buffer & { readonly start: number; readonly end: number };

/**
 * Encodes `value` into a scratch buffer after `reserve` (0–255) free bytes, for a header the
 * caller writes there. Returns the scratch buffer itself with the range of reserved bytes plus
 * payload; the next encode call reuses those bytes, so copy them out first. Throws
 * `PayloadEncodeError`.
 */
export function encodePayloadScratch(value: unknown, reserve: number): ScratchBytes {
  try {
    return packr.pack(
      value,
      REUSE_BUFFER_MODE | RESET_BUFFER_MODE | RESERVE_START_SPACE | reserve,
    ) as ScratchBytes;
  } catch (err) {
    throw new PayloadEncodeError(err);
  }
}

export function encodePayload(value: unknown): Uint8Array {
  try {
    return packr.pack(value);
  } catch (err) {
    throw new PayloadEncodeError(err);
  }
}

/** Reused for every ranged decode: msgpackr reads `start` and `end` and keeps nothing. */
const range = { start: 0, end: 0 };

/**
 * Decodes `bytes[start, end)` (default: all of it) as exactly one MessagePack value. The result
 * never refers to `bytes` (binary values are copies), so `bytes` may be reused at once.
 */
export function decodePayload(bytes: Uint8Array, start = 0, end = bytes.length): unknown {
  const length = end - start;
  if (length <= 0) throw new PayloadDecodeError(new Error('empty payload'));
  checkPlainData(bytes, start, end);
  let value: unknown;
  try {
    if (length <= SCRATCH_BYTES) {
      if (length <= 64) for (let i = 0; i < length; i++) scratch[i] = bytes[start + i]!;
      else scratch.set(bytes.subarray(start, end));
      range.start = 0;
      range.end = length;
      value = unpackr.unpack(scratch, range);
    } else {
      range.start = start;
      range.end = end;
      // A Buffer view, so binary values come out as Buffers whatever the input was.
      const source = Buffer.isBuffer(bytes)
        ? bytes
        : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      value = unpackr.unpack(source, range);
    }
  } catch (err) {
    throw new PayloadDecodeError(err);
  }
  return value;
}
