/**
 * A small seeded pseudo-random generator (mulberry32) for simulations and randomized tests.
 * Same seed, same sequence, on every platform: a failing seed replays exactly.
 *
 * Example:
 * ```ts
 * const rng = new SimRandom(42);
 * rng.int(0, 10);     // integer in [0, 10)
 * rng.chance(0.1);    // true one time in ten
 * ```
 *
 * When not to use: anything security-related; this is predictable by design.
 */
export class SimRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [lo, hi). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[this.int(0, items.length)]!;
  }

  /** A derived generator, so sub-systems draw independent streams from one seed. */
  fork(): SimRandom {
    return new SimRandom(Math.floor(this.next() * 4294967296));
  }

  /** A `() => number` view, as the Raft core's `rng` option takes. */
  fn(): () => number {
    return () => this.next();
  }
}
