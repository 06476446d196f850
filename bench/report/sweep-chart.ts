/**
 * A suite's sweep chart: the rows that carry a `plot` point drawn as lines over the swept quantity
 * (the dispatch suites: CPU per node and hero loop steps achieved against the number of heroes).
 * Lines of one unit share a panel; reference lines (what was asked for) are dashed. Drawn with the
 * scaling suite's hand-written line chart (log scales).
 *
 * ```ts
 * const svg = sweepChart('dispatch-sweep', rows); // undefined without a line of two points
 * ```
 *
 * Pure: rows in, SVG text out.
 */
import type { BenchResult } from '../lib/types.ts';
import { lineChart, type Panel, type Series } from '../scaling/chart.ts';

/** Panels (one per unit) of series (one per `plot.series`), points sorted by x. */
export function sweepPanels(rows: readonly BenchResult[]): Panel[] {
  type Line = { reference: boolean; points: { x: number; y: number }[] };
  const units = new Map<string, Map<string, Line>>();
  for (const r of rows) {
    if (r.plot === undefined) continue;
    const series = units.get(r.unit) ?? new Map<string, Line>();
    units.set(r.unit, series);
    const line = series.get(r.plot.series) ?? { reference: r.plot.reference === true, points: [] };
    series.set(r.plot.series, line);
    line.points.push({ x: r.plot.x, y: r.value });
  }
  return [...units].map(([unit, series]) => ({
    title: unit,
    yLabel: unit,
    series: [...series].map(([name, line]): Series => ({
      name,
      points: line.points.sort((a, b) => a.x - b.x),
      ...(line.reference ? { dashed: true } : {}),
    })),
  }));
}

/** The chart, or undefined when no line has two points (a single population is no sweep). */
export function sweepChart(suite: string, rows: readonly BenchResult[]): string | undefined {
  const panels = sweepPanels(rows);
  if (!panels.some((p) => p.series.some((s) => s.points.length >= 2))) return undefined;
  const xLabel = rows.find((r) => r.plot !== undefined)?.plot?.xLabel ?? 'x';
  return lineChart({ title: `${suite}: against ${xLabel} (dashed: asked for)`, xLabel, panels });
}
