/**
 * An actor's mailbox: a first-in first-out queue of messages, each a kind (call, cast, info), the
 * message, and for a call who is waiting. It stores them in place, three slots per message, in a
 * chain of arrays, so enqueueing allocates no object per message: a burst of a million casts costs
 * the garbage collector a few hundred arrays instead of a million envelopes that outlive the
 * young generation.
 *
 * ```ts
 * const box = new Mailbox();
 * box.push(CAST, { type: 'inc' }, undefined);
 * while (box.take()) handle(box.kind, box.msg, box.from);
 * ```
 *
 * Segments start small (an idle or quiet actor keeps a few slots) and double up to
 * `MAX_SEGMENT` messages while a backlog grows. A drained mailbox keeps one small segment.
 * Not thread-safe and not re-entrant: one reader (the actor's drain), writers anywhere on the
 * same event loop.
 */
import type { From } from './types.ts';

/** Messages in the first segment of a mailbox: enough for a quiet actor. */
const FIRST_SEGMENT = 8;
/** Largest segment, in messages: 3,072 slots (24 KB), below V8's large-object size. */
const MAX_SEGMENT = 8192;
/** A drained mailbox drops segments larger than this, so a past burst does not stay resident. */
const KEEP_SEGMENT = 64;
/**
 * Emptied segments of the largest size kept for the next burst, shared by all mailboxes: a fresh
 * one costs the allocator more than the messages it holds. At most 8 (1.5 MB).
 */
const POOL_LIMIT = 8;

interface Segment {
  /** `kind, msg, from` for each message, in order. */
  readonly slots: unknown[];
  /** Capacity in messages. */
  readonly size: number;
  next: Segment | undefined;
}

const pool: Segment[] = [];

function segment(size: number): Segment {
  if (size === MAX_SEGMENT) {
    const reused = pool.pop();
    if (reused) return reused;
  }
  return { slots: new Array<unknown>(size * 3), size, next: undefined };
}

/** Hands a segment no mailbox uses any more (its messages all taken) back for reuse. */
function recycle(seg: Segment): void {
  if (seg.size !== MAX_SEGMENT || pool.length >= POOL_LIMIT) return;
  seg.next = undefined;
  pool.push(seg);
}

export class Mailbox {
  /** The message `take` moved out last. */
  kind = 0;
  msg: unknown = undefined;
  from: From | undefined = undefined;
  /** Messages waiting. */
  length = 0;
  private head: Segment = segment(FIRST_SEGMENT);
  private tail: Segment = this.head;
  /** Next message to read in `head`, and next free message in `tail`. */
  private readAt = 0;
  private writeAt = 0;

  push(kind: number, msg: unknown, from: From | undefined): void {
    let tail = this.tail;
    if (this.writeAt === tail.size) {
      tail = tail.next = segment(Math.min(MAX_SEGMENT, tail.size * 2));
      this.tail = tail;
      this.writeAt = 0;
    }
    const i = this.writeAt++ * 3;
    tail.slots[i] = kind;
    tail.slots[i + 1] = msg;
    tail.slots[i + 2] = from;
    this.length++;
  }

  /** Moves the oldest message into `kind`, `msg` and `from`; false when the mailbox is empty. */
  take(): boolean {
    if (this.length === 0) return false;
    let head = this.head;
    if (this.readAt === head.size) {
      const done = head;
      head = this.head = head.next as Segment;
      this.readAt = 0;
      recycle(done);
    }
    const slots = head.slots;
    const i = this.readAt++ * 3;
    this.kind = slots[i] as number;
    this.msg = slots[i + 1];
    this.from = slots[i + 2] as From | undefined;
    slots[i + 1] = undefined;
    slots[i + 2] = undefined;
    if (--this.length === 0) this.reset();
    return true;
  }

  /** Drops the references `take` left in `msg` and `from` (once the message is handled). */
  release(): void {
    this.msg = undefined;
    this.from = undefined;
  }

  /** Every waiting message, oldest first, without removing them. */
  forEach(visit: (kind: number, msg: unknown, from: From | undefined) => void): void {
    let seg: Segment | undefined = this.head;
    let i = this.readAt;
    for (let left = this.length; left > 0; left--) {
      if (i === seg.size) {
        seg = seg.next as Segment;
        i = 0;
      }
      visit(seg.slots[i * 3] as number, seg.slots[i * 3 + 1], seg.slots[i * 3 + 2] as From | undefined);
      i++;
    }
  }

  /** Empty again: reads and writes restart at the front of the last segment (or a fresh small one). */
  private reset(): void {
    let last = this.tail;
    if (last.size > KEEP_SEGMENT) {
      recycle(last);
      last = segment(FIRST_SEGMENT);
    }
    last.next = undefined;
    this.head = this.tail = last;
    this.readAt = this.writeAt = 0;
  }
}
