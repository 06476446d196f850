/**
 * Time-ordered event queue for the CRDT simulator: a binary min-heap on (time, insertion order),
 * so events at the same instant run in the order they were scheduled and runs are deterministic.
 *
 * Example:
 * ```ts
 * const q = new EventQueue<string>();
 * q.push(5, 'b'); q.push(1, 'a');
 * q.pop(); // { at: 1, item: 'a' }
 * ```
 *
 * API: `EventQueue` (`push`, `pop`, `peekTime`, `size`).
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

  peekTime(): number | undefined {
    return this.#heap[0]?.at;
  }

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
