/**
 * Periodic work of the whole process on shared timers: every task whose period is a multiple of
 * 50 ms runs off one 50-ms interval, so the layers' housekeeping (the failure detector's tick,
 * the redial loop, Raft's tick, placement's quorum check) wakes the process once per 50 ms instead
 * of once per task. An idle node's CPU goes mostly to waking up, not to the work it then does.
 *
 * ```ts
 * const t = every(50, () => raft.tick());            // does not keep the process alive
 * const u = every(100, check, { ref: true });        // does, like a plain setInterval
 * t.cancel();
 * ```
 *
 * Semantics: a task with period `p` (a multiple of 50) runs on every `p / 50`-th tick of the
 * shared interval, counted from its subscription, so its first run comes after `p - 50` to `p`
 * ms; other periods get an interval of their own, shared by the tasks of that period. Tasks of a
 * tick run in the order they subscribed; one that throws does not keep the others from running,
 * and the first error is rethrown after them (an uncaught exception, as from a plain timer). A task
 * cancelled during a tick does not run in it; one subscribed during a tick runs from the next.
 * The interval keeps the process alive while any of its tasks asked to (`ref`).
 *
 * Event-loop delay: `onTickLateness(listener)` hears, at each run of the 50-ms interval, how much
 * later than 50 ms after the previous run it came — the loop's delay, sampled 20 times a second
 * without a timer of its own (`perf_hooks.monitorEventLoopDelay` wakes the process on one).
 *
 * When not to use: for work that needs its own phase or a period below 50 ms, or under a virtual
 * clock (`scheduler.ts` gives drivers a replaceable one, whose real `every` is this).
 */

/** The period every multiple of it shares. */
export const TICK_MS = 50;

export interface Periodic {
  cancel(): void;
}

interface Task {
  readonly fn: () => void;
  /** Ticks of the shared interval per run. */
  readonly every: number;
  readonly ref: boolean;
  count: number;
  cancelled: boolean;
}

interface Interval {
  readonly handle: ReturnType<typeof setInterval>;
  readonly tasks: Task[];
  /** `performance.now()` at the previous run (undefined before the first). */
  last: number | undefined;
}

const intervals = new Map<number, Interval>();
const latenessListeners = new Set<(lateMs: number) => void>();

/**
 * Calls `listener` at every run of the shared 50-ms interval, from the second on, with how late
 * it ran, ms: the time since the previous run less 50, at least 0. Nothing is heard while no task
 * of a period that is a multiple of 50 ms is subscribed. Returns a function that stops it.
 */
export function onTickLateness(listener: (lateMs: number) => void): () => void {
  latenessListeners.add(listener);
  return () => void latenessListeners.delete(listener);
}

/** Runs `fn` every `periodMs` milliseconds (rounded up to 1) until cancelled. */
export function every(periodMs: number, fn: () => void, options: { ref?: boolean } = {}): Periodic {
  const period = Math.max(1, Math.ceil(periodMs));
  const base = period % TICK_MS === 0 ? TICK_MS : period;
  const task: Task = { fn, every: period / base, ref: options.ref === true, count: 0, cancelled: false };
  let interval = intervals.get(base);
  if (interval === undefined) {
    const tasks: Task[] = [];
    const created: Interval = {
      handle: setInterval(() => {
        if (base === TICK_MS) observeLateness(created);
        tick(tasks);
      }, base),
      tasks,
      last: undefined,
    };
    interval = created;
    intervals.set(base, interval);
  }
  interval.tasks.push(task);
  refresh(interval);
  return {
    cancel() {
      if (task.cancelled) return;
      task.cancelled = true;
      const at = interval.tasks.indexOf(task);
      if (at >= 0) interval.tasks.splice(at, 1);
      if (interval.tasks.length === 0) {
        clearInterval(interval.handle);
        intervals.delete(base);
      } else refresh(interval);
    },
  };
}

function observeLateness(interval: Interval): void {
  const now = performance.now();
  const last = interval.last;
  interval.last = now;
  if (last === undefined || latenessListeners.size === 0) return;
  const late = Math.max(0, now - last - TICK_MS);
  for (const listener of latenessListeners) listener(late);
}

function refresh(interval: Interval): void {
  if (interval.tasks.some((t) => t.ref)) interval.handle.ref();
  else interval.handle.unref();
}

function tick(tasks: readonly Task[]): void {
  let failure: { error: unknown } | undefined;
  for (const task of [...tasks]) {
    if (task.cancelled || ++task.count < task.every) continue;
    task.count = 0;
    try {
      task.fn();
    } catch (error) {
      failure ??= { error };
    }
  }
  if (failure !== undefined) throw failure.error;
}
