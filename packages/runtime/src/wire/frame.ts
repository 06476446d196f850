/**
 * Frame layout and encoder: `[u32 length][u8 version][u8 type][payload]`, big-endian.
 *
 * `length` counts the bytes after the length field (version + type + payload), so it is at
 * least 2. A frame is `4 + length` bytes in total; that total is what `maxFrameBytes` limits.
 *
 * Example:
 * ```ts
 * const bytes = encodeFrame(MessageType.Heartbeat, encodePayload({ seq: 1 }));
 * ```
 *
 * API: `encodeFrame`, `WIRE_VERSION`, `FRAME_HEADER_BYTES`, `DEFAULT_MAX_FRAME_BYTES`.
 * Read frames with `FrameDecoder` (frame-decoder.ts).
 */
import { FrameTooLargeError } from './errors.ts';

/** The version byte this build writes and accepts. Bump only with a compatibility plan. */
export const WIRE_VERSION = 1;

/** Bytes before the payload: u32 length + u8 version + u8 type. */
export const FRAME_HEADER_BYTES = 6;

/**
 * Default largest frame, header included: 16 MiB. Large enough for a Raft snapshot chunk or a
 * full CRDT state transfer, small enough that one hostile length field cannot make a node buffer
 * gigabytes. Split anything bigger at the protocol level.
 */
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

/** A decoded frame; `payload` is the raw payload bytes (decode with `decodePayload`). */
export interface Frame {
  readonly version: number;
  readonly type: number;
  readonly payload: Uint8Array;
}

/**
 * Builds one frame. Throws `FrameTooLargeError` when the result would exceed `maxFrameBytes`
 * (default `DEFAULT_MAX_FRAME_BYTES`) and `RangeError` for a type outside 0–255.
 */
export function encodeFrame(
  type: number,
  payload: Uint8Array,
  maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES,
): Buffer {
  if (!Number.isInteger(type) || type < 0 || type > 255) {
    throw new RangeError(`message type must be an integer 0–255, got ${type}`);
  }
  const total = FRAME_HEADER_BYTES + payload.length;
  if (total > maxFrameBytes) throw new FrameTooLargeError(total, maxFrameBytes);
  const frame = Buffer.allocUnsafe(total);
  frame.writeUInt32BE(total - 4, 0);
  frame[4] = WIRE_VERSION;
  frame[5] = type;
  frame.set(payload, FRAME_HEADER_BYTES);
  return frame;
}
