/**
 * How a measured stage is shown: the rows of the benchmark table (`stageResults`) and the progress
 * lines printed while the suite runs (`describeStage`: per-window writes and lag, per-node CPU and
 * memory, and the keep-up verdict with its reasons).
 *
 * ```ts
 * results.push(...stageResults('raft 1,000 heroes', summary, { createdPerSec: 120, loadAverage: 1.2 }));
 * for (const line of describeStage('raft', 1000, summary, windows)) log(line);
 * ```
 *
 * When not to use: for the figures themselves — they come from `summary.ts`.
 */
import type { BenchResult, PlotPoint } from '../lib/types.ts';
import type { Window } from './recorder.ts';
import type { RunSummary } from './summary.ts';

const MB = 1024 * 1024;

export interface StageExtra {
  readonly createdPerSec: number;
  readonly loadAverage: number;
  /** Puts the stage on the suite's chart against heroes: the store mode and the target population. */
  readonly plot?: { readonly store: string; readonly heroes: number };
}

/**
 * The stage's table rows. With `extra.plot`, some are also points of the chart against the heroes
 * asked for: the heroes alive (against those asked for, dashed), loop steps achieved (against those
 * due, dashed), and CPU per node (mean of the nodes). A population the cluster could not reach is
 * then plain on the chart, not hidden behind its target.
 */
export function stageResults(prefix: string, s: RunSummary, extra: StageExtra): BenchResult[] {
  const row = (
    name: string,
    value: number,
    unit: string,
    higherIsBetter = false,
    plot?: PlotPoint,
  ): BenchResult => ({
    name: `${prefix}: ${name}`,
    value,
    unit,
    ...(higherIsBetter ? { higherIsBetter } : {}),
    ...(plot ? { plot } : {}),
  });
  const point = (series: string, reference = false): PlotPoint | undefined =>
    extra.plot && {
      series: `${extra.plot.store}: ${series}`,
      x: extra.plot.heroes,
      xLabel: 'heroes asked for',
      ...(reference ? { reference } : {}),
    };
  const cpuPerNode =
    s.nodes.length > 0 ? s.nodes.reduce((sum, n) => sum + n.cpuCores, 0) / s.nodes.length : Number.NaN;
  return [
    row('keeps up (1 = yes)', s.keepsUp ? 1 : 0, 'bool', true),
    ...(extra.plot
      ? [row('heroes asked for', extra.plot.heroes, 'heroes', false, point('heroes asked for', true))]
      : []),
    row('live heroes (mean)', s.meanLive, 'heroes', false, point('heroes alive (mean)')),
    row('store writes', s.writesPerSec, 'writes/s', true),
    row('hero loop writes', s.loopWritesPerSec, 'writes/s', true),
    row('hero loop steps needing no write', s.unchangedPerSec, 'steps/s'),
    row('hero loop steps due', s.dueWritesPerSec, 'steps/s', false, point('loop steps due', true)),
    row(
      'hero loop steps achieved',
      s.loopWritesPerSec + s.unchangedPerSec,
      'steps/s',
      true,
      point('loop steps achieved'),
    ),
    row('loop steps achieved / due', s.keepUpRatio * 100, '%', true),
    row('worst 4-s window achieved / due', s.minWindowRatio * 100, '%', true),
    row('store transactions of hero writes', s.batchesPerSec, 'txn/s'),
    row('store write p50', s.writeP50Ms, 'ms'),
    row('store write p99', s.writeP99Ms, 'ms'),
    row('API assign p50', s.probeApiP50Ms, 'ms'),
    row('API assign p99', s.probeApiP99Ms, 'ms'),
    row('page event p50 (assign → other node)', s.probeEventP50Ms, 'ms'),
    row('page event p99 (assign → other node)', s.probeEventP99Ms, 'ms'),
    row('hero event lag p50 (all changes)', s.eventLagP50Ms, 'ms'),
    row('hero event lag p99 (all changes)', s.eventLagP99Ms, 'ms'),
    row('hero event lag p99, first third', s.earlyLagP99Ms, 'ms'),
    row('hero event lag p99, last third', s.lateLagP99Ms, 'ms'),
    row('CPU per node (mean)', cpuPerNode * 100, '% of a core', false, point('CPU per node (mean)')),
    ...s.nodes.flatMap((n) => [
      row(`${n.name} CPU`, n.cpuCores * 100, '% of a core'),
      row(`${n.name} RSS (max)`, n.rssMaxBytes / MB, 'MiB'),
    ]),
    row('cluster CPU per store write (all work)', s.cpuMsPerWrite, 'ms'),
    row('load generator CPU', s.benchCpuCores * 100, '% of a core'),
    row('heroes created and assigned (setup)', extra.createdPerSec, 'heroes/s', true),
    row('machine load average (1 min, at end)', extra.loadAverage, 'runnable'),
  ];
}

