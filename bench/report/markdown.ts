/**
 * The benchmark report, rendered from the stored results of every suite: docs/benchmarks.md and
 * its charts. Pure — records and descriptions in, the page and the SVG files' contents out; the
 * driver (`write.ts`) reads and writes the files.
 *
 * ```ts
 * const { markdown, images } = renderReport({ records, descriptions, order: SUITE_NAMES });
 * // markdown: a fixed introduction, an index, then per suite (in `order`, others after):
 * //   its description, the command and machine line, the table, links to its charts.
 * // images: file name (in docs/images) → SVG text: 'bench-<suite>.svg' (ratio to the peer),
 * //   'bench-<suite>-chart.svg' (rows with plot points, e.g. the dispatch sweep).
 * ```
 *
 * Every figure on the page comes from a record: descriptions are prose without figures.
 */
import { formatRatio, formatValue, ratioToPeer } from '../lib/table.ts';
import type { BenchResult } from '../lib/types.ts';
import { ratioChart } from './ratio-chart.ts';
import type { SuiteRecord } from './record.ts';
import { sweepChart } from './sweep-chart.ts';

export interface ReportInput {
  readonly records: readonly SuiteRecord[];
  /** Suite name → its description (markdown prose, no figures). */
  readonly descriptions: ReadonlyMap<string, string>;
  /** Suite names in the order of the page; suites not listed follow, by name. */
  readonly order: readonly string[];
}

export interface Report {
  readonly markdown: string;
  /** File name in docs/images → SVG text. */
  readonly images: ReadonlyMap<string, string>;
}

/** Where the page links its images from (docs/benchmarks.md → docs/images). */
const IMAGES = 'images';

export const INTRODUCTION = `# Benchmarks

<!-- Generated from bench/results/*.json by bench/report: do not edit by hand. -->

This page is written by the benchmarks themselves: every figure on it is the stored result of a
suite's last run with \`--report\` (\`bench/results/<suite>.json\`), printed with the command, the
date, the machine and its load average. The prose describing each suite lives in
\`bench/report/descriptions/<suite>.md\`.

How to regenerate:

- one suite's section: \`npm run bench -- <suite> --quick --report\` (drop \`--quick\` for the full run);
  the other suites' sections are kept as they were;
- every suite: \`npm run bench -- all --quick --report\` (suites run one after another);
- only this page and its charts, from the stored results: \`npm run bench:report\`.

How to read:

- Where the same workload ran on a peer system in the same run (Erlang/OTP, etcd, the seeds'
  replication), the table gives the peer's figure and ours ÷ the peer's, and a chart draws that
  ratio per row on a log scale with a line at 1.0×: green bars where ours did better (higher or
  lower, as the row says), red where the peer did.
- The machine line gives the 1-minute load average when the suite started and when it ended. The
  development machine is shared with other work: read ratios within one run rather than absolute
  values, and compare runs only at similar load.
- \`--quick\` runs are short (a few seconds of measurement per figure); a full run measures longer
  and larger populations.
- Analyses of earlier runs (before/after comparisons of changes, profiles) are in
  [benchmarks-history.md](benchmarks-history.md); the dispatch suite's method in
  [benchmarks-dispatch.md](benchmarks-dispatch.md).
`;

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function ratioCell(r: BenchResult): string {
  const ratio = ratioToPeer(r);
  if (ratio === undefined) return '';
  return `${formatRatio(ratio)} (${r.higherIsBetter === true ? 'higher' : 'lower'} is better)`;
}

/** A row's value: `yes`/`no` for a yes-or-no row (unit `bool`), else the figure. */
function shown(r: BenchResult): string {
  if (r.unit === 'bool' && (r.value === 0 || r.value === 1)) return r.value === 1 ? 'yes' : 'no';
  return formatValue(r.value);
}

