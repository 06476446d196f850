/**
 * The shape and timing of a dispatch benchmark run: which populations are measured for how long,
 * how the time budget is shared between the store modes, how long growing a population may take,
 * and when growing has stalled.
 *
 * ```ts
 * const budget = new Budget(quick ? QUICK_BUDGET_MS : FULL_BUDGET_MS);
 * const stages = stagesFor(quick, modes.length);
 * const modeDeadline = budget.modeDeadline(MODE_SHARE.raft, 1);
 * const limit = growLimitMs(stages, 0, modeDeadline);
 * ```
 *
 * Measurements last whole multiples of the heroes' 4-second loop: every hero then loops the same
 * number of times inside the measurement whatever its phase, so the count of writes due is exact.
 *
 * When not to use: for anything but this suite; the numbers are tuned to its 60 s / 5 min limits.
 */

/** The heroes' loop period, ms (the game's rule); measurements are whole multiples of it. */
export const HERO_TICK_MS = 4000;

/** Whole run, from the suite's start, ms. Quick: 54 s, so the command stays under 60 s with Node's start-up. */
export const QUICK_BUDGET_MS = 54_000;
/** Whole run, from the suite's start, ms. Full: 270 s, under 5 minutes with start-up and slow stops. */
export const FULL_BUDGET_MS = 270_000;

/** Time kept for stopping a cluster, ms. */
const STOP_RESERVE_MS = 2000;
/** The shortest growing phase a later stage is promised, ms. */
const MIN_GROW_MS = 3000;

/** Share of the remaining budget a mode gets when both run: Raft is the bar and grows slower. */
export const MODE_SHARE = { raft: 0.55, crdt: 0.45 } as const;

export interface Stage {
  readonly heroes: number;
  /** A whole multiple of `HERO_TICK_MS`. */
  readonly measureMs: number;
  /** Loops running at the target population before measuring, ms. */
  readonly warmupMs: number;
  /** Longest time to reach the target population, ms, before the budget cuts it shorter. */
  readonly growLimitMs: number;
}

/** The stages of one mode: quick measures 1,000 heroes; full adds 10,000. Two modes shorten them. */
export function stagesFor(quick: boolean, modes: number): Stage[] {
  const both = modes > 1;
  const ticks = (n: number): number => n * HERO_TICK_MS;
  const small: Stage = {
    heroes: 1000,
    measureMs: both ? ticks(3) : ticks(5),
    warmupMs: both ? 2000 : 3000,
    growLimitMs: 30_000,
  };
  if (quick) return [small];
  return [
    small,
    { heroes: 10_000, measureMs: both ? ticks(8) : ticks(15), warmupMs: 8000, growLimitMs: 120_000 },
  ];
}

/** The populations of the sweep (bench/dispatch/sweep-suite.ts), in the order they are grown. */
export const SWEEP_HEROES = [1000, 5000, 10_000, 25_000] as const;

/**
 * Whole sweep, from the suite's start, ms. Quick: 4 min (every stage's growth at its limit fits);
 * full: 8.5 min. Both stay under 10 minutes with start-up and stopping.
 */
export const SWEEP_QUICK_BUDGET_MS = 240_000;
export const SWEEP_FULL_BUDGET_MS = 510_000;

/**
 * The sweep's stages, one store mode: every population of `SWEEP_HEROES`, measured for 2 hero
 * loops (quick) or 5 (full). Growing to 25,000 is bounded: heroes die at ~1 % a second, so near
 * 25,000 the cluster must create ~240 a second just to stay there, and a stage that cannot is
 * measured at what it reached (its "live heroes" row says how many).
 */
export function sweepStages(quick: boolean): Stage[] {
  const grow = quick ? [20_000, 45_000, 45_000, 75_000] : [30_000, 90_000, 90_000, 180_000];
  return SWEEP_HEROES.map((heroes, i) => ({
    heroes,
    measureMs: (quick ? 2 : 5) * HERO_TICK_MS,
    warmupMs: quick ? 2000 : 4000,
    growLimitMs: grow[i] ?? 60_000,
  }));
}

export class Budget {
  readonly #deadline: number;

  constructor(totalMs: number, now = performance.now()) {
    this.#deadline = now + totalMs;
  }

  /** The deadline of a mode that gets `share` of what is left (1 when it runs alone). */
  modeDeadline(share: number, now = performance.now()): number {
    return now + Math.max(0, this.#deadline - now) * share;
  }
}

/**
 * How long stage `index` may grow its population: its own limit, cut so that its warm-up and
 * measurement, and every later stage's, still fit before `deadline`.
 */
export function growLimitMs(
  stages: readonly Stage[],
  index: number,
  deadline: number,
  now = performance.now(),
): number {
  const stage = stages[index];
  if (!stage) return 0;
  let reserved = STOP_RESERVE_MS;
  for (let i = index; i < stages.length; i++) {
    const s = stages[i] as Stage;
    reserved += s.warmupMs + s.measureMs + (i > index ? MIN_GROW_MS : 0);
  }
  return Math.max(MIN_GROW_MS, Math.min(stage.growLimitMs, deadline - now - reserved));
}

/** Growth stalled this long ends the growing phase, ms: five hero loops. */
export const PLATEAU_MS = 20_000;

/**
 * Tells when growing has stalled: the live count rose by less than 2 % over the last
 * `PLATEAU_MS`, so creating heroes is no faster than they die and waiting longer is wasted time.
 */
export class Plateau {
  readonly #history: number[] = [];
  readonly #timer: NodeJS.Timeout;

  constructor(live: () => number) {
    this.#timer = setInterval(() => this.#history.push(live()), 1000);
  }

  reached(): boolean {
    const span = PLATEAU_MS / 1000;
    if (this.#history.length <= span) return false;
    const now = this.#history[this.#history.length - 1] as number;
    const before = this.#history[this.#history.length - 1 - span] as number;
    return now < before * 1.02;
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
