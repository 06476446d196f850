/**
 * An in-memory byte pipe with socket semantics, for `MemoryNetwork`: asynchronous in-order
 * delivery, a bounded buffer that makes `write` return false (then `drain`), pause/resume,
 * graceful `end` (delivered after the data) and abrupt `destroy` (the peer sees a reset).
 *
 * Example:
 * ```ts
 * const [a, b] = memoryLinkPair({ scheduler: realScheduler, highWaterMark: 65536, names: ['x', 'y'] });
 * b.onData((chunk) => console.log(chunk.length));
 * a.write(Buffer.from('hi'));
 * ```
 *
 * Chunks are passed by reference, not copied: writers must not reuse a buffer after writing it
 * (the framed connection never does).
 */
import type { Link } from './link.ts';
import type { Scheduler } from './scheduler.ts';

export interface MemoryLinkOptions {
  readonly scheduler: Scheduler;
  /** Bytes in flight towards the peer before `write` returns false. */
  readonly highWaterMark: number;
  /** Remote addresses reported by the two ends, for logs. */
  readonly names: readonly [string, string];
}

class MemoryLinkEnd implements Link {
  readonly remoteAddress: string;
  /** Chunks are handed to the peer by reference: never reuse a written chunk. */
  readonly releasesWrites = false;
  /** Chunks are the writer's buffers, never reused. */
  readonly transientChunks = false;
  peer!: MemoryLinkEnd;
  /** Bytes this end wrote that the peer has not consumed yet. */
  inFlight = 0;
  private readonly scheduler: Scheduler;
  private readonly highWaterMark: number;
  private incoming: Uint8Array[] = [];
  private eofPending = false;
  private paused = false;
  private deliveryScheduled = false;
  private needsDrain = false;
  private ended = false;
  private closed = false;
  private readonly dataListeners: Array<(chunk: Uint8Array) => void> = [];
  private readonly drainListeners: Array<() => void> = [];
  private readonly closeListeners: Array<(error: Error | undefined) => void> = [];

  constructor(scheduler: Scheduler, highWaterMark: number, remoteAddress: string) {
    this.scheduler = scheduler;
    this.highWaterMark = highWaterMark;
    this.remoteAddress = remoteAddress;
  }

  get writableLength(): number {
    return this.inFlight;
  }

  write(chunk: Uint8Array): boolean {
    if (this.ended || this.closed) return false;
    this.inFlight += chunk.length;
    this.peer.receive(chunk);
    const ok = this.inFlight < this.highWaterMark;
    if (!ok) this.needsDrain = true;
    return ok;
  }

  end(): void {
    if (this.ended || this.closed) return;
    this.ended = true;
    this.peer.receiveEof();
  }

  destroy(): void {
    if (this.closed) return;
    this.incoming = [];
    this.finish(undefined);
    this.peer.reset();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.scheduleDelivery();
  }

  onData(listener: (chunk: Uint8Array) => void): void {
    this.dataListeners.push(listener);
  }

  onDrain(listener: () => void): void {
    this.drainListeners.push(listener);
  }

  onClose(listener: (error: Error | undefined) => void): void {
    this.closeListeners.push(listener);
  }

  // ---- called by the peer end ----

  receive(chunk: Uint8Array): void {
    if (this.closed) return;
    this.incoming.push(chunk);
    this.scheduleDelivery();
  }

  receiveEof(): void {
    if (this.closed) return;
    this.eofPending = true;
    this.scheduleDelivery();
  }

  reset(): void {
    if (this.closed) return;
    this.incoming = [];
    const error = Object.assign(new Error('connection reset by peer'), { code: 'ECONNRESET' });
    this.scheduler.defer(() => this.finish(error));
  }

  consumed(bytes: number): void {
    this.inFlight -= bytes;
    if (this.needsDrain && this.inFlight < this.highWaterMark) {
      this.needsDrain = false;
      this.scheduler.defer(() => {
        if (!this.closed) for (const listener of this.drainListeners) listener();
      });
    }
  }

  private scheduleDelivery(): void {
    if (this.deliveryScheduled || this.paused) return;
    this.deliveryScheduled = true;
    this.scheduler.defer(() => {
      this.deliveryScheduled = false;
      this.deliver();
    });
  }

  private deliver(): void {
    while (!this.paused && !this.closed && this.incoming.length > 0) {
      const chunk = this.incoming.shift()!;
      this.peer.consumed(chunk.length);
      for (const listener of this.dataListeners) listener(chunk);
    }
    if (this.eofPending && this.incoming.length === 0 && !this.closed) {
      // The peer ended and all its data is read: like a socket without half-open, we end too.
      this.ended = true;
      this.finish(undefined);
      this.peer.finishAfterEnd();
    }
  }

  finishAfterEnd(): void {
    this.finish(undefined);
  }

  private finish(error: Error | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.incoming = [];
    this.scheduler.defer(() => {
      for (const listener of this.closeListeners) listener(error);
    });
  }
}

/** Two connected ends; what one writes the other reads. */
export function memoryLinkPair(options: MemoryLinkOptions): [Link, Link] {
  const a = new MemoryLinkEnd(options.scheduler, options.highWaterMark, options.names[1]);
  const b = new MemoryLinkEnd(options.scheduler, options.highWaterMark, options.names[0]);
  a.peer = b;
  b.peer = a;
  return [a, b];
}
