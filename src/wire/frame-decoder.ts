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

export class FrameDecoder {
  /** Largest frame accepted, header included; may be changed between frames. */
  maxFrameBytes: number;
  private readonly messageTypes: ReadonlySet<number>;
  private chunks: Uint8Array[] = [];
  /** Read position inside `chunks[0]`. */
  private head = 0;
  private buffered = 0;
  private failure: WireError | undefined;

  constructor(options: FrameDecoderOptions = {}) {
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.messageTypes = options.messageTypes ?? KNOWN_MESSAGE_TYPES;
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
    if (this.failure) throw this.failure;
    if (this.buffered < 4) return undefined;
    const header = this.peek(Math.min(FRAME_HEADER_BYTES, this.buffered));
    const length = ((header[0]! << 24) >>> 0) + (header[1]! << 16) + (header[2]! << 8) + header[3]!;
    if (4 + length > this.maxFrameBytes)
      return this.fail(new FrameTooLargeError(4 + length, this.maxFrameBytes));
    if (length < 2)
      return this.fail(new MalformedFrameError(`frame length ${length} is shorter than its header`));
    if (header.length >= 5 && header[4] !== WIRE_VERSION) {
      return this.fail(new UnsupportedVersionError(header[4]!, WIRE_VERSION));
    }
    if (header.length >= 6 && !this.messageTypes.has(header[5]!)) {
      return this.fail(new UnknownMessageTypeError(header[5]!));
    }
    if (this.buffered < 4 + length) return undefined;
    const frameBytes = this.take(4 + length);
    return {
      version: frameBytes[4]!,
      type: frameBytes[5]!,
      payload: frameBytes.subarray(FRAME_HEADER_BYTES),
    };
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
    const out = new Uint8Array(n);
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
    const out = new Uint8Array(n);
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
