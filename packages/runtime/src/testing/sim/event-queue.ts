/**
 * The one event queue of the simulators: items ordered by virtual time, ties broken by insertion
 * order (first scheduled, first out). That total order is what makes a seed replay the same
 * interleaving, whatever the heap's shape: two events never compare equal.
 *
 * Example:
 * ```ts
 * const q = new EventQueue<string>();
 * q.push(5, 'b'); q.push(1, 'a'); q.push(5, 'c');
 * q.pop(); // { at: 1, item: 'a' }, then 'b' at 5, then 'c' at 5
 * ```
 *
 * API: `EventQueue` (`push`, `pop`, `peekTime`, `size`), a binary min-heap on (time, sequence).
 * The CRDT simulator queues its events as data; the Raft simulation schedules callbacks through
 * `SimScheduler` (`scheduler.ts`), which keeps its virtual clock on top of this queue.
 *
 * When not to use: for real timers; this only orders simulated time.
 */
interface Slot<T> {
  readonly at: number;
  readonly seq: number;
  readonly item: T;
}

export class EventQueue<T> {
  readonly #heap: Slot<T>[] = [];
  #seq = 0;

  get size(): number {
    return this.#heap.length;
  }

  /** Queues `item` at virtual time `at`; after every item already queued at the same time. */
  push(at: number, item: T): void {
    const heap = this.#heap;
    heap.push({ at, seq: this.#seq++, item });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  /** Time of the next item, or undefined when the queue is empty. */
  peekTime(): number | undefined {
    return this.#heap[0]?.at;
  }

  /** Removes and returns the next item: earliest time, then earliest pushed. */
  pop(): { at: number; item: T } | undefined {
    const heap = this.#heap;
    const top = heap[0];
    if (top === undefined) return undefined;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = i * 2 + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && before(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && before(heap[r]!, heap[m]!)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    }
    return { at: top.at, item: top.item };
  }
}

function before<T>(a: Slot<T>, b: Slot<T>): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
