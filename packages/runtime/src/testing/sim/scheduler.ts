/**
 * A virtual clock with callbacks, for simulations that schedule work rather than queue data (the
 * Raft simulation): `now` moves only when an event runs, and events run in `EventQueue` order —
 * by time, ties in the order they were scheduled — so a seed always replays the same interleaving.
 *
 * Example:
 * ```ts
 * const s = new SimScheduler();
 * s.at(5, () => console.log('later'));
 * s.after(1, () => console.log('first'));
 * while (s.runNext(10)) {}
 * s.now; // 5
 * ```
 *
 * API: `SimScheduler` (`now`, `size`, `at`, `after`, `runNext`).
 *
 * When not to use: real timers; this clock only moves when the simulation runs events.
 */
import { EventQueue } from './event-queue.ts';

export class SimScheduler {
  readonly #queue = new EventQueue<() => void>();
  /** Current virtual time in milliseconds: the time of the event that ran last. */
  now = 0;

  get size(): number {
    return this.#queue.size;
  }

  /** Runs `fn` at virtual time `at`; a time in the past means now. */
  at(at: number, fn: () => void): void {
    this.#queue.push(Math.max(at, this.now), fn);
  }

  after(delay: number, fn: () => void): void {
    this.at(this.now + delay, fn);
  }

  /** Runs the next event if it is due by `until`; returns false when none is. */
  runNext(until: number): boolean {
    const at = this.#queue.peekTime();
    if (at === undefined || at > until) return false;
    const next = this.#queue.pop()!;
    this.now = next.at;
    next.item();
    return true;
  }
}
