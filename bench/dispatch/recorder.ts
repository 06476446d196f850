/**
 * Measures a running cluster in consecutive windows of fixed length. At each window boundary it
 * scrapes every node's `/metrics` and reads each node process's `/proc/<pid>/stat`; a window is the
 * difference of two boundaries plus what arrived in between (event lags, probe samples, live-hero
 * counts sampled once a second).
 *
 * ```ts
 * const recorder = new Recorder({ nodes: cluster.nodes, feed, population, probes });
 * const windows = await recorder.run(20_000, 5_000); // four 5-second windows
 * ```
 *
 * Per window: store writes (sum over nodes of the `store_write_seconds_count` delta), hero steps
 * that needed no write (`dispatch_hero_unchanged_total`), the store transactions the writes were
 * grouped into (`store_write_batches_total`), the writes
 * the benchmark's own calls caused, the live heroes at its start and on average, the summed write-latency
 * histogram delta, the lag of every hero event (arrival on the observer minus the hero's
 * `updatedAt`), the probes' samples, and per node its CPU (cores busy), RSS and event-loop lag p99.
 *
 * When not to use: for sub-second resolution — each boundary costs three scrapes.
 */
import { fetchText } from './api.ts';
import type { EventFeed } from './event-feed.ts';
import type { Population } from './population.ts';
import type { ProbeSamples, Probes } from './probes.ts';
import type { ProcStat } from './proc-stat.ts';
import { readProcStat } from './proc-stat.ts';
import type { Histogram, Samples } from './prometheus.ts';
import {
  EMPTY_HISTOGRAM,
  addHistograms,
  histogramOf,
  parseMetrics,
  subtractHistograms,
} from './prometheus.ts';

export const WRITE_HISTOGRAM = 'store_write_seconds';
export const UNCHANGED_COUNTER = 'dispatch_hero_unchanged_total';
export const BATCH_COUNTER = 'store_write_batches_total';

export interface NodeWindow {
  readonly name: string;
  /** CPU time used per second of the window (1.0 = one core fully busy); NaN when unknown. */
  readonly cpuCores: number;
  /** RSS at the window's end, bytes; NaN when unknown. */
  readonly rssBytes: number;
  /** The node's own event-loop lag p99 at the window's end (`nodejs_eventloop_lag_p99_seconds`), ms. */
  readonly loopLagP99Ms: number;
  /** Store writes on this node in the window. */
  readonly writes: number;
  /** `store_writable` at the window's end: 1 writable, 0 not (Raft: no quorum or no leader), NaN unknown. */
  readonly writable: number;
  /** `cluster_peers_up` at the window's end; NaN when unknown. */
  readonly peersUp: number;
}

export interface Window {
  readonly seconds: number;
  readonly writes: number;
  /** Hero steps that changed nothing and so wrote nothing (`dispatch_hero_unchanged_total`): done, not written. */
  readonly unchanged: number;
  /** Store transactions the hero writes were grouped into (`store_write_batches_total`; raft mode). */
  readonly batches: number;
  readonly causedWrites: number;
  /** Live heroes at the window's start: each of them loops once per 4 s of the window. */
  readonly liveAtStart: number;
  readonly meanLive: number;
  readonly writeHistogram: Histogram;
  readonly eventLagMs: readonly number[];
  readonly probes: ProbeSamples;
  readonly nodes: readonly NodeWindow[];
  /** CPU of the benchmark process itself (load generator, feed, scrapes), cores. */
  readonly benchCpuCores: number;
}

export interface RecorderOptions {
  readonly nodes: readonly { readonly name: string; readonly webPort: number; readonly pid: number }[];
  readonly feed: EventFeed;
  readonly population: Population;
  readonly probes: Probes;
}

interface Boundary {
  readonly at: number;
  readonly metrics: readonly (Samples | undefined)[];
  readonly procs: readonly (ProcStat | undefined)[];
  readonly caused: number;
  readonly live: number;
  readonly benchCpuSeconds: number;
}

export class Recorder {
  readonly #o: RecorderOptions;
  #lags: number[] = [];
  #live: number[] = [];
  #recording = false;
  readonly #lastMetrics: (Samples | undefined)[] = [];
  /** Scrapes that got no answer (a node too busy to serve `/metrics` within 5 s). */
  missedScrapes = 0;