export function describeStage(
  store: string,
  heroes: number,
  s: RunSummary,
  windows: readonly Window[],
): string[] {
  const lines = windows.map((w, i) => {
    const lag = [...w.eventLagMs].sort((a, b) => a - b);
    const p99 = lag[Math.min(lag.length - 1, Math.ceil(lag.length * 0.99) - 1)] ?? Number.NaN;
    const cpu = w.nodes.map((n) => `${n.name} ${(n.cpuCores * 100).toFixed(0)}%`).join(' ');
    const troubled = w.nodes
      .filter((n) => n.writable !== 1 || n.peersUp < w.nodes.length - 1)
      .map((n) => `${n.name} (writable ${n.writable}, peers up ${n.peersUp})`);
    return (
      `${store} ${heroes}: window ${i + 1}: ${(w.writes / w.seconds).toFixed(0)} writes/s ` +
      `(${(w.causedWrites / w.seconds).toFixed(0)} from the API` +
      (w.batches > 0 ? `, in ${(w.batches / w.seconds).toFixed(0)} transactions/s` : '') +
      `), ${w.meanLive.toFixed(0)} live, ` +
      `event lag p99 ${p99.toFixed(0)} ms, CPU ${cpu}, load generator ${(w.benchCpuCores * 100).toFixed(0)}%` +
      (troubled.length > 0 ? `; at its end: ${troubled.join(', ')}` : '')
    );
  });
  lines.push(
    `${store} ${heroes}: ${s.keepsUp ? 'KEEPS UP' : 'FALLS BEHIND'}: loop steps ` +
      `${(s.loopWritesPerSec + s.unchangedPerSec).toFixed(0)}/s ` +
      `(${s.unchangedPerSec.toFixed(0)}/s needed no write) of ${s.dueWritesPerSec.toFixed(0)}/s due ` +
      `(${(s.keepUpRatio * 100).toFixed(1)} %), event lag p99 ${s.earlyLagP99Ms.toFixed(0)} → ` +
      `${s.lateLagP99Ms.toFixed(0)} ms, ${s.probes} probes, ${s.probesLost} lost` +
      (s.reasons.length > 0 ? `; ${s.reasons.join('; ')}` : ''),
    `${store} ${heroes}: the nodes used ${s.cpuMsPerWrite.toFixed(2)} ms of CPU per store write ` +
      `(${s.nodes.map((n) => `${n.name} ${(n.cpuCores * 100).toFixed(0)}%`).join(', ')} of a core)`,
  );
  return lines;
}

/** The warnings and errors each node logged since `before` (most frequent first, at most `top`). */
export function describeLogs(
  store: string,
  nodes: readonly { readonly name: string; readonly logCounts: ReadonlyMap<string, number> }[],
  before: readonly ReadonlyMap<string, number>[],
  top = 4,
): string[] {
  const lines: string[] = [];
  nodes.forEach((node, i) => {
    const delta = [...node.logCounts]
      .map(([msg, n]): [string, number] => [msg, n - (before[i]?.get(msg) ?? 0)])
      .filter(([, n]) => n > 0)
      .sort((a, b) => b[1] - a[1]);
    if (delta.length === 0) return;
    const shown = delta.slice(0, top).map(([msg, n]) => `${n}× ${msg.slice(0, 80)}`);
    lines.push(`${store}: ${node.name} logged ${shown.join('; ')}${delta.length > top ? '; …' : ''}`);
  });
  return lines;
}
