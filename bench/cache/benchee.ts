/**
 * Measuring and printing as Elixir's Benchee does: each job runs for a warm-up, then for a fixed
 * time; the table gives iterations per second, average, deviation, median and 99th percentile,
 * then a comparison of every job against the fastest ("1.76x slower +264.55 μs").
 */
import { gc, nowNs, percentile, sortedCopy } from '../lib/stats.ts';

export interface JobStats {
  readonly name: string;
  /** Iterations per second (1 / average). */
  readonly ips: number;
  readonly averageNs: number;
  /** Standard deviation as a percentage of the average. */
  readonly deviationPct: number;
  readonly medianNs: number;
  readonly p99Ns: number;
  readonly runs: number;
}

export interface MeasureOptions {
  readonly warmupMs: number;
  readonly timeMs: number;
  /** Runs before each iteration, untimed (e.g. an empty cache for a "no cache" run). */
  readonly before?: () => Promise<void> | void;
}

/** A run of synchronous jobs lets the event loop turn this often, ns (outside any sample). */
const YIELD_EVERY_NS = 1e6;

/**
 * Runs `job` for the warm-up, then for `timeMs`, timing each run. A job that answers synchronously
 * is not awaited (as Benchee calls an Elixir function: no scheduler turn between runs); one that
 * answers with a promise is awaited before the next run starts. Between samples the event loop
 * turns at least every millisecond, as BEAM preempts a process, so the in-process clusters of
 * other subjects keep their heartbeats.
 */
export async function measure(name: string, job: () => unknown, o: MeasureOptions): Promise<JobStats> {
  const run = async (untilNs: number, samples: number[] | undefined): Promise<void> => {
    let turnedAt = nowNs();
    let now: number;
    do {
      if (o.before) await o.before();
      const t0 = nowNs();
      const answer = job();
      // A promise settled by microtasks alone does not let the loop turn either.
      if (answer instanceof Promise) await answer;
      now = nowNs();
      samples?.push(now - t0);
      if (now - turnedAt > YIELD_EVERY_NS) {
        await new Promise((resolve) => setImmediate(resolve));
        now = turnedAt = nowNs();
      }
    } while (now < untilNs);
  };
  await run(nowNs() + o.warmupMs * 1e6, undefined);
  gc();
  const samples: number[] = [];
  await run(nowNs() + o.timeMs * 1e6, samples);
  const sorted = sortedCopy(samples);
  const average = samples.reduce((a, b) => a + b, 0) / samples.length;
  const variance = samples.reduce((a, b) => a + (b - average) ** 2, 0) / Math.max(1, samples.length - 1);
  return {
    name,
    ips: 1e9 / average,
    averageNs: average,
    deviationPct: (Math.sqrt(variance) / average) * 100,
    medianNs: percentile(sorted, 50),
    p99Ns: percentile(sorted, 99),
    runs: samples.length,
  };
}

export function formatIps(ips: number): string {
  if (ips >= 1e6) return `${(ips / 1e6).toFixed(2)} M`;
  if (ips >= 1e3) return `${(ips / 1e3).toFixed(2)} K`;
  return ips.toFixed(2);
}

export function formatDuration(ns: number): string {
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(2)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(2)} μs`;
  return `${ns.toFixed(0)} ns`;
}

/** The Benchee report: the statistics table, then the comparison against the fastest job. */
export function benchee(title: string, jobs: readonly JobStats[]): string {
  const sorted = [...jobs].sort((a, b) => b.ips - a.ips);
  const width = Math.max(4, ...sorted.map((j) => j.name.length)) + 2;
  const row = (cells: string[]): string =>
    (cells[0] ?? '').padEnd(width) +
    cells
      .slice(1)
      .map((c) => c.padStart(15))
      .join('');
  const lines = [
    `### ${title}`,
    '',
    '```',
    row(['Name', 'ips', 'average', 'deviation', 'median', '99th %']),
    ...sorted.map((j) =>
      row([
        j.name,
        formatIps(j.ips),
        formatDuration(j.averageNs),
        `±${j.deviationPct.toFixed(2)}%`,
        formatDuration(j.medianNs),
        formatDuration(j.p99Ns),
      ]),
    ),
    '',
    'Comparison:',
  ];
  const best = sorted[0];
  for (const j of sorted) {
    const ips = formatIps(j.ips).padStart(12);
    if (!best || j === best) {
      lines.push(`${j.name.padEnd(width)}${ips}`);
      continue;
    }
    const slower = best.ips / j.ips;
    lines.push(
      `${j.name.padEnd(width)}${ips} - ${slower.toFixed(2)}x slower +${formatDuration(j.averageNs - best.averageNs)}`,
    );
  }
  lines.push('```');
  return lines.join('\n');
}
