/**
 * The leader's view of one follower's replication: how far its log matches (`match`), what to
 * send next (`next`), and the flow-control state.
 *
 * - `probe`: the leader does not know where the follower's log diverges; it sends one append at a
 *   time and waits for the answer (or the next heartbeat answer) before sending another.
 * - `replicate`: the follower is in sync; the leader streams appends optimistically, advancing
 *   `next` on send, up to a window of in-flight messages/bytes (pipelining).
 * - `snapshot`: the follower needs a snapshot; appends stop until it is answered or times out.
 *
 * Example:
 * ```ts
 * const pr = new Progress(11, false);
 * pr.maybeUpdate(10); // follower acknowledged up to 10
 * pr.becomeReplicate();
 * ```
 *
 * When not to use: this is core bookkeeping; drivers read it through `Status.progress`.
 */

/** A window of append messages sent but not yet acknowledged, oldest first. */
export class Inflights {
  private readonly indexes: number[] = [];
  private readonly sizes: number[] = [];
  private head = 0;
  bytes = 0;

  get count(): number {
    return this.indexes.length - this.head;
  }

  add(lastIndex: number, bytes: number): void {
    this.indexes.push(lastIndex);
    this.sizes.push(bytes);
    this.bytes += bytes;
  }

  /** Frees every message whose last entry is at or below `index`. */
  freeLE(index: number): void {
    while (this.head < this.indexes.length && this.indexes[this.head]! <= index) {
      this.bytes -= this.sizes[this.head]!;
      this.head++;
    }
    if (this.head > 64 && this.head * 2 > this.indexes.length) {
      this.indexes.splice(0, this.head);
      this.sizes.splice(0, this.head);
      this.head = 0;
    }
  }

  full(maxCount: number, maxBytes: number): boolean {
    return this.count >= maxCount || this.bytes >= maxBytes;
  }

  reset(): void {
    this.indexes.length = 0;
    this.sizes.length = 0;
    this.head = 0;
    this.bytes = 0;
  }
}

export type ProgressState = 'probe' | 'replicate' | 'snapshot';

export class Progress {
  match = 0;
  next: number;
  state: ProgressState = 'probe';
  /** Probe state: an append is outstanding; wait for its answer or a heartbeat answer. */
  probeSent = false;
  /** Snapshot state: the index of the snapshot sent. */
  pendingSnapshot = 0;
  /** Ticks spent in the snapshot state. */
  snapshotElapsed = 0;
  /** Heard from this member since the last check-quorum round. */
  recentActive = false;
  learner: boolean;
  readonly inflights = new Inflights();

  constructor(next: number, learner: boolean) {
    this.next = next;
    this.learner = learner;
  }

  becomeProbe(): void {
    if (this.state === 'snapshot') {
      this.next = Math.max(this.match + 1, this.pendingSnapshot + 1);
    } else {
      this.next = this.match + 1;
    }
    this.resetState('probe');
  }

  becomeReplicate(): void {
    this.next = this.match + 1;
    this.resetState('replicate');
  }

  becomeSnapshot(index: number): void {
    this.resetState('snapshot');
    this.pendingSnapshot = index;
    this.snapshotElapsed = 0;
  }

  private resetState(state: ProgressState): void {
    this.state = state;
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.inflights.reset();
  }

  /** An acknowledgement up to `index`; returns false if it tells nothing new (stale). */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (this.match < index) {
      this.match = index;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, index + 1);
    return updated;
  }

  /**
   * A rejection of the append after `rejected`; `hint` is the follower's guess of its last match.
   * Returns false if the rejection is stale (an answer to an older append).
   */
  maybeDecrTo(rejected: number, hint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.state === 'snapshot') return false;
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, hint + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  isPaused(maxMsgs: number, maxBytes: number): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflights.full(maxMsgs, maxBytes);
      case 'snapshot':
        return true;
    }
  }

  /** Records an append just sent with entries up to `lastIndex` (none if lastIndex < next). */
  sentEntries(count: number, lastIndex: number, bytes: number): void {
    if (this.state === 'replicate') {
      if (count > 0) {
        this.next = lastIndex + 1;
        this.inflights.add(lastIndex, bytes);
      }
    } else if (this.state === 'probe') {
      this.probeSent = true;
    }
  }
}