/** The suite's rows as a markdown table; peer columns only when some row has a peer. */
export function renderRows(rows: readonly BenchResult[]): string {
  const withPeer = rows.some((r) => r.peer !== undefined);
  const lines = withPeer
    ? [
        '| measure | ours | unit | peer | peer value | ours ÷ peer |',
        '| --- | ---: | --- | --- | ---: | ---: |',
      ]
    : ['| measure | value | unit |', '| --- | ---: | --- |'];
  for (const r of rows) {
    const base = `| ${cell(r.name)} | ${shown(r)} | ${cell(r.unit)} |`;
    lines.push(
      withPeer
        ? `${base} ${cell(r.peer ?? '')} | ${r.peer === undefined ? '' : formatValue(r.peerValue)} | ${ratioCell(r)} |`
        : base,
    );
  }
  return lines.join('\n');
}

function loads(l: readonly number[]): string {
  return l[0] === undefined ? '?' : l[0].toFixed(2);
}

/** `2026-12-06 07:05 UTC` from an ISO date. */
function when(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** The line under a suite's description: command, date, length and machine. */
export function machineLine(r: SuiteRecord): string {
  const m = r.machine;
  const peers = Object.values(m.peers);
  return (
    `\`${r.command}\` — ${when(r.startedAt)}, ${Math.round(r.seconds)} s. ` +
    `Machine: ${m.cores} cores (${m.cpuModel}), load average ${loads(m.loadAverageStart)} → ` +
    `${loads(m.loadAverageEnd)} (1 min, at start → end), Node ${m.node}, ${m.os}; ` +
    `peers installed: ${peers.length > 0 ? peers.join(', ') : 'none'}.`
  );
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/** The images of one suite: file name → SVG. */
export function suiteImages(r: SuiteRecord): Map<string, string> {
  const images = new Map<string, string>();
  const ratio = ratioChart(r.suite, r.rows);
  if (ratio !== undefined) images.set(`bench-${r.suite}.svg`, ratio);
  const sweep = sweepChart(r.suite, r.rows);
  if (sweep !== undefined) images.set(`bench-${r.suite}-chart.svg`, sweep);
  return images;
}

export function renderSuite(
  r: SuiteRecord,
  description: string | undefined,
  images: ReadonlyMap<string, string>,
): string {
  const parts = [`## ${r.suite}`];
  if (description !== undefined && description.trim() !== '') parts.push(description.trim());
  parts.push(machineLine(r));
  if (r.failure !== undefined) {
    parts.push(`**The last run failed:** ${cell(r.failure)}`);
  } else {
    parts.push(renderRows(r.rows));
  }
  for (const file of images.keys()) {
    const what = file.endsWith('-chart.svg')
      ? 'the rows that sweep a quantity, drawn against it'
      : 'ours ÷ the peer, per row';
    parts.push(`![${r.suite}: ${what}](${IMAGES}/${file})`);
  }
  return parts.join('\n\n');
}

/** Records in page order: `order` first, then the others by name. */
export function ordered(records: readonly SuiteRecord[], order: readonly string[]): SuiteRecord[] {
  const rank = (s: string): number => {
    const i = order.indexOf(s);
    return i < 0 ? order.length : i;
  };
  return [...records].sort((a, b) => rank(a.suite) - rank(b.suite) || a.suite.localeCompare(b.suite));
}

function indexTable(records: readonly SuiteRecord[]): string {
  const lines = [
    '| suite | last run | run | load average (1 min) | peers in the table |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const r of records) {
    const peers = [...new Set(r.rows.flatMap((row) => (row.peer === undefined ? [] : [row.peer])))];
    lines.push(
      `| [${r.suite}](#${slug(r.suite)}) | ${when(r.startedAt)} | ${r.failure !== undefined ? 'failed' : r.quick ? 'quick' : 'full'} | ` +
        `${loads(r.machine.loadAverageStart)} → ${loads(r.machine.loadAverageEnd)} | ${cell(peers.join(', ') || '—')} |`,
    );
  }
  return lines.join('\n');
}

export function renderReport(input: ReportInput): Report {
  const records = ordered(input.records, input.order);
  const images = new Map<string, string>();
  const sections = records.map((r) => {
    const own = suiteImages(r);
    for (const [file, svg] of own) images.set(file, svg);
    return renderSuite(r, input.descriptions.get(r.suite), own);
  });
  const markdown = [INTRODUCTION.trim(), indexTable(records), ...sections].join('\n\n') + '\n';
  return { markdown, images };
}
