/**
 * Encodes a message straight into a frame — header and MessagePack payload in one pass, in a
 * scratch buffer — for the send path, where `encodeFrame(type, encodePayload(value))` would
 * allocate two buffers and copy the payload once more for every message.
 *
 * Example:
 * ```ts
 * const frame = encodeFrameScratch(MessageType.Heartbeat, { seq: 1 }, DEFAULT_MAX_FRAME_BYTES);
 * queue.pushBytes(frame, frame.start, frame.end);   // copy out before the next encode
 * ```
 *
 * The result is the same bytes `encodeFrame` produces (see frame.ts for the layout). It lives
 * in a buffer that the next encode overwrites: copy `[start, end)` out at once.
 *
 * Not for: frames that must outlive the next encode; use `encodeFrame` there.
 */
import { encodePayloadScratch } from './codec.ts';
import type { ScratchBytes } from './codec.ts';
import { FrameTooLargeError } from './errors.ts';
import { FRAME_HEADER_BYTES, WIRE_VERSION } from './frame.ts';

/**
 * Encodes `value` as a frame of `type` into the scratch buffer. Throws `PayloadEncodeError` for
 * an unencodable value, `FrameTooLargeError` above `maxFrameBytes` and `RangeError` for a type
 * outside 0–255.
 */
export function encodeFrameScratch(type: number, value: unknown, maxFrameBytes: number): ScratchBytes {
  if (!(type >= 0 && type <= 255 && (type | 0) === type)) {
    throw new RangeError(`message type must be an integer 0–255, got ${type}`);
  }
  const frame = encodePayloadScratch(value, FRAME_HEADER_BYTES);
  const { start, end } = frame;
  const total = end - start;
  if (total > maxFrameBytes) throw new FrameTooLargeError(total, maxFrameBytes);
  const length = total - 4;
  frame[start] = length >>> 24;
  frame[start + 1] = (length >>> 16) & 0xff;
  frame[start + 2] = (length >>> 8) & 0xff;
  frame[start + 3] = length & 0xff;
  frame[start + 4] = WIRE_VERSION;
  frame[start + 5] = type;
  return frame;
}
