/**
 * A link is the byte pipe under a connection: a TCP/TLS socket or an in-memory pipe. The framed
 * connection does all protocol work on top of this narrow interface, so both transports share
 * one implementation of framing, handshake, coalescing and backpressure.
 *
 * Example:
 * ```ts
 * const link = socketLink(socket);
 * link.onData((chunk) => decoder.push(chunk));
 * if (!link.write(bytes)) link.onDrain(resumeWriting);
 * ```
 *
 * Obligations of an implementation: `onData` chunks arrive asynchronously and in order (when
 * `transientChunks` is true, a chunk is valid only during the listener's call: copy anything
 * needed later); `write` returns false once its buffer is full and `onDrain` fires when it has
 * room again; `onClose` fires exactly once, after `end()` (graceful, buffered bytes are
 * delivered first), `destroy()` (immediate) or a failure (with the error).
 */
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';

export interface Link {
  /** Human-readable remote address for logs, e.g. `127.0.0.1:53122`. */
  readonly remoteAddress: string;
  /** Bytes accepted by `write` and not yet handed to the peer. */
  readonly writableLength: number;
  /**
   * True when `write` is done with a chunk once `writableLength` reads 0 right after it (a plain
   * TCP socket that wrote it to the kernel at once): the writer may then reuse the chunk's
   * memory. False when the link keeps chunks by reference (in-memory pipes) or transforms
   * them later (TLS).
   */
  readonly releasesWrites: boolean;
  /** True when an `onData` chunk lives in a buffer the link reuses after the listener returns. */
  readonly transientChunks: boolean;
  write(chunk: Uint8Array): boolean;
  end(): void;
  destroy(): void;
  pause(): void;
  resume(): void;
  onData(listener: (chunk: Uint8Array) => void): void;
  onDrain(listener: () => void): void;
  /** `error` is set when the link failed rather than ended. */
  onClose(listener: (error: Error | undefined) => void): void;
}

/**
 * Reads of a plain TCP socket created with `net.connect({ onread: reads.onread })`: Node reads
 * into one reused buffer and calls back directly, skipping the readable stream (its buffering,
 * a new buffer per read, a `nextTick` per read) — about 3 µs less per received message on
 * loopback. Node offers this only for sockets it creates for us, so only dialled connections
 * read this way; accepted ones use `data` events.
 *
 * Chunks are views of the reused buffer, valid during the listener's call only.
 */
export class DirectReads {
  readonly onread: {
    readonly buffer: Uint8Array;
    /** Returns true: keep reading (pausing goes through `socket.pause()`). */
    readonly callback: (bytes: number, buffer: Uint8Array) => boolean;
  };
  private listener: ((chunk: Uint8Array) => void) | undefined;
  /** Copies of what arrived before `listen` (nothing should, but a chunk is never lost). */
  private early: Uint8Array[] = [];

  /** `bufferBytes`: the read buffer, default 64 KiB (what Node reads at most at once). */
  constructor(bufferBytes = 64 * 1024) {
    this.onread = {
      buffer: Buffer.allocUnsafe(bufferBytes),
      callback: (bytes, buffer) => {
        const chunk = buffer.subarray(0, bytes);
        if (this.listener) this.listener(chunk);
        else this.early.push(Uint8Array.prototype.slice.call(chunk));
        return true;
      },
    };
  }

  listen(listener: (chunk: Uint8Array) => void): void {
    this.listener = listener;
    const early = this.early;
    this.early = [];
    // Still asynchronous, and before any later read (reads only happen on a later turn).
    if (early.length > 0) queueMicrotask(() => early.forEach((chunk) => listener(chunk)));
  }
}

/**
 * Adapts a connected `net.Socket` or `tls.TLSSocket`. Sets `noDelay`: we coalesce ourselves.
 * Pass `reads` for a socket created with its `onread` (plain TCP only).
 */
export function socketLink(socket: Socket, reads?: DirectReads): Link {
  socket.setNoDelay(true);
  let failure: Error | undefined;
  socket.on('error', (err) => {
    failure ??= err;
  });
  return {
    remoteAddress: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`,
    get writableLength() {
      return socket.writableLength;
    },
    releasesWrites: !(socket instanceof TLSSocket),
    transientChunks: reads !== undefined,
    write: (chunk) => socket.write(chunk),
    end: () => {
      socket.end();
    },
    destroy: () => {
      socket.destroy();
    },
    pause: () => {
      socket.pause();
    },
    resume: () => {
      socket.resume();
    },
    onData: (listener) => {
      if (!reads) {
        socket.on('data', listener);
        return;
      }
      reads.listen(listener);
    },
    onDrain: (listener) => {
      socket.on('drain', listener);
    },
    onClose: (listener) => {
      // The end of the peer's stream (EOF, or a reset) is the moment it is gone: Node emits
      // 'close' only after shutting down our side as well, a turn of the event loop or more later.
      let fired = false;
      const fire = (): void => {
        if (fired) return;
        fired = true;
        listener(failure);
      };
      socket.prependOnceListener('end', fire); // before Node's own, which shuts our side down first
      socket.once('error', fire);
      socket.once('close', fire);
    },
  };
}
