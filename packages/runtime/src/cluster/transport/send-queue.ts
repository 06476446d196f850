/**
 * The outbound half of a connection: copies frames into one batch buffer, writes the batch to
 * the link once the current task and its microtasks are done, honours the link's backpressure,
 * and holds frames an injected delay asks to hold back.
 *
 * Why a microtask, not `setImmediate`: a lone message (a call, its reply) goes out right after
 * the code that sent it, with no extra turn of the event loop (and no extra `epoll_wait`), while
 * every frame sent by the same task — a loop of casts, the replies an actor produces while it
 * drains its mailbox — still leaves in one write, or in 64 KiB writes while a long burst lasts.
 *
 * Invariants: frames reach the link in the order they were pushed, delayed or not (a frame is
 * never due before the frame pushed ahead of it); at most one flush is scheduled at a time;
 * nothing is written while the link waits for `drain`; a batch handed to the link is written
 * into again only when the link says it is done with it (`releasesWrites` and nothing left in
 * its buffer): then the next batch reuses the memory and a steady exchange allocates nothing.
 *
 * Example:
 * ```ts
 * const queue = new SendQueue(link, scheduler);
 * queue.pushBytes(frameA, 0, frameA.length); queue.push(frameB, 0);  // one link.write(A ‖ B)
 * if (queue.estimatedBytes > limit && queue.queuedBytes > limit) closeAsTooSlow();
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

/**
 * Schedules the flush as a microtask. `Promise.then` rather than `queueMicrotask`: Node wraps
 * every `queueMicrotask` callback in an async resource and a bound function, about three times
 * the cost, paid once per batch — for a lone call, once per message.
 */
const RESOLVED = Promise.resolve();

/** First allocation of a batch, bytes: small enough to come from Node's buffer pool. */
const MIN_BATCH_BYTES = 512;
/**
 * A batch this big is written at once, mid-task: a long burst (a loop of casts) reaches the peer
 * in pieces while the sender is still producing it, so the two processes work in parallel
 * instead of one after the other, and the batch buffer stays small.
 */
const EAGER_WRITE_BYTES = 64 * 1024;
/** Largest batch buffer kept for reuse, bytes: a burst's big buffer is not held on to. */
const MAX_REUSED_BATCH_BYTES = 2 * EAGER_WRITE_BYTES;

export class SendQueue {
  /** Number of `link.write` calls made (each carries one coalesced batch). */
  writes = 0;
  private readonly link: Link;
  private readonly scheduler: Scheduler;
  private batch: Buffer | undefined;
  private batchLength = 0;
  private delayed: Delayed[] = [];
  private delayedBytes = 0;
  private delayTimer: Timer | undefined;
  private flushScheduled = false;
  private waitingDrain = false;
  private stopped = false;
  /** The link's buffer after our last write; it only shrinks until we write again. */
  private linkBacklog = 0;
  private readonly flushTask = (): void => {
    this.flushScheduled = false;
    this.flush();
  };

  constructor(link: Link, scheduler: Scheduler) {
    this.link = link;
    this.scheduler = scheduler;
    link.onDrain(() => {
      this.waitingDrain = false;
      this.linkBacklog = 0;
      this.flush();
    });
  }

  /** Bytes not yet accepted by the peer: our batch, held-back frames and the link's own buffer. */
  get queuedBytes(): number {
    return this.batchLength + this.delayedBytes + this.link.writableLength;
  }

  /** `queuedBytes` or more, without asking the link: cheap enough to check on every send. */
  get estimatedBytes(): number {
    return this.batchLength + this.delayedBytes + this.linkBacklog;
  }

  /** Queues a frame to be written `delayMs` from now (0: with this task's batch). */
  push(frame: Uint8Array, delayMs: number): void {
    this.pushBytes(frame, 0, frame.length, delayMs);
  }

  /** Queues `bytes[start, end)`, copied at once (the caller may reuse `bytes` afterwards). */
  pushBytes(bytes: Uint8Array, start: number, end: number, delayMs = 0): void {
    if (this.stopped) return;
    if (delayMs <= 0 && this.delayed.length === 0) {
      this.append(bytes, start, end);
      if (this.batchLength >= EAGER_WRITE_BYTES) {
        this.flush();
        return;
      }
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        void RESOLVED.then(this.flushTask);
      }
      return;
    }
    const frame = Buffer.allocUnsafe(end - start);
    copyInto(frame, 0, bytes, start, end);
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
    for (const { frame } of this.delayed) this.append(frame, 0, frame.length);
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
    this.batch = undefined;
    this.batchLength = 0;
    this.delayed = [];
    this.delayedBytes = 0;
  }

  private append(bytes: Uint8Array, start: number, end: number): void {
    const offset = this.batchLength;
    const needed = offset + (end - start);
    let batch = this.batch;
    if (batch === undefined || batch.length < needed) {
      const grown = Buffer.allocUnsafe(Math.max(needed, batch ? batch.length * 2 : MIN_BATCH_BYTES));
      if (batch !== undefined && offset > 0) batch.copy(grown, 0, 0, offset);
      this.batch = batch = grown;
    }
    copyInto(batch, offset, bytes, start, end);
    this.batchLength = needed;
  }

  private flush(): void {
    if (this.stopped || this.waitingDrain || this.batchLength === 0) return;
    const batch = this.batch!;
    const length = this.batchLength;
    this.batchLength = 0;
    this.writes++;
    const ok = this.link.write(length === batch.length ? batch : batch.subarray(0, length));
    this.linkBacklog = this.link.writableLength;
    // The link still holds the bytes unless it says it is done with them: then never touch them.
    const reusable =
      this.link.releasesWrites && this.linkBacklog === 0 && batch.length <= MAX_REUSED_BATCH_BYTES;
    if (!reusable) this.batch = undefined;
    if (!ok) this.waitingDrain = true;
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
      this.append(frame, 0, frame.length);
      this.delayedBytes -= frame.length;
      released++;
    }
    this.delayed.splice(0, released);
    if (released > 0 && !this.flushScheduled) {
      this.flushScheduled = true;
      void RESOLVED.then(this.flushTask);
    }
    this.armDelayTimer();
  }
}

/** Copies `source[start, end)` into `target` at `offset`: a loop for a few bytes, memcpy beyond. */
function copyInto(target: Buffer, offset: number, source: Uint8Array, start: number, end: number): void {
  const n = end - start;
  if (n <= 64) {
    for (let i = 0; i < n; i++) target[offset + i] = source[start + i]!;
  } else if (Buffer.isBuffer(source)) {
    source.copy(target, offset, start, end);
  } else {
    target.set(source.subarray(start, end), offset);
  }
}
