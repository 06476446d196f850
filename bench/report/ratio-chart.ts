/**
 * A suite's ratio chart, written by hand (no dependency): one horizontal bar per row measured on a
 * peer too, from the 1.0× line (a tie) to ours ÷ the peer's, on a log scale so that 2× and 0.5×
 * are as long. A bar is green where ours did better (higher or lower, as the row says), red where
 * the peer did; its label says which way is better.
 *
 * ```ts
 * const svg = ratioChart('actor', rows); // undefined when no row has a peer figure
 * ```
 *
 * Pure: rows in, SVG text out.
 */
import { formatRatio, oursBetter, ratioToPeer } from '../lib/table.ts';
import type { BenchResult } from '../lib/types.ts';
import { escapeXml } from './svg.ts';

const LABEL_W = 380;
const BARS_W = 360;
const VALUE_W = 150;
const ROW_H = 22;
const TOP = 48;
const BOTTOM = 40;
/** Longest label drawn in full; longer names are cut with an ellipsis (the table has them whole). */
const LABEL_CHARS = 60;
const BETTER = '#2ca02c';
const WORSE = '#d62728';

export interface RatioBar {
  readonly name: string;
  readonly peer: string;
  readonly ratio: number;
  readonly better: boolean;
  readonly higherIsBetter: boolean;
}

/** The bars of a chart: every row with a ratio to a peer, in the rows' order. */
export function ratioBars(rows: readonly BenchResult[]): RatioBar[] {
  return rows.flatMap((r) => {
    const ratio = ratioToPeer(r);
    if (ratio === undefined || ratio <= 0 || r.peer === undefined) return [];
    return [
      {
        name: r.name,
        peer: r.peer,
        ratio,
        better: oursBetter(r, ratio),
        higherIsBetter: r.higherIsBetter === true,
      },
    ];
  });
}

/** The axis's ends: powers of ten around every ratio and 1. */
function axis(bars: readonly RatioBar[]): { lo: number; hi: number } {
  const ratios = bars.map((b) => b.ratio);
  const lo = 10 ** Math.floor(Math.log10(Math.min(1, ...ratios)) - 1e-9);
  const hi = 10 ** Math.ceil(Math.log10(Math.max(1, ...ratios)) + 1e-9);
  return { lo: Math.min(lo, 0.1), hi: Math.max(hi, 10) };
}

/** The label of the tick at 10^e: plain from 0.01× to 1000×, else `1e-5×` (short enough not to overlap). */
function tickLabel(e: number): string {
  return e >= -2 && e <= 3 ? `${Number((10 ** e).toPrecision(1))}×` : `1e${e}×`;
}

function cut(name: string): string {
  return name.length <= LABEL_CHARS ? name : `${name.slice(0, LABEL_CHARS - 1)}…`;
}

export function ratioChart(suite: string, rows: readonly BenchResult[]): string | undefined {
  const bars = ratioBars(rows);
  if (bars.length === 0) return undefined;
  const peers = [...new Set(bars.map((b) => b.peer))].join(', ');
  const { lo, hi } = axis(bars);
  const width = LABEL_W + BARS_W + VALUE_W;
  const height = TOP + bars.length * ROW_H + BOTTOM;
  const sx = (r: number): number => LABEL_W + (Math.log(r / lo) / Math.log(hi / lo)) * BARS_W;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="14">${escapeXml(`${suite}: ours ÷ ${peers} (log scale; green: ours better)`)}</text>`,
  ];
  for (let e = Math.round(Math.log10(lo)); e <= Math.round(Math.log10(hi)); e++) {
    const x = sx(10 ** e).toFixed(1);
    out.push(`<line x1="${x}" x2="${x}" y1="${TOP - 6}" y2="${TOP + bars.length * ROW_H}" stroke="#eee"/>`);
    out.push(
      `<text x="${x}" y="${TOP + bars.length * ROW_H + 14}" text-anchor="middle">${tickLabel(e)}</text>`,
    );
  }
  bars.forEach((b, i) => {
    const y = TOP + i * ROW_H;
    const x0 = sx(1);
    const x1 = sx(b.ratio);
    const left = Math.min(x0, x1);
    const w = Math.max(1, Math.abs(x1 - x0));
    out.push(
      `<text class="label" x="${LABEL_W - 8}" y="${y + ROW_H / 2}" text-anchor="end" dominant-baseline="middle">${escapeXml(cut(b.name))}</text>`,
    );
    out.push(
      `<rect class="bar" x="${left.toFixed(1)}" y="${y + 4}" width="${w.toFixed(1)}" height="${ROW_H - 8}" fill="${b.better ? BETTER : WORSE}"/>`,
    );
    out.push(
      `<text x="${LABEL_W + BARS_W + 8}" y="${y + ROW_H / 2}" dominant-baseline="middle">${escapeXml(
        `${formatRatio(b.ratio)} (${b.higherIsBetter ? 'higher' : 'lower'} is better)`,
      )}</text>`,
    );
  });
  const one = sx(1).toFixed(1);
  out.push(
    `<line x1="${one}" x2="${one}" y1="${TOP - 6}" y2="${TOP + bars.length * ROW_H}" stroke="#333" stroke-width="1.5"/>`,
  );
  out.push(
    `<text x="${one}" y="${TOP + bars.length * ROW_H + 30}" text-anchor="middle">1.0× = as fast (or as small) as the peer</text>`,
  );
  out.push('</svg>');
  return out.join('\n') + '\n';
}
