/**
 * Time for drivers: the one place the transports, the heartbeat monitor and discovery read the
 * clock or set timers, so a simulator can hand them a virtual one.
 *
 * Example:
 * ```ts
 * const timer = realScheduler.setTimer(() => log.warn('late'), 500);
 * timer.cancel();
 * ```
 *
 * API: `Scheduler { now(), setTimer(fn, ms), every(fn, ms), defer(fn) }` and `realScheduler`
 * (monotonic `performance.now()`, `setTimeout`, the process's shared periodic timers of
 * `ticker.ts`, `setImmediate`). Timers keep the process alive, because an in-memory cluster
 * has no sockets that would; every owner cancels its timers when it stops.
 *
 * Not for: pure cores, which take `now` as an argument instead.
 */
import { every } from './ticker.ts';

export interface Timer {
  cancel(): void;
}

export interface Scheduler {
  /** Milliseconds on a monotonic clock (arbitrary origin). */
  now(): number;
  /** Runs `fn` once after `ms` milliseconds. */
  setTimer(fn: () => void, ms: number): Timer;
  /**
   * Runs `fn` every `ms` milliseconds until cancelled. The real scheduler runs the tasks of all
   * layers that share a period in one wake-up (`ticker.ts`).
   */
  every(fn: () => void, ms: number): Timer;
  /** Runs `fn` soon, after the current event-loop turn's synchronous work (used to coalesce). */
  defer(fn: () => void): void;
}

export const realScheduler: Scheduler = {
  now: () => performance.now(),
  setTimer(fn, ms) {
    const handle = setTimeout(fn, Math.max(0, ms));
    return { cancel: () => clearTimeout(handle) };
  },
  every(fn, ms) {
    return every(ms, fn, { ref: true });
  },
  defer(fn) {
    setImmediate(fn);
  },
};
