/**
 * The event queue of the Raft simulation: callbacks ordered by virtual time, ties broken by
 * insertion order, so a seed always replays the same interleaving.
 *
 * Example:
 * ```ts
 * const q = new EventQueue();
 * q.at(5, () => console.log('later'));
 * q.at(1, () => console.log('first'));
 * while (q.runNext(10)) {}
 * ```
 *
 * When not to use: real timers; this clock only moves when the simulation runs events.
 */
interface Event {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
}

export class EventQueue {
  private heap: Event[] = [];
  private seq = 0;
  /** Current virtual time in milliseconds. */
  now = 0;

  get size(): number {
    return this.heap.length;
  }

  /** Runs `fn` at virtual time `at` (never earlier than now). */
  at(at: number, fn: () => void): void {
    const e: Event = { at: Math.max(at, this.now), seq: this.seq++, fn };
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(e, h[p]!)) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = e;
  }

  after(delay: number, fn: () => void): void {
    this.at(this.now + delay, fn);
  }

  /** Runs the next event if it is due by `until`; returns false when none is. */
  runNext(until: number): boolean {
    const h = this.heap;
    const top = h[0];
    if (top === undefined || top.at > until) return false;
    const last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      const n = h.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && less(h[r]!, h[l]!) ? r : l;
        if (!less(h[c]!, last)) break;
        h[i] = h[c]!;
        i = c;
      }
      h[i] = last;
    }
    this.now = top.at;
    top.fn();
    return true;
  }
}

function less(a: Event, b: Event): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
