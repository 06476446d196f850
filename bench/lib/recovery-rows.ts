/**
 * The rows a recovery benchmark reports for one fault: recovered p50 / p99 / max over its runs (a
 * run that did not recover counts as infinitely slow) and the median unhosted and duplicated
 * seconds. Shared by `placement-recovery` (children) and `dispatch-recovery` (heroes).
 *
 * ```ts
 * const { p99, failed } = recoveryRows(results, 'AP kill -9', runs, 'child-s');
 * ```
 */
import { spread } from '../placement/scenarios.ts';
import { median } from './stats.ts';
import type { BenchResult } from './types.ts';

export interface RecoveryRun {
  /** ms from the fault's end until everything ran exactly once; NaN when it never did. */
  readonly recoveredMs: number;
  readonly unhostedSec: number;
  readonly duplicatedSec: number;
}

/** Appends the fault's rows to `results`; returns its p99, max and how many runs did not recover. */
export function recoveryRows(
  results: BenchResult[],
  tag: string,
  runs: readonly RecoveryRun[],
  unit: 'child-s' | 'hero-s',
): { readonly p99: number; readonly max: number; readonly failed: number } {
  const failed = runs.filter((r) => Number.isNaN(r.recoveredMs)).length;
  const s = spread(runs.map((r) => (Number.isNaN(r.recoveredMs) ? Number.POSITIVE_INFINITY : r.recoveredMs)));
  results.push({ name: `${tag}: recovered, p50 (${runs.length} runs)`, value: s.p50, unit: 'ms' });
  results.push({ name: `${tag}: recovered, p99`, value: s.p99, unit: 'ms' });
  results.push({ name: `${tag}: recovered, max`, value: s.max, unit: 'ms' });
  results.push({ name: `${tag}: unhosted, median`, value: median(runs.map((r) => r.unhostedSec)), unit });
  results.push({ name: `${tag}: duplicated, median`, value: median(runs.map((r) => r.duplicatedSec)), unit });
  return { p99: s.p99, max: s.max, failed };
}
