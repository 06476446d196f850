/**
 * Reassembling frame decoder: feed it chunks as they arrive, take out whole frames.
 *
 * Checks the header as soon as its 6 bytes are in, before any body is buffered: an oversized,
 * malformed, wrong-version or unknown-type frame throws a `WireError` at once, so a hostile
 * length field never makes us wait for (or store) megabytes. After it throws, the decoder is
 * poisoned and throws the same error again; the caller closes the connection.
 *
 * Example:
 * ```ts
 * const decoder = new FrameDecoder({ maxFrameBytes: 4096 });
 * decoder.push(chunk);
 * for (let frame = decoder.next(); frame; frame = decoder.next()) handle(frame);
 * ```
 *
 * API: `push(chunk)`, `next(): Frame | undefined`, `bufferedBytes`, mutable `maxFrameBytes`
 * (a connection raises it once the handshake has succeeded). Frames are handed out one by one
 * so the caller can stop mid-chunk (after closing) or change limits between frames.
 *
 * Hot path: `nextFrame(): boolean` does the same without allocating — the frame is then
 * `frameType` and the payload `frameBytes[frameStart, frameEnd)`, a range of the received chunk
 * itself whenever the frame lies within one chunk (decode it with
 * `decodePayload(frameBytes, frameStart, frameEnd)` before the next call).
 *
 * Not for: datagrams (one datagram is one message; see discovery's gossip packets).
 */
import { FRAME_HEADER_BYTES, DEFAULT_MAX_FRAME_BYTES, WIRE_VERSION } from './frame.ts';
import type { Frame } from './frame.ts';
import {
  FrameTooLargeError,
  MalformedFrameError,
  UnknownMessageTypeError,
  UnsupportedVersionError,
} from './errors.ts';
import type { WireError } from './errors.ts';
import { KNOWN_MESSAGE_TYPES } from './message-types.ts';

export interface FrameDecoderOptions {
  /** Largest frame accepted, header included. Default `DEFAULT_MAX_FRAME_BYTES` (16 MiB). */
  maxFrameBytes?: number;
  /** Accepted type ids. Default: every id in `MessageType`. */
  messageTypes?: ReadonlySet<number>;
}

const EMPTY = new Uint8Array(0);

export class FrameDecoder {
  /** Largest frame accepted, header included; may be changed between frames. */
  maxFrameBytes: number;
  /** `accepted[type] === 1` for every accepted type id. */
  private readonly accepted = new Uint8Array(256);
  private chunks: Uint8Array[] = [];
  /** Read position inside `chunks[0]`. */
  private head = 0;
  private buffered = 0;
  private failure: WireError | undefined;
  /** The frame found by the last successful `nextFrame()`. */
  frameType = 0;
  frameBytes: Uint8Array = EMPTY;
  frameStart = 0;
  frameEnd = 0;

  constructor(options: FrameDecoderOptions = {}) {
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    for (const type of options.messageTypes ?? KNOWN_MESSAGE_TYPES) {
      if (type >= 0 && type < 256) this.accepted[type] = 1;
    }
  }

  /** Bytes received but not yet handed out as frames. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /** The next complete frame, or `undefined` if more bytes are needed. Throws a `WireError`. */
  next(): Frame | undefined {
    if (!this.nextFrame()) return undefined;
    return {
      version: WIRE_VERSION,
      type: this.frameType,
      payload: this.frameBytes.subarray(this.frameStart, this.frameEnd),
    };
  }

