/**
 * How the live heroes are hosted across the nodes at one moment, and the hero-seconds spent
 * unhosted or duplicated between samples: the arithmetic of the dispatch recovery bench, apart from
 * its HTTP polling. A sample is the live hero ids (`GET /api/heroes`) and each answering node's
 * hosted ids (`GET /api/hosted`); a node that is down or frozen hosts nothing that runs.
 *
 * ```ts
 * const s = hostedSample(liveIds, [gothamHosted, metropolisHosted]);
 * s.clean; // every live hero hosted exactly once
 * tally.add(s, t); tally.unhostedHeroSec; tally.cleanSince;
 * ```
 *
 * Pure: no I/O, no clock (times come in).
 */
export interface HostedSample {
  readonly live: number;
  /** Live heroes hosted by no node. */
  readonly unhosted: number;
  /** Copies beyond the first, over the live heroes. */
  readonly extra: number;
  readonly clean: boolean;
  /** Live heroes hosted by no node in this sample (counted in `unhosted` only if also in the last). */
  readonly missing: ReadonlySet<string>;
}

/**
 * `live`: the heroes listed both before and after the nodes' hosted lists were read (a hero that
 * died or was born meanwhile is not counted either way). `unhostedBefore`: the heroes found
 * unhosted in the previous sample — a hero counts as unhosted only when it is so in two samples in a
 * row, since a hero whose actor has just ended may still be listed for a moment (its record's
 * deletion on its way).
 */
export function hostedSample(
  live: readonly string[],
  hosted: readonly (readonly string[])[],
  unhostedBefore?: ReadonlySet<string>,
): HostedSample {
  const count = new Map<string, number>(live.map((id) => [id, 0]));
  for (const list of hosted)
    for (const id of list) {
      const n = count.get(id);
      if (n !== undefined) count.set(id, n + 1);
    }
  let unhosted = 0;
  let extra = 0;
  const missing = new Set<string>();
  for (const [id, n] of count) {
    if (n === 0) {
      missing.add(id);
      if (unhostedBefore === undefined || unhostedBefore.has(id)) unhosted++;
    } else extra += n - 1;
  }
  return { live: live.length, unhosted, extra, clean: unhosted === 0 && extra === 0, missing };
}

/**
 * Samples over time (ms): each one's counts hold until the next (a step function), so the sums are
 * as fine as the polling; `cleanSince` is the start of the current run of clean samples.
 */
export class HostedTally {
  unhostedHeroMs = 0;
  duplicatedHeroMs = 0;
  cleanSince: number | undefined;
  /** The last sample that was not clean, and when. */
  lastUnclean: { readonly t: number; readonly s: HostedSample } | undefined;
  private last: { readonly t: number; readonly s: HostedSample } | undefined;

  add(s: HostedSample, t: number): void {
    if (this.last) {
      const dt = Math.max(0, t - this.last.t);
      this.unhostedHeroMs += this.last.s.unhosted * dt;
      this.duplicatedHeroMs += this.last.s.extra * dt;
    }
    this.last = { t, s };
    if (!s.clean) {
      this.cleanSince = undefined;
      this.lastUnclean = { t, s };
    } else this.cleanSince ??= t;
  }
}
