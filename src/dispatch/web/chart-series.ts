/**
 * The live charts' data: the last few minutes of one node's samples (store writes/s, write p99,
 * heroes per node, fights/s) and markers for what happened in the cluster (leader change, node
 * down / up, partition / heal), kept in fixed-size rings. Pure: the sampler (`chart-sampler.ts`)
 * brings the readings and the time.
 *
 * ```ts
 * const series = new ChartSeries({ capacity: 300 });
 * series.add({ at, writesPerSec, writeP99Ms, fightsPerSec, heroesByNode });
 * for (const m of clusterMarkers(previousView, view, at)) series.mark(m);
 * series.view(); // → JSON for GET /api/page/charts
 * ```
 *
 * Helpers: `histogramWindow(before, after)` turns two cumulative readings of a Prometheus histogram
 * into the count and the p99 (upper bucket bound) of what happened between them.
 *
 * When not to use: these are for eyes, not for alerts; Prometheus scrapes `/metrics`.
 */
import type { ClusterView } from '../model.ts';

export interface ChartSample {
  /** Unix ms. */
  readonly at: number;
  /** Store writes per second since the previous sample; null where the node has no store metrics. */
  readonly writesPerSec: number | null;
  /** p99 of those writes in ms (upper bucket bound); null when there were none. */
  readonly writeP99Ms: number | null;
  readonly fightsPerSec: number;
  /** Hero actors per node, as the cluster view says. */
  readonly heroesByNode: Readonly<Record<string, number>>;
}

export type MarkerKind = 'leader' | 'down' | 'up' | 'partition' | 'heal';

export interface ChartMarker {
  readonly at: number;
  readonly kind: MarkerKind;
  readonly text: string;
}

export interface ChartsView {
  readonly samples: readonly ChartSample[];
  readonly markers: readonly ChartMarker[];
}

export interface ChartSeriesOptions {
  /** Samples kept. Default 300: five minutes at one a second. */
  readonly capacity?: number;
  /** Markers kept. Default 100. */
  readonly markerCapacity?: number;
}

export class ChartSeries {
  readonly #capacity: number;
  readonly #markerCapacity: number;
  readonly #samples: ChartSample[] = [];
  readonly #markers: ChartMarker[] = [];

  constructor(options: ChartSeriesOptions = {}) {
    this.#capacity = Math.max(1, options.capacity ?? 300);
    this.#markerCapacity = Math.max(1, options.markerCapacity ?? 100);
  }

  add(sample: ChartSample): void {
    this.#samples.push(sample);
    if (this.#samples.length > this.#capacity) this.#samples.shift();
  }

  mark(marker: ChartMarker): void {
    this.#markers.push(marker);
    if (this.#markers.length > this.#markerCapacity) this.#markers.shift();
  }

  /** Markers older than the oldest sample are left out: they would fall off the chart. */
  view(): ChartsView {
    const since = this.#samples[0]?.at ?? Number.POSITIVE_INFINITY;
    return { samples: [...this.#samples], markers: this.#markers.filter((m) => m.at >= since) };
  }
}

/** One cumulative reading of a histogram: count, and `le` → cumulative count per bucket. */
export interface HistogramReading {
  readonly count: number;
  readonly buckets: ReadonlyMap<number, number>;
}

/**
 * Count and p99 (ms, the upper bound of the bucket it falls in) of what happened in between. Past
 * the last finite bucket the p99 is reported as that bound: a floor, drawn at the chart's top.
 */
export function histogramWindow(
  before: HistogramReading | undefined,
  after: HistogramReading,
): { count: number; p99Ms: number | null } {
  const count = Math.max(0, after.count - (before?.count ?? 0));
  if (count === 0) return { count, p99Ms: null };
  const need = count * 0.99;
  const bounds = [...after.buckets.keys()].filter(Number.isFinite).sort((a, b) => a - b);
  for (const le of bounds) {
    const inWindow = (after.buckets.get(le) ?? 0) - (before?.buckets.get(le) ?? 0);
    if (inWindow >= need) return { count, p99Ms: le * 1000 };
  }
  const last = bounds.at(-1);
  return { count, p99Ms: last === undefined ? null : last * 1000 };
}

/** What changed between two cluster views, as chart markers. */
export function clusterMarkers(
  before: ClusterView | undefined,
  after: ClusterView,
  at: number,
): ChartMarker[] {
  if (before === undefined) return [];
  const markers: ChartMarker[] = [];
  const leaderBefore = before.raft?.leader ?? null;
  const leaderAfter = after.raft?.leader ?? null;
  if (after.raft !== undefined && leaderAfter !== leaderBefore) {
    markers.push({ at, kind: 'leader', text: `leader ${leaderAfter ?? 'none'}` });
  }
  const old = new Map(before.nodes.map((n) => [n.name, n.status]));
  for (const node of after.nodes) {
    const was = old.get(node.name);
    if (was === undefined || was === node.status) continue;
    const kind: MarkerKind =
      node.status === 'partitioned'
        ? 'partition'
        : node.status === 'up'
          ? was === 'partitioned'
            ? 'heal'
            : 'up'
          : 'down';
    markers.push({ at, kind, text: `${node.name} ${kind}` });
  }
  return markers;
}
