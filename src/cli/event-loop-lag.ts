/**
 * A node's event-loop lag gauges, `nodejs_eventloop_lag_{min,max,mean,stddev,p50,p90,p99}_seconds`
 * (the names prom-client's default metrics give them), fed by the runtime's shared 50-ms tick
 * (`onTickLateness`) rather than by prom-client's `monitorEventLoopDelay` histogram, whose timer
 * woke an idle node 20 times a second beside the tick: two of every five of its wake-ups. A sample
 * is how much later than 50 ms after the previous tick a tick came, so an idle node reads ~0 and
 * a 300-ms stall ~0.25 s. Each scrape reports the samples since the previous one and starts
 * afresh, as prom-client's histogram did.
 *
 * ```ts
 * collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: LAG_TIMER_OFF_MS });
 * registerEventLoopLag(registry); // replaces the histogram's gauges
 * ```
 */
import { onTickLateness } from '@superhero-dispatch/runtime/cluster';
import { Gauge, type Registry } from 'prom-client';

/**
 * The period to give prom-client's histogram (`eventLoopMonitoringPrecision`, ms) so that its
 * timer never fires in practice (every 24.8 days): the gauges it fed are replaced here.
 */
export const LAG_TIMER_OFF_MS = 2 ** 31 - 1;

/** Samples kept between two scrapes at most: 3.4 min of ticks. */
const MAX_SAMPLES = 4096;

export interface LagSummary {
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly stddev: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
}

/** Min, max, mean, standard deviation and nearest-rank percentiles of `samples`; all 0 when empty. */
export function summarizeLag(samples: readonly number[]): LagSummary {
  const n = samples.length;
  if (n === 0) return { min: 0, max: 0, mean: 0, stddev: 0, p50: 0, p90: 0, p99: 0 };
  const sorted = [...samples].sort((a, b) => a - b);
  let sum = 0;
  for (const x of sorted) sum += x;
  const mean = sum / n;
  let squares = 0;
  for (const x of sorted) squares += (x - mean) ** 2;
  const rank = (p: number): number => sorted[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))]!;
  return {
    min: sorted[0]!,
    max: sorted[n - 1]!,
    mean,
    stddev: Math.sqrt(squares / n),
    p50: rank(50),
    p90: rank(90),
    p99: rank(99),
  };
}

const GAUGES: ReadonlyArray<readonly [keyof LagSummary, string, string]> = [
  ['min', 'nodejs_eventloop_lag_min_seconds', 'The minimum recorded event loop delay.'],
  ['max', 'nodejs_eventloop_lag_max_seconds', 'The maximum recorded event loop delay.'],
  ['mean', 'nodejs_eventloop_lag_mean_seconds', 'The mean of the recorded event loop delays.'],
  [
    'stddev',
    'nodejs_eventloop_lag_stddev_seconds',
    'The standard deviation of the recorded event loop delays.',
  ],
  ['p50', 'nodejs_eventloop_lag_p50_seconds', 'The 50th percentile of the recorded event loop delays.'],
  ['p90', 'nodejs_eventloop_lag_p90_seconds', 'The 90th percentile of the recorded event loop delays.'],
  ['p99', 'nodejs_eventloop_lag_p99_seconds', 'The 99th percentile of the recorded event loop delays.'],
];

/**
 * Replaces the histogram-fed lag gauges of `registry` (those `collectDefaultMetrics` registered,
 * if any) with gauges fed by the shared tick. Returns a function that stops the sampling.
 */
export function registerEventLoopLag(registry: Registry): () => void {
  let samples: number[] = [];
  const stop = onTickLateness((lateMs) => {
    if (samples.length >= MAX_SAMPLES) samples.shift();
    samples.push(lateMs / 1000);
  });
  const gauges: Array<{ readonly key: keyof LagSummary; readonly gauge: Gauge }> = [];
  // The first of them is the first collected in a scrape: it takes the window and sets them all,
  // as prom-client's own lag gauge does for the histogram's.
  const takeWindow = (): void => {
    const summary = summarizeLag(samples);
    samples = [];
    for (const { key, gauge } of gauges) gauge.set(summary[key]);
  };
  for (const [key, name, help] of GAUGES) {
    registry.removeSingleMetric(name);
    const first = gauges.length === 0 ? { collect: takeWindow } : {};
    gauges.push({ key, gauge: new Gauge({ name, help, registers: [registry], ...first }) });
  }
  return stop;
}
