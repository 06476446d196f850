/**
 * Turns measurement windows into the run's figures and the verdict "does the cluster keep up".
 * Pure: no I/O, no clock.
 *
 * ```ts
 * const s = summarize(windows, { target: 1000, cities: 3 });
 * s.keepUpRatio; // loop writes achieved / loop writes due (live heroes / 4 s, plus the cities')
 * s.keepsUp;     // ratio ≥ 0.95, population held, latency not growing, no probe event lost
 * ```
 *
 * Keeping up means the heroes' own loops get their steps done at the rate the game asks for:
 * every hero alive at a window's start once per 4 s, and every city two steps per 5 s (patrol
 * and villain). Windows should be one hero loop long, so this count is exact. A step is done when
 * its write committed, or when it changed nothing and so needed no write (a rest at full health).
 * The writes the benchmark's API calls cause (creating replacements for the dead, probes) are
 * taken out first.
 * The population must also be held: a mean of at least 95 % of the target alive (heroes die, and
 * a cluster too slow to create their replacements runs a smaller game than asked for).
 * "Not growing" compares the last third of the windows with the first: the p99 of the event lag
 * may not both more than double and rise by more than 250 ms (judged from five windows on).
 *
 * When not to use: across runs with different window lengths (thirds are counted in windows).
 */
import { percentile, sortedCopy } from '../lib/stats.ts';
import { EMPTY_HISTOGRAM, addHistograms, histogramQuantile } from './prometheus.ts';
import type { Window } from './recorder.ts';

export interface SummaryOptions {
  /** Heroes the run meant to hold alive; keeping up needs a mean of at least `minRatio` of it. */
  readonly target: number;
  /** City nodes, each writing twice per `cityTickMs`. */
  readonly cities: number;
  /** Hero loop period, ms. Default 4,000 (the game's rule). */
  readonly heroTickMs?: number;
  /** City patrol and villain period, ms. Default 5,000 (the game's rule). */
  readonly cityTickMs?: number;
  /** Smallest achieved/due ratio that counts as keeping up. Default 0.95. */
  readonly minRatio?: number;
  /**
   * How the growing phase before the run ended, to say why a population fell short: it reached
   * the target, stalled (creating no faster than heroes die: `Plateau`), or ran out of its time.
   */
  readonly growth?: 'target' | 'plateau' | 'time';
}

const SHORT_BECAUSE: Record<NonNullable<SummaryOptions['growth']>, string> = {
  target: 'reached, then fewer alive while measured',
  plateau: 'creation no faster than deaths',
  time: 'growth stopped at its time limit',
};

export interface NodeSummary {
  readonly name: string;
  /** Mean CPU over the run, cores (1.0 = one core). */
  readonly cpuCores: number;
  /** Largest RSS seen at a window boundary, bytes. */
  readonly rssMaxBytes: number;
  /** Largest event-loop lag p99 reported at a boundary, ms. */
  readonly loopLagP99MaxMs: number;
}

export interface RunSummary {
  readonly seconds: number;
  readonly meanLive: number;
  readonly writesPerSec: number;
  readonly loopWritesPerSec: number;
  /** Hero steps that changed nothing and were not written, per second (count as done). */
  readonly unchangedPerSec: number;
  /** Store transactions the hero writes were grouped into, per second (raft mode; else 0). */
  readonly batchesPerSec: number;
  readonly dueWritesPerSec: number;
  readonly keepUpRatio: number;
  readonly minWindowRatio: number;
  readonly writeP50Ms: number;
  readonly writeP99Ms: number;
  readonly eventLagP50Ms: number;
  readonly eventLagP99Ms: number;
  readonly probeEventP50Ms: number;
  readonly probeEventP99Ms: number;
  readonly probeApiP50Ms: number;
  readonly probeApiP99Ms: number;
  readonly probes: number;
  readonly probesLost: number;
  readonly earlyLagP99Ms: number;
  readonly lateLagP99Ms: number;
  readonly latencyGrowing: boolean;
  readonly keepsUp: boolean;
  /** Why not, when `keepsUp` is false. */
  readonly reasons: readonly string[];
  readonly nodes: readonly NodeSummary[];
  readonly benchCpuCores: number;
  /** CPU time of all nodes per store write, ms: everything the cluster did, divided by its writes. */
  readonly cpuMsPerWrite: number;
}

/** Fewer windows than this are too short to tell a trend from noise: growth is not judged. */
export const MIN_TREND_WINDOWS = 5;
/**
 * Rise of the event lag p99 (last third over first) below which it does not count as growing, ms:
 * on a shared 2-core machine p99 jitters by a few hundred ms, while a backlog grows by seconds.
 */
export const GROWTH_MARGIN_MS = 250;

function p(values: readonly number[], q: number): number {
  return percentile(sortedCopy(values), q);
}

const mean = (values: readonly number[]): number =>
  values.length === 0 ? Number.NaN : values.reduce((s, v) => s + v, 0) / values.length;

