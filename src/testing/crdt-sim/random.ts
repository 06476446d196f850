/**
 * Seeded pseudo-random numbers for the CRDT simulator (sfc32 seeded through splitmix32): the same
 * seed replays the same run, bit for bit, on any machine.
 *
 * Example:
 * ```ts
 * const rng = new SimRandom(42);
 * rng.next();          // uniform in [0, 1)
 * rng.int(1, 6);       // 1..6
 * rng.chance(0.1);     // true one time in ten
 * rng.fork();          // an independent stream, e.g. per node
 * ```
 *
 * API: `SimRandom` (`seed`, `next`, `int`, `between`, `chance`, `pick`, `fork`).
 *
 * When not to use: not for anything security related.
 */
export class SimRandom {
  readonly seed: number;
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number) {
    this.seed = seed >>> 0;
    let s = this.seed;
    const mix = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#a = mix();
    this.#b = mix();
    this.#c = mix();
    this.#d = mix();
    for (let i = 0; i < 12; i++) this.next();
  }

  /** Uniform in [0, 1). */
  next(): number {
    const t = (((this.#a + this.#b) >>> 0) + this.#d) >>> 0;
    this.#d = (this.#d + 1) >>> 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) >>> 0;
    this.#c = ((this.#c << 21) | (this.#c >>> 11)) >>> 0;
    this.#c = (this.#c + t) >>> 0;
    return t / 4294967296;
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Real in [min, max). */
  between(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new RangeError('pick from an empty list');
    return item;
  }

  fork(): SimRandom {
    return new SimRandom(Math.floor(this.next() * 4294967296));
  }
}
