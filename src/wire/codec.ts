/**
 * Payload codec: standard MessagePack via msgpackr (`useRecords: false`), so any MessagePack
 * reader can decode our payloads and no per-connection codec state exists.
 *
 * What round-trips: objects with string keys, arrays, strings, numbers, booleans, `null`,
 * `undefined`, `Uint8Array` (decoded as a `Buffer`, which is a `Uint8Array`), `bigint` within
 * 64 bits (larger ones throw `PayloadEncodeError`) and `Date`. A `Map` is encoded as a MessagePack map and decoded as a plain object; send plain
 * data, not class instances.
 *
 * Example:
 * ```ts
 * const bytes = encodePayload({ seq: 1 });
 * decodePayload(bytes); // { seq: 1 }
 * ```
 *
 * API: `encodePayload(value): Uint8Array` (throws `PayloadEncodeError`),
 * `decodePayload(bytes): unknown` (throws `PayloadDecodeError`; trailing bytes are an error).
 *
 * Not for: validating shapes — decoded values are `unknown`; check them where they are used.
 * (A reserved 0xc1 byte nested inside a value decodes to an opaque sentinel object, which such
 * checks reject like any other unexpected value.)
 */
import { C1, Packr } from 'msgpackr';
import { PayloadDecodeError, PayloadEncodeError } from './errors.ts';

const packr = new Packr({ useRecords: false, moreTypes: false });

export function encodePayload(value: unknown): Uint8Array {
  try {
    return packr.pack(value);
  } catch (err) {
    throw new PayloadEncodeError(err);
  }
}

export function decodePayload(bytes: Uint8Array): unknown {
  if (bytes.length === 0) throw new PayloadDecodeError(new Error('empty payload'));
  let value: unknown;
  try {
    value = packr.unpack(bytes);
  } catch (err) {
    throw new PayloadDecodeError(err);
  }
  // msgpackr maps the reserved byte 0xc1 to a sentinel instead of failing; refuse it at the top.
  if (value === C1) throw new PayloadDecodeError(new Error('reserved byte 0xc1'));
  return value;
}
