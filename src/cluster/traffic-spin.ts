/**
 * Busy-polls the event loop for a moment after cluster traffic, so the next message of a fast
 * exchange (a call's reply, a caller's next request) is read the moment it arrives instead of
 * after the OS has put the process to sleep and woken it up again — on an idle machine that
 * wake-up costs more than the loopback round trip itself. BEAM's schedulers do the same
 * ("scheduler busy wait"). The poll is a chain of `setImmediate` callbacks: each turn of the
 * event loop checks the sockets without blocking, and timers and I/O run as usual.
 *
 * Example:
 * ```ts
 * const spin = new TrafficSpin({ budgetUs: 100 });
 * spin.traffic();   // after sending a call or a reply, and on every message received
 * ```
 *
 * It adapts, because spinning pays only while messages follow each other within the budget and
 * a core is free for it — on a busy machine a spinning process takes the CPU its peer needs:
 * - it does not spin while the machine's load average (checked once a second) leaves less than
 *   one core idle;
 * - a spin that ends with no message, or during which the process was descheduled (a turn of
 *   the loop took far longer than a turn), counts as wasted; once most recent spins were wasted
 *   it spins only after every 32nd piece of traffic, to notice when spinning pays again.
 * An idle node (heartbeats every 100 ms) or a loaded machine therefore spends next to nothing
 * on it.
 *
 * Options: `budgetUs` — longest spin after traffic, µs (0 turns spinning off); `loadAverage`
 * and `cores` — the machine's 1-minute load average and core count (default: `os.loadavg()`,
 * `os.availableParallelism()`; tests pass their own).
 *
 * Not for: waiting on anything slower than a network round trip.
 */
import { availableParallelism, loadavg } from 'node:os';

export interface TrafficSpinOptions {
  /** Longest spin after traffic, µs. 0: never spin. */
  readonly budgetUs: number;
  /** The 1-minute load average. Default `os.loadavg()[0]`. */
  readonly loadAverage?: () => number;
  /** Cores of the machine. Default `os.availableParallelism()`. */
  readonly cores?: number;
}

/** A turn of a spinning loop longer than this (ms) means we were descheduled. */
const PREEMPTED_MS = 0.2;
/** How often the load average is read, ms. */
const LOAD_CHECK_MS = 1000;

export class TrafficSpin {
  private readonly budgetMs: number;
  /** The `setImmediate` chain is running. */
  private active = false;
  private until = 0;
  private lastTurn = 0;
  /** A message arrived during the current spin. */
  private paid = false;
  /** Recent outcomes, 0 (spinning wasted) … 1 (traffic arrives while we spin). */
  private success = 1;
  private skipped = 0;
  private coreIdle = true;
  private loadCheckedAt = -Infinity;
  private readonly cores: number;
  private readonly loadAverage: () => number;
  private readonly turn = (): void => {
    const now = performance.now();
    if (now - this.lastTurn > PREEMPTED_MS || now >= this.until) {
      this.active = false;
      this.success = this.success * 0.9 + (this.paid ? 0.1 : 0);
      return;
    }
    this.lastTurn = now;
    setImmediate(this.turn);
  };

  constructor(options: TrafficSpinOptions) {
    this.budgetMs = Math.max(0, options.budgetUs) / 1000;
    this.cores = options.cores ?? availableParallelism();
    this.loadAverage = options.loadAverage ?? (() => loadavg()[0] ?? 0);
  }

  /** True while the event loop is being kept polling. */
  get spinning(): boolean {
    return this.active;
  }

  /** Recent spins that paid (a message arrived during them), as a moving ratio 0…1. */
  get successRate(): number {
    return this.success;
  }

  /** Traffic happened (a message sent or received): spin for the next one if that has paid off. */
  traffic(received = false): void {
    if (this.budgetMs === 0) return;
    if (received && this.active) this.paid = true;
    if (this.success < 0.5 && ++this.skipped % 32 !== 0) return;
    const now = performance.now();
    if (now - this.loadCheckedAt > LOAD_CHECK_MS) {
      this.loadCheckedAt = now;
      this.coreIdle = this.loadAverage() <= this.cores - 1;
    }
    if (!this.coreIdle) return;
    this.until = now + this.budgetMs;
    // A long task that keeps sending (a loop of casts) is not a preemption: turns are timed
    // from the latest traffic or turn, whichever came last.
    this.lastTurn = now;
    if (this.active) return;
    this.active = true;
    this.paid = false;
    setImmediate(this.turn);
  }
}
