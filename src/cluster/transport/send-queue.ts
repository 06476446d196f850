/**
 * The outbound half of a connection: coalesces frames per event-loop turn into one link write,
 * honours the link's backpressure, and holds frames an injected delay asks to hold back.
 *
 * Invariants: frames reach the link in the order they were pushed, delayed or not (a frame is
 * never due before the frame pushed ahead of it); at most one flush is scheduled at a time;
 * nothing is written while the link waits for `drain`.
 *
 * Example:
 * ```ts
 * const queue = new SendQueue(link, scheduler);
 * queue.push(frameA, 0); queue.push(frameB, 0);  // one link.write(frameA ‖ frameB) next turn
 * if (queue.queuedBytes > limit) closeAsTooSlow();
 * ```
 *
 * Not for: deciding what to drop (the connection asks its `LinkPolicy`) or enforcing the limit
 * (the connection does, because it owns the close).
 */
import type { Link } from './link.ts';
import type { Scheduler, Timer } from './scheduler.ts';

interface Delayed {
  readonly due: number;
  readonly frame: Uint8Array;
}

export class SendQueue {
  /** Number of `link.write` calls made (each carries one coalesced batch). */
  writes = 0;
  private readonly link: Link;
  private readonly scheduler: Scheduler;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private delayed: Delayed[] = [];
  private delayedBytes = 0;
  private delayTimer: Timer | undefined;
  private flushScheduled = false;
  private waitingDrain = false;
  private stopped = false;

  constructor(link: Link, scheduler: Scheduler) {
    this.link = link;
    this.scheduler = scheduler;
    link.onDrain(() => {
      this.waitingDrain = false;
      this.flush();
    });
  }

  /** Bytes not yet accepted by the peer: our queue, held-back frames and the link's own buffer. */
  get queuedBytes(): number {
    return this.pendingBytes + this.delayedBytes + this.link.writableLength;
  }

  /** Queues a frame to be written `delayMs` from now (0: with this turn's batch). */
  push(frame: Uint8Array, delayMs: number): void {
    if (this.stopped) return;
    if (delayMs <= 0 && this.delayed.length === 0) {
      this.pending.push(frame);
      this.pendingBytes += frame.length;
      this.scheduleFlush();
      return;
    }
    const now = this.scheduler.now();
    const last = this.delayed[this.delayed.length - 1];
    const due = Math.max(now + Math.max(0, delayMs), last ? last.due : now);
    this.delayed.push({ due, frame });
    this.delayedBytes += frame.length;
    if (this.delayed.length === 1) this.armDelayTimer();
  }

  /** Writes everything now, held-back frames included (used by a graceful close). */
  flushAll(): void {
    this.delayTimer?.cancel();
    this.delayTimer = undefined;
    for (const { frame } of this.delayed) {
      this.pending.push(frame);
      this.pendingBytes += frame.length;
    }
    this.delayed = [];
    this.delayedBytes = 0;
    this.waitingDrain = false;
    this.flush();
  }

  /** Drops everything and stops writing (used by an abrupt close). */
  stop(): void {
    this.stopped = true;
    this.delayTimer?.cancel();
    this.delayTimer = undefined;
    this.pending = [];
    this.pendingBytes = 0;
    this.delayed = [];
    this.delayedBytes = 0;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    this.scheduler.defer(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.stopped || this.waitingDrain || this.pending.length === 0) return;
    const batch =
      this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    this.writes++;
    if (!this.link.write(batch)) this.waitingDrain = true;
  }

  private armDelayTimer(): void {
    const first = this.delayed[0];
    if (!first) return;
    this.delayTimer = this.scheduler.setTimer(() => this.releaseDue(), first.due - this.scheduler.now());
  }

  private releaseDue(): void {
    this.delayTimer = undefined;
    const now = this.scheduler.now();
    let released = 0;
    while (released < this.delayed.length && this.delayed[released]!.due <= now) {
      const { frame } = this.delayed[released]!;
      this.pending.push(frame);
      this.pendingBytes += frame.length;
      this.delayedBytes -= frame.length;
      released++;
    }
    this.delayed.splice(0, released);
    if (released > 0) this.scheduleFlush();
    this.armDelayTimer();
  }
}
