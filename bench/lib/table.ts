import type { BenchResult } from './types.ts';

/**
 * A figure for a table: whole numbers as they are (a count of 0 reads `0`, not `0.00`), thousands
 * separated from 100 on, two decimals from 1, three significant digits below.
 */
export function formatValue(n: number | undefined): string {
  if (n === undefined || Number.isNaN(n)) return '—';
  if (Number.isInteger(n) || Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US');
  if (Math.abs(n) >= 1) return n.toFixed(2);
  return n.toPrecision(3);
}

/** A ratio for people: two decimals from 0.1, two significant digits below (never `0.00×`). */
export function formatRatio(r: number): string {
  return `${r >= 0.1 ? r.toFixed(2) : r.toPrecision(2)}×`;
}

/** Ours ÷ the peer's, where the peer measured a finite, non-zero figure; else undefined. */
export function ratioToPeer(r: BenchResult): number | undefined {
  if (r.peerValue === undefined || r.peerValue === 0 || !Number.isFinite(r.peerValue)) return undefined;
  if (!Number.isFinite(r.value)) return undefined;
  return r.value / r.peerValue;
}

/** Whether ours did better than the peer on this row (higher or lower, as the row says). */
export function oursBetter(r: BenchResult, ratio: number): boolean {
  return r.higherIsBetter === true ? ratio > 1 : ratio < 1;
}

/** A markdown table of results, with the ratio to the peer where one was measured. */
export function renderTable(results: readonly BenchResult[]): string {
  const rows = [
    '| measure | value | unit | peer | peer value | ratio (ours / peer) |',
    '| --- | ---: | --- | --- | ---: | ---: |',
  ];
  for (const r of results) {
    const ratio = ratioToPeer(r);
    rows.push(
      `| ${r.name} | ${formatValue(r.value)} | ${r.unit} | ${r.peer ?? ''} | ${formatValue(r.peerValue)} | ${ratio === undefined ? '' : formatRatio(ratio)} |`,
    );
  }
  return rows.join('\n');
}
