/**
 * ChartSampler: the thin driver behind the page's live charts. Once a second it reads the node's
 * own metrics (the `store_write_seconds` histogram of its Prometheus registry, when there is one)
 * and the cluster view (hero actors per node), counts the fights the service's hero events reported
 * since the last sample, and adds one sample to a `ChartSeries`; every cluster view that differs
 * from the previous one adds its markers (leader change, node down / up, partition / heal).
 *
 * ```ts
 * const sampler = new ChartSampler(service, registry);
 * sampler.start(); // the first sample now, then one every intervalMs; again: no-op
 * sampler.view(); // { samples, markers } for GET /api/page/charts
 * sampler.stop(); // unsubscribes and stops the timer
 * ```
 *
 * A fight is a change of a hero's `fightsWon + fightsLost` between two of its events; a hero's
 * first event counts none (its earlier fights were before this sampler). A failed cluster read
 * keeps the previous per-node counts for that sample; the reason is logged once per outage.
 *
 * Timeouts: none; one sample's reads run at a time (a slow read delays the next sample, never
 * stacks them).
 *
 * When not to use: Prometheus scrapes `/metrics`; this is only the page's recent picture.
 */
import { every } from '@superhero-dispatch/runtime/cluster';
import type { Periodic } from '@superhero-dispatch/runtime/cluster';
import type { FastifyBaseLogger } from 'fastify';
import type { Registry } from 'prom-client';
import type { ClusterView, DispatchEvent } from '../model.ts';
import type { DispatchService } from '../service.ts';
import { ChartSeries, clusterMarkers, histogramWindow } from './chart-series.ts';
import type { ChartSeriesOptions, ChartsView, HistogramReading } from './chart-series.ts';

export interface ChartSamplerOptions extends ChartSeriesOptions {
  /** Time between samples, ms. Default 1,000: a smooth line at human speed, cheap to read. */
  readonly intervalMs?: number;
  readonly log?: FastifyBaseLogger;
}

const WRITE_HISTOGRAM = 'store_write_seconds';

async function readHistogram(registry: Registry | undefined): Promise<HistogramReading | undefined> {
  const metric = registry?.getSingleMetric(WRITE_HISTOGRAM);
  if (metric === undefined) return undefined;
  const { values } = await metric.get();
  let count = 0;
  const buckets = new Map<number, number>();
  for (const v of values) {
    const name = (v as { metricName?: string }).metricName;
    if (name === `${WRITE_HISTOGRAM}_count`) count = v.value;
    else if (name === `${WRITE_HISTOGRAM}_bucket`) {
      const le = v.labels['le'];
      const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
      buckets.set(bound, (buckets.get(bound) ?? 0) + v.value);
    }
  }
  return { count, buckets };
}

export class ChartSampler {
  readonly #service: DispatchService;
  readonly #registry: Registry | undefined;
  readonly #intervalMs: number;
  readonly #log: FastifyBaseLogger | undefined;
  readonly #series: ChartSeries;
  readonly #fightsOf = new Map<string, number>();
  #fights = 0;
  #lastAt: number | undefined;
  #lastWrites: HistogramReading | undefined;
  #lastView: ClusterView | undefined;
  #heroesByNode: Record<string, number> = {};
  #timer: Periodic | undefined;
  #unsubscribe: (() => void) | undefined;
  #sampling = false;
  #clusterFailing = false;

  constructor(service: DispatchService, registry: Registry | undefined, options: ChartSamplerOptions = {}) {
    this.#service = service;
    this.#registry = registry;
    this.#intervalMs = Math.max(10, options.intervalMs ?? 1000);
    this.#log = options.log;
    this.#series = new ChartSeries(options);
  }

  start(): void {
    if (this.#timer !== undefined) return;
    this.#unsubscribe = this.#service.subscribe((event) => this.#onEvent(event));
    this.#timer = every(this.#intervalMs, () => void this.#sample());
    // The first sample now: it is the view the first change is compared with, and the start of
    // the charts' window (markers before the oldest sample are not shown). Taken only after
    // intervalMs, a change made meanwhile (a partition right after the page opened, or while the
    // timer ran late on a busy loop) never showed its marker.
    void this.#sample();
  }

  stop(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  view(): ChartsView {
    return this.#series.view();
  }

  #onEvent(event: DispatchEvent): void {
    if (event.type === 'hero') {
      const fights = event.hero.fightsWon + event.hero.fightsLost;
      const before = this.#fightsOf.get(event.hero.id);
      if (before !== undefined && fights > before) this.#fights += fights - before;
      this.#fightsOf.set(event.hero.id, Math.max(fights, before ?? 0));
    } else if (event.type === 'hero-deleted') {
      this.#fightsOf.delete(event.id);
    } else if (event.type === 'cluster') {
      this.#observe(event.cluster, Date.now());
    }
  }

  #observe(view: ClusterView, at: number): void {
    for (const marker of clusterMarkers(this.#lastView, view, at)) this.#series.mark(marker);
    this.#lastView = view;
    this.#heroesByNode = Object.fromEntries(view.nodes.map((n) => [n.name, n.heroesHosted]));
  }

  async #sample(): Promise<void> {
    if (this.#sampling) return;
    this.#sampling = true;
    try {
      try {
        this.#observe(await this.#service.cluster(), Date.now());
        this.#clusterFailing = false;
      } catch (err) {
        if (!this.#clusterFailing) this.#log?.warn({ err }, 'charts: reading the cluster view failed');
        this.#clusterFailing = true;
      }
      const writes = await readHistogram(this.#registry);
      const at = Date.now();
      const seconds =
        this.#lastAt === undefined ? this.#intervalMs / 1000 : Math.max(0.001, (at - this.#lastAt) / 1000);
      const window = writes === undefined ? undefined : histogramWindow(this.#lastWrites, writes);
      this.#series.add({
        at,
        writesPerSec: window === undefined || this.#lastWrites === undefined ? null : window.count / seconds,
        writeP99Ms: window === undefined || this.#lastWrites === undefined ? null : window.p99Ms,
        fightsPerSec: this.#fights / seconds,
        heroesByNode: { ...this.#heroesByNode },
      });
      this.#fights = 0;
      this.#lastAt = at;
      this.#lastWrites = writes;
    } finally {
      this.#sampling = false;
    }
  }
}
