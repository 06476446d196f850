/**
 * ReadIndex bookkeeping on the leader (thesis 6.4). A read registered at commit index C is safe to
 * serve at any state that has applied C once a quorum of voters has answered a heartbeat sent
 * after the read was registered: that proves no newer leader had been elected at that moment.
 *
 * Every request gets a sequence number; heartbeats carry the newest one and followers echo it, so
 * one acknowledgement confirms every request registered before it (reads batch for free).
 *
 * Example:
 * ```ts
 * const ro = new ReadOnly();
 * const seq = ro.add({ index: 42, ctx: 'r1', from: 'a' }, 'a');
 * ro.ack('b', seq);
 * ro.release((acks) => acks.size >= 2); // [{ index: 42, ctx: "r1", from: "a" }]
 * ```
 *
 * When not to use: lease-based reads (no heartbeat round) are deliberately left out: they depend
 * on bounded clock drift.
 */

export interface ReadRequest {
  readonly index: number;
  readonly ctx: string;
  /** The member that asked (this node for local reads). */
  readonly from: string;
}

interface Pending {
  readonly req: ReadRequest;
  readonly seq: number;
  readonly acks: Set<string>;
}

export class ReadOnly {
  private pending: Pending[] = [];
  private seq = 0;

  get size(): number {
    return this.pending.length;
  }

  /** Registers a request; `self` counts as the first acknowledgement. Returns its sequence. */
  add(req: ReadRequest, self: string): number {
    this.seq += 1;
    this.pending.push({ req, seq: this.seq, acks: new Set([self]) });
    return this.seq;
  }

  /** The newest sequence number, carried by heartbeats (0 when nothing is pending). */
  lastSeq(): number {
    return this.pending.length === 0 ? 0 : this.seq;
  }

  /** `from` answered a heartbeat that carried `seq`: it acknowledges every request up to it. */
  ack(from: string, seq: number): void {
    for (const p of this.pending) {
      if (p.seq > seq) break;
      p.acks.add(from);
    }
  }

  /**
   * Removes and returns requests, oldest first, while `hasQuorum(acks)` holds. A later request
   * confirmed means every earlier one is confirmed too.
   */
  release(hasQuorum: (acks: ReadonlySet<string>) => boolean): ReadRequest[] {
    let last = -1;
    for (let i = this.pending.length - 1; i >= 0; i--) {
      if (hasQuorum(this.pending[i]!.acks)) {
        last = i;
        break;
      }
    }
    if (last < 0) return [];
    const out = this.pending.slice(0, last + 1).map((p) => p.req);
    this.pending = this.pending.slice(last + 1);
    return out;
  }

  reset(): void {
    this.pending = [];
  }
}
