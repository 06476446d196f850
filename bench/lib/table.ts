import type { BenchResult } from './types.ts';

function fmt(n: number | undefined): string {
  if (n === undefined || Number.isNaN(n)) return '—';
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US');
  if (Math.abs(n) >= 1) return n.toFixed(2);
  return n.toPrecision(3);
}

/** A markdown table of results, with the ratio to the peer where one was measured. */
export function renderTable(results: BenchResult[]): string {
  const rows = [
    '| measure | value | unit | peer | peer value | ratio (ours / peer) |',
    '| --- | ---: | --- | --- | ---: | ---: |',
  ];
  for (const r of results) {
    const ratio = r.peerValue !== undefined && r.peerValue !== 0 ? r.value / r.peerValue : undefined;
    rows.push(
      `| ${r.name} | ${fmt(r.value)} | ${r.unit} | ${r.peer ?? ''} | ${fmt(r.peerValue)} | ${ratio === undefined ? '' : ratio.toFixed(2) + '×'} |`,
    );
  }
  return rows.join('\n');
}