  constructor(options: RecorderOptions) {
    this.#o = options;
    options.feed.onHero((hero, arrivedAt) => {
      if (this.#recording) this.#lags.push(arrivedAt - hero.updatedAt);
    });
  }

  /** Measures for `durationMs` in windows of `windowMs`; the probes are drained at each boundary. */
  async run(durationMs: number, windowMs: number): Promise<Window[]> {
    const windows: Window[] = [];
    this.#o.probes.take();
    let prev = await this.#boundary();
    this.#lags = [];
    this.#live = [this.#o.feed.liveCount()];
    this.#recording = true;
    const liveTimer = setInterval(() => this.#live.push(this.#o.feed.liveCount()), 1000);
    try {
      const end = prev.at + durationMs;
      while (prev.at < end - windowMs / 2) {
        const wake = Math.min(end, prev.at + windowMs) - performance.now();
        if (wake > 0) await new Promise((r) => setTimeout(r, wake));
        const cur = await this.#boundary();
        this.#live.push(this.#o.feed.liveCount());
        windows.push(this.#window(prev, cur));
        prev = cur;
      }
    } finally {
      clearInterval(liveTimer);
      this.#recording = false;
    }
    return windows;
  }

  async #boundary(): Promise<Boundary> {
    const texts = await Promise.all(this.#o.nodes.map((n) => fetchText(n.webPort, '/metrics')));
    this.missedScrapes += texts.filter((t) => t === undefined).length;
    const cpu = process.cpuUsage();
    return {
      at: performance.now(),
      // A node that did not answer keeps its last scrape: its writes then count in the next window
      // it answers in, rather than being lost.
      metrics: texts.map((t, i) => {
        if (t !== undefined) this.#lastMetrics[i] = parseMetrics(t);
        return this.#lastMetrics[i];
      }),
      procs: this.#o.nodes.map((n) => readProcStat(n.pid)),
      caused: this.#o.population.counts.causedWrites,
      live: this.#o.feed.liveCount(),
      benchCpuSeconds: (cpu.user + cpu.system) / 1e6,
    };
  }

  #window(a: Boundary, b: Boundary): Window {
    const seconds = (b.at - a.at) / 1000;
    let writes = 0;
    let unchanged = 0;
    let batches = 0;
    let histogram = EMPTY_HISTOGRAM;
    const nodes = this.#o.nodes.map((node, i): NodeWindow => {
      const ma = a.metrics[i];
      const mb = b.metrics[i];
      const delta =
        ma && mb
          ? subtractHistograms(histogramOf(mb, WRITE_HISTOGRAM), histogramOf(ma, WRITE_HISTOGRAM))
          : EMPTY_HISTOGRAM;
      writes += delta.count;
      unchanged += (mb?.get(UNCHANGED_COUNTER) ?? 0) - (ma?.get(UNCHANGED_COUNTER) ?? 0);
      batches += (mb?.get(BATCH_COUNTER) ?? 0) - (ma?.get(BATCH_COUNTER) ?? 0);
      histogram = addHistograms(histogram, delta);
      const pa = a.procs[i];
      const pb = b.procs[i];
      const lag = mb?.get('nodejs_eventloop_lag_p99_seconds');
      return {
        name: node.name,
        cpuCores: pa && pb ? (pb.cpuSeconds - pa.cpuSeconds) / seconds : Number.NaN,
        rssBytes: pb ? pb.rssBytes : Number.NaN,
        loopLagP99Ms: lag === undefined ? Number.NaN : lag * 1000,
        writes: delta.count,
        writable: mb?.get('store_writable') ?? Number.NaN,
        peersUp: mb?.get('cluster_peers_up') ?? Number.NaN,
      };
    });
    const live = this.#live;
    this.#live = [];
    const lags = this.#lags;
    this.#lags = [];
    return {
      seconds,
      writes,
      unchanged,
      batches,
      causedWrites: b.caused - a.caused,
      liveAtStart: a.live,
      meanLive: live.length === 0 ? Number.NaN : live.reduce((s, v) => s + v, 0) / live.length,
      writeHistogram: histogram,
      eventLagMs: lags,
      probes: this.#o.probes.take(),
      nodes,
      benchCpuCores: (b.benchCpuSeconds - a.benchCpuSeconds) / seconds,
    };
  }
}
