/**
 * Reading Prometheus text exposition (what `/metrics` serves): samples by name and labels, a
 * histogram's cumulative buckets, the difference of two scrapes, and a quantile interpolated inside
 * the bucket that holds it (as PromQL's `histogram_quantile` does). Pure functions.
 *
 * ```ts
 * const before = parseMetrics(textA), after = parseMetrics(textB);
 * const h = subtractHistograms(histogramOf(after, 'store_write_seconds'), histogramOf(before, 'store_write_seconds'));
 * histogramQuantile(h, 0.99); // seconds
 * ```
 *
 * When not to use: for OpenMetrics exemplars or native histograms (not parsed here).
 */

/** Samples of one scrape: `name` or `name{labels as served}` → value. */
export type Samples = ReadonlyMap<string, number>;

export interface Histogram {
  /** Upper bounds (seconds for `_seconds` histograms), ascending, ending with +Infinity. */
  readonly le: readonly number[];
  /** Cumulative counts per bound. */
  readonly cumulative: readonly number[];
  readonly count: number;
  readonly sum: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/;

export function parseMetrics(text: string): Samples {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) continue;
    const value = parseValue(m[3] as string);
    if (value !== undefined) out.set(`${m[1]}${m[2] ?? ''}`, value);
  }
  return out;
}

function parseValue(text: string): number | undefined {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  const v = Number(text);
  return Number.isNaN(v) && text !== 'NaN' ? undefined : v;
}

/** The label-less histogram `name` of a scrape; an empty one when the scrape lacks it. */
export function histogramOf(samples: Samples, name: string): Histogram {
  const buckets: { le: number; count: number }[] = [];
  const prefix = `${name}_bucket{`;
  for (const [key, value] of samples) {
    if (!key.startsWith(prefix)) continue;
    const le = /le="([^"]*)"/.exec(key)?.[1];
    if (le === undefined) continue;
    const bound = parseValue(le);
    if (bound !== undefined) buckets.push({ le: bound, count: value });
  }
  buckets.sort((a, b) => a.le - b.le);
  return {
    le: buckets.map((b) => b.le),
    cumulative: buckets.map((b) => b.count),
    count: samples.get(`${name}_count`) ?? 0,
    sum: samples.get(`${name}_sum`) ?? 0,
  };
}

/** `later − earlier`, bucket by bucket (same bounds; a missing side counts as zero). */
export function subtractHistograms(later: Histogram, earlier: Histogram): Histogram {
  const le = later.le.length >= earlier.le.length ? later.le : earlier.le;
  const at = (h: Histogram, bound: number): number => {
    const i = h.le.indexOf(bound);
    return i < 0 ? 0 : (h.cumulative[i] as number);
  };
  return {
    le,
    cumulative: le.map((b) => at(later, b) - at(earlier, b)),
    count: later.count - earlier.count,
    sum: later.sum - earlier.sum,
  };
}

/** Bucket-wise sum (same bounds), for adding up the nodes of a cluster. */
export function addHistograms(a: Histogram, b: Histogram): Histogram {
  const le = a.le.length >= b.le.length ? a.le : b.le;
  const at = (h: Histogram, bound: number): number => {
    const i = h.le.indexOf(bound);
    return i < 0 ? 0 : (h.cumulative[i] as number);
  };
  return {
    le,
    cumulative: le.map((bound) => at(a, bound) + at(b, bound)),
    count: a.count + b.count,
    sum: a.sum + b.sum,
  };
}

export const EMPTY_HISTOGRAM: Histogram = { le: [], cumulative: [], count: 0, sum: 0 };

/**
 * The q-quantile (0..1), interpolated linearly inside its bucket, the first bucket starting at 0.
 * A quantile that falls in the +Inf bucket answers the highest finite bound (the most we know).
 * NaN when the histogram is empty.
 */
export function histogramQuantile(h: Histogram, q: number): number {
  const total = h.cumulative[h.cumulative.length - 1] ?? 0;
  if (total <= 0) return Number.NaN;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (let i = 0; i < h.le.length; i++) {
    const upper = h.le[i] as number;
    const count = h.cumulative[i] as number;
    if (count >= rank) {
      if (!Number.isFinite(upper)) return lower;
      const inBucket = count - below;
      return inBucket <= 0 ? upper : lower + (upper - lower) * ((rank - below) / inBucket);
    }
    lower = Number.isFinite(upper) ? upper : lower;
    below = count;
  }
  return lower;
}
