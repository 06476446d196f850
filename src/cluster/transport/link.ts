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
 * Obligations of an implementation: `onData` chunks arrive asynchronously and in order;
 * `write` returns false once its buffer is full and `onDrain` fires when it has room again;
 * `onClose` fires exactly once, after `end()` (graceful, buffered bytes are delivered first),
 * `destroy()` (immediate) or a failure (with the error).
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

/** Adapts a connected `net.Socket` or `tls.TLSSocket`. Sets `noDelay`: we coalesce ourselves. */
export function socketLink(socket: Socket): Link {
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
      socket.on('data', listener);
    },
    onDrain: (listener) => {
      socket.on('drain', listener);
    },
    onClose: (listener) => {
      socket.once('close', () => listener(failure));
    },
  };
}
