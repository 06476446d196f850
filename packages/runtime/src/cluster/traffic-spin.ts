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
 * - it does not spin while other processes leave less than half a core idle (their CPU time over
 *   the last second: the machine's busy time less this process's own, so its spinning and that
 *   of a peer it talks to do not turn it off — the load average would count both);
 * - a spin that ends with no message, or during which the process was descheduled (a turn of
 *   the loop took far longer than a turn), counts as wasted; once most recent spins were wasted
 *   it spins only after every 32nd piece of traffic, to notice when spinning pays again.
 * An idle node (heartbeats every 100 ms) or a loaded machine therefore spends next to nothing
 * on it.
 *
 * Options: `budgetUs` — longest spin after traffic, µs (0 turns spinning off); `othersBusy` and
 * `cores` — the cores' worth of CPU other processes used lately, and the machine's core count
 * (default: sampled from `os.cpus()` and `process.cpuUsage()`, and `os.availableParallelism()`;
 * tests pass their own).
 *
 * Not for: waiting on anything slower than a network round trip.
 */
import { availableParallelism, cpus, loadavg } from 'node:os';

export interface TrafficSpinOptions {
  /** Longest spin after traffic, µs. 0: never spin. */
  readonly budgetUs: number;
  /** Cores' worth of CPU used by other processes since the last reading. Default `cpuOfOthers()`. */
  readonly othersBusy?: () => number;
  /** Cores of the machine. Default `os.availableParallelism()`. */
  readonly cores?: number;
}

/** CPU time so far, ms: the whole machine's busy time, and this process's own. */
export interface CpuSample {
  readonly at: number;
  readonly machineBusyMs: number;
  readonly ownMs: number;
}

/**
 * Cores' worth of CPU that other processes used between two samples: the machine's busy time
 * less this process's own, over the time between them (0 when no time passed).
 */
export function othersBusyCores(from: CpuSample, to: CpuSample): number {
  const elapsed = to.at - from.at;
  if (elapsed <= 0) return 0;
  const others = to.machineBusyMs - from.machineBusyMs - (to.ownMs - from.ownMs);
  return Math.max(0, others / elapsed);
}

function sampleCpu(): CpuSample | undefined {
  const all = cpus();
  if (all.length === 0) return undefined;
  let busy = 0;
  for (const { times } of all) busy += times.user + times.nice + times.sys + times.irq;
  const own = process.cpuUsage();
  return { at: performance.now(), machineBusyMs: busy, ownMs: (own.user + own.system) / 1000 };
}

/** A reading over a shorter time than this (ms) is too coarse: CPU times tick every 10 ms. */
const MIN_SAMPLE_MS = 200;

/**
 * The default `othersBusy`: each call returns what other processes used since the previous
 * reading (the previous figure, 0 at first, while less than 200 ms have passed). Where the
 * machine's CPU times are not available it falls back to the 1-minute load average, which counts
 * this process too (so it errs towards not spinning).
 */
export function cpuOfOthers(): () => number {
  let last = sampleCpu();
  let busy = 0;
  return () => {
    const now = sampleCpu();
    if (last === undefined || now === undefined) return loadavg()[0] ?? 0;
    if (now.at - last.at < MIN_SAMPLE_MS) return busy;
    busy = othersBusyCores(last, now);
    last = now;
    return busy;
  };
}

/** A turn of a spinning loop longer than this (ms) means we were descheduled. */
const PREEMPTED_MS = 0.2;
/** How often the CPU of other processes is read, ms. */
const LOAD_CHECK_MS = 1000;
/** Spinning needs this much of a core left idle by other processes. */
const IDLE_NEEDED = 0.5;

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
  private readonly othersBusy: () => number;
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
    this.othersBusy = options.othersBusy ?? cpuOfOthers();
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
      this.coreIdle = this.othersBusy() <= this.cores - IDLE_NEEDED;
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