/**
 * Loop writes due per second in a window: every hero alive at its start loops once per tick (one
 * created during the window has its first loop a tick later, one dying in it dies by a loop), plus
 * the cities' patrols and villain fights.
 */
function due(w: Window, o: SummaryOptions): number {
  return (w.liveAtStart * 1000) / (o.heroTickMs ?? 4000) + (o.cities * 2 * 1000) / (o.cityTickMs ?? 5000);
}

export function summarize(windows: readonly Window[], o: SummaryOptions): RunSummary {
  const seconds = windows.reduce((s, w) => s + w.seconds, 0);
  const writes = windows.reduce((s, w) => s + w.writes, 0);
  const caused = windows.reduce((s, w) => s + w.causedWrites, 0);
  const unchanged = windows.reduce((s, w) => s + w.unchanged, 0);
  const batches = windows.reduce((s, w) => s + w.batches, 0);
  const dueWrites = windows.reduce((s, w) => s + due(w, o) * w.seconds, 0);
  const ratios = windows.map((w) => (w.writes + w.unchanged - w.causedWrites) / w.seconds / due(w, o));
  const histogram = windows.reduce((h, w) => addHistograms(h, w.writeHistogram), EMPTY_HISTOGRAM);
  const lags = windows.flatMap((w) => w.eventLagMs);
  const probeEvents = windows.flatMap((w) => w.probes.eventMs);
  const probeApi = windows.flatMap((w) => w.probes.apiMs);
  const probesLost = windows.reduce((s, w) => s + w.probes.lost, 0);
  const third = Math.max(1, Math.floor(windows.length / 3));
  const earlyLagP99Ms = p(
    windows.slice(0, third).flatMap((w) => w.eventLagMs),
    99,
  );
  const lateLagP99Ms = p(
    windows.slice(-third).flatMap((w) => w.eventLagMs),
    99,
  );
  const latencyGrowing =
    windows.length >= MIN_TREND_WINDOWS &&
    lateLagP99Ms > 2 * earlyLagP99Ms &&
    lateLagP99Ms - earlyLagP99Ms > GROWTH_MARGIN_MS;
  const keepUpRatio = (writes + unchanged - caused) / dueWrites;
  const minRatio = o.minRatio ?? 0.95;
  const reasons: string[] = [];
  if (!(keepUpRatio >= minRatio))
    reasons.push(`loop steps ${(keepUpRatio * 100).toFixed(1)} % of due (< ${minRatio * 100} %)`);
  if (latencyGrowing)
    reasons.push(`event lag p99 grew from ${earlyLagP99Ms.toFixed(0)} ms to ${lateLagP99Ms.toFixed(0)} ms`);
  const meanLive = mean(windows.map((w) => w.meanLive));
  if (!(meanLive >= minRatio * o.target))
    reasons.push(
      `held only ${meanLive.toFixed(0)} of ${o.target} heroes alive` +
        (o.growth === undefined ? '' : ` (${SHORT_BECAUSE[o.growth]})`),
    );
  if (probesLost > 0) reasons.push(`${probesLost} probe events never arrived`);
  const names = windows[0]?.nodes.map((n) => n.name) ?? [];
  const cpuSeconds = windows.reduce(
    (sum, w) => sum + w.nodes.reduce((t, n) => t + n.cpuCores, 0) * w.seconds,
    0,
  );
  return {
    seconds,
    meanLive,
    writesPerSec: writes / seconds,
    loopWritesPerSec: (writes - caused) / seconds,
    unchangedPerSec: unchanged / seconds,
    batchesPerSec: batches / seconds,
    dueWritesPerSec: dueWrites / seconds,
    keepUpRatio,
    minWindowRatio: Math.min(...ratios),
    writeP50Ms: histogramQuantile(histogram, 0.5) * 1000,
    writeP99Ms: histogramQuantile(histogram, 0.99) * 1000,
    eventLagP50Ms: p(lags, 50),
    eventLagP99Ms: p(lags, 99),
    probeEventP50Ms: p(probeEvents, 50),
    probeEventP99Ms: p(probeEvents, 99),
    probeApiP50Ms: p(probeApi, 50),
    probeApiP99Ms: p(probeApi, 99),
    probes: probeEvents.length,
    probesLost,
    earlyLagP99Ms,
    lateLagP99Ms,
    latencyGrowing,
    keepsUp: reasons.length === 0,
    reasons,
    nodes: names.map((name, i) => ({
      name,
      cpuCores: mean(windows.map((w) => w.nodes[i]?.cpuCores ?? Number.NaN)),
      rssMaxBytes: Math.max(...windows.map((w) => w.nodes[i]?.rssBytes ?? Number.NaN)),
      loopLagP99MaxMs: Math.max(...windows.map((w) => w.nodes[i]?.loopLagP99Ms ?? Number.NaN)),
    })),
    benchCpuCores: mean(windows.map((w) => w.benchCpuCores)),
    cpuMsPerWrite: (cpuSeconds * 1000) / writes,
  };
}
