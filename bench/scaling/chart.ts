/**
 * A small SVG line chart, written by hand (no dependency): panels side by side sharing a log-scale
 * x axis (cluster size N), each with a log-scale y axis and its own series. Points that are not
 * positive finite numbers are left out (a log axis has no place for them).
 *
 * Example:
 * ```ts
 * writeFileSync('docs/images/scaling.svg', lineChart({ title: 'Cost per node', xLabel: 'nodes (N)',
 *   panels: [{ title: 'bytes/s', series: [{ name: 'heartbeats', points: [{ x: 3, y: 280 }] }] }] }));
 * ```
 */

export interface Series {
  readonly name: string;
  readonly points: readonly { x: number; y: number }[];
  /** Dashed line: a model, not a measurement. */
  readonly dashed?: boolean;
}

export interface Panel {
  readonly title: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
}

export interface Chart {
  readonly title: string;
  readonly xLabel: string;
  readonly panels: readonly Panel[];
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#17becf'];
const PANEL_W = 420;
const PANEL_H = 300;
const MARGIN = { left: 64, right: 24, top: 56, bottom: 150 };

const usable = (p: { x: number; y: number }): boolean =>
  Number.isFinite(p.x) && Number.isFinite(p.y) && p.x > 0 && p.y > 0;

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Powers of ten spanning [lo, hi], and 1-2-5 steps between when the span is short. */
export function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  const steps = Math.log10(hi / lo) < 2 ? [1, 2, 5] : [1];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const s of steps) {
      const v = s * 10 ** e;
      if (v >= lo * 0.999 && v <= hi * 1.001) ticks.push(v);
    }
  }
  return ticks;
}

function label(v: number): string {
  if (v >= 1e6) return `${v / 1e6}M`;
  if (v >= 1e3) return `${v / 1e3}k`;
  return String(Number(v.toPrecision(3)));
}

export function lineChart(chart: Chart): string {
  const all = chart.panels.flatMap((p) => p.series.flatMap((s) => s.points.filter(usable)));
  const xs = all.map((p) => p.x);
  const xLo = xs.length > 0 ? Math.min(...xs) : 1;
  const xHi = xs.length > 0 ? Math.max(...xs) : 10;
  const width = chart.panels.length * (PANEL_W + MARGIN.left + MARGIN.right);
  const height = PANEL_H + MARGIN.top + MARGIN.bottom;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="15">${escape(chart.title)}</text>`,
  ];
  chart.panels.forEach((panel, pi) => {
    const ox = pi * (PANEL_W + MARGIN.left + MARGIN.right) + MARGIN.left;
    const oy = MARGIN.top;
    const ys = panel.series.flatMap((s) => s.points.filter(usable).map((p) => p.y));
    const yLo = ys.length > 0 ? 10 ** Math.floor(Math.log10(Math.min(...ys))) : 1;
    const yHi = ys.length > 0 ? 10 ** Math.ceil(Math.log10(Math.max(...ys))) : 10;
    const sx = (x: number): number =>
      ox + (xHi === xLo ? PANEL_W / 2 : (Math.log(x / xLo) / Math.log(xHi / xLo)) * PANEL_W);
    const sy = (y: number): number => oy + PANEL_H - (Math.log(y / yLo) / Math.log(yHi / yLo)) * PANEL_H;
    out.push(
      `<text x="${ox + PANEL_W / 2}" y="${oy - 12}" text-anchor="middle" font-size="13">${escape(panel.title)}</text>`,
    );
    out.push(`<rect x="${ox}" y="${oy}" width="${PANEL_W}" height="${PANEL_H}" fill="none" stroke="#999"/>`);
    for (const t of logTicks(yLo, yHi)) {
      const y = sy(t).toFixed(1);
      out.push(`<line x1="${ox}" x2="${ox + PANEL_W}" y1="${y}" y2="${y}" stroke="#eee"/>`);
      out.push(
        `<text x="${ox - 4}" y="${y}" text-anchor="end" dominant-baseline="middle">${label(t)}</text>`,
      );
    }
    for (const t of [...new Set(xs)].sort((a, b) => a - b)) {
      const x = sx(t).toFixed(1);
      out.push(`<line x1="${x}" x2="${x}" y1="${oy}" y2="${oy + PANEL_H}" stroke="#eee"/>`);
      out.push(`<text x="${x}" y="${oy + PANEL_H + 14}" text-anchor="middle">${label(t)}</text>`);
    }
    out.push(
      `<text x="${ox + PANEL_W / 2}" y="${oy + PANEL_H + 30}" text-anchor="middle">${escape(chart.xLabel)} (log scale)</text>`,
    );
    out.push(
      `<text transform="translate(${ox - 48} ${oy + PANEL_H / 2}) rotate(-90)" text-anchor="middle">${escape(panel.yLabel)} (log scale)</text>`,
    );
    panel.series.forEach((s, si) => {
      const color = COLORS[si % COLORS.length]!;
      const pts = s.points.filter(usable).sort((a, b) => a.x - b.x);
      if (pts.length > 0) {
        const d = pts
          .map((p, i) => `${i === 0 ? 'M' : 'L'}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`)
          .join(' ');
        out.push(
          `<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
        );
        for (const p of pts)
          out.push(`<circle cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="3" fill="${color}"/>`);
      }
      const ly = oy + PANEL_H + 48 + si * 14;
      out.push(
        `<line x1="${ox}" x2="${ox + 24}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
      );
      out.push(`<text x="${ox + 30}" y="${ly}" dominant-baseline="middle">${escape(s.name)}</text>`);
    });
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