  /**
   * Finds the next complete frame: true and `frameType`, `frameBytes`, `frameStart`, `frameEnd`
   * set, or false if more bytes are needed. Throws a `WireError`.
   */
  nextFrame(): boolean {
    if (this.failure) throw this.failure;
    if (this.buffered < 4) return false;
    const first = this.chunks[0]!;
    const head = this.head;
    if (first.length - head >= FRAME_HEADER_BYTES) {
      // The whole header is in the first chunk (nearly always): no copy.
      const length =
        ((first[head]! << 24) >>> 0) + (first[head + 1]! << 16) + (first[head + 2]! << 8) + first[head + 3]!;
      this.check(length, first[head + 4]!, first[head + 5]!);
      const total = 4 + length;
      if (this.buffered < total) return false;
      this.frameType = first[head + 5]!;
      if (first.length - head >= total) {
        this.frameBytes = first;
        this.frameStart = head + FRAME_HEADER_BYTES;
        this.frameEnd = head + total;
        this.head = head + total;
        this.buffered -= total;
        if (this.head === first.length) {
          this.chunks.shift();
          this.head = 0;
        }
        return true;
      }
      this.frameBytes = this.take(total);
      this.frameStart = FRAME_HEADER_BYTES;
      this.frameEnd = total;
      return true;
    }
    const header = this.peek(Math.min(FRAME_HEADER_BYTES, this.buffered));
    const length = ((header[0]! << 24) >>> 0) + (header[1]! << 16) + (header[2]! << 8) + header[3]!;
    this.check(length, header[4], header[5]);
    if (this.buffered < 4 + length) return false;
    const frameBytes = this.take(4 + length);
    this.frameType = frameBytes[5]!;
    this.frameBytes = frameBytes;
    this.frameStart = FRAME_HEADER_BYTES;
    this.frameEnd = 4 + length;
    return true;
  }

  /**
   * Copies the bytes not yet handed out into memory of the decoder's own, so the caller may
   * reuse the buffers it pushed (a socket's reused read buffer). Cheap: at most one partial
   * frame is left over after the caller has taken every whole frame.
   */
  ownBufferedBytes(): void {
    if (this.buffered === 0) return;
    const own = Buffer.allocUnsafe(this.buffered);
    let filled = 0;
    let offset = this.head;
    for (const chunk of this.chunks) {
      own.set(chunk.subarray(offset), filled);
      filled += chunk.length - offset;
      offset = 0;
    }
    this.chunks = [own];
    this.head = 0;
  }

  /** Checks a header as soon as its bytes are in (`version` and `type` may not be yet). */
  private check(length: number, version: number | undefined, type: number | undefined): void {
    if (4 + length > this.maxFrameBytes) this.fail(new FrameTooLargeError(4 + length, this.maxFrameBytes));
    if (length < 2) this.fail(new MalformedFrameError(`frame length ${length} is shorter than its header`));
    if (version !== undefined && version !== WIRE_VERSION) {
      this.fail(new UnsupportedVersionError(version, WIRE_VERSION));
    }
    if (type !== undefined && this.accepted[type] !== 1) this.fail(new UnknownMessageTypeError(type));
  }

  private fail(error: WireError): never {
    this.failure = error;
    this.chunks = [];
    this.buffered = 0;
    this.head = 0;
    throw error;
  }

  /** Copies (or views) the first `n` buffered bytes without consuming them. */
  private peek(n: number): Uint8Array {
    const first = this.chunks[0]!;
    if (first.length - this.head >= n) return first.subarray(this.head, this.head + n);
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    let offset = this.head;
    for (const chunk of this.chunks) {
      const part = chunk.subarray(offset, offset + (n - filled));
      out.set(part, filled);
      filled += part.length;
      offset = 0;
      if (filled === n) break;
    }
    return out;
  }

  /** Removes and returns the first `n` buffered bytes; `n` must be <= `buffered`. */
  private take(n: number): Uint8Array {
    const first = this.chunks[0]!;
    const available = first.length - this.head;
    if (available >= n) {
      const view = first.subarray(this.head, this.head + n);
      this.head += n;
      if (this.head === first.length) {
        this.chunks.shift();
        this.head = 0;
      }
      this.buffered -= n;
      return view;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[0]!;
      const part = chunk.subarray(this.head, this.head + (n - filled));
      out.set(part, filled);
      filled += part.length;
      this.head += part.length;
      if (this.head === chunk.length) {
        this.chunks.shift();
        this.head = 0;
      }
    }
    this.buffered -= n;
    return out;
  }
}
