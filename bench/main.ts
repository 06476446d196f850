/**
 * `npm run bench -- <suite…|all> [--quick] [--json FILE] [--report]`: runs benchmark suites one
 * after another, prints a table per suite, and writes the figures as JSON when asked. Suites are
 * bounded in time; `--quick` keeps each short.
 *
 * `--report` stores each suite's results, command, date and machine facts in
 * bench/results/<suite>.json as soon as the suite ends, and regenerates docs/benchmarks.md and its
 * charts from every stored suite (the others' sections are kept). A suite that fails is recorded as
 * failed and the run goes on with the next; the exit code is then 1.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { renderTable } from './lib/table.ts';
import type { BenchResult } from './lib/types.ts';
import { loadAverage, machineFacts } from './report/machine.ts';
import type { SuiteRecord } from './report/record.ts';
import { regenerate, reportPaths, storeRecord } from './report/write.ts';
import { SUITES, SUITE_NAMES, isSuiteName } from './suites.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    quick: { type: 'boolean', default: false },
    json: { type: 'string' },
    report: { type: 'boolean', default: false },
  },
});
const names = positionals.length === 0 || positionals[0] === 'all' ? SUITE_NAMES : positionals;
const unknown = names.filter((n) => !isSuiteName(n));
if (unknown.length > 0) {
  console.error(`unknown suite ${unknown.join(', ')}; suites: ${SUITE_NAMES.join(', ')}`);
  process.exit(2);
}
const quick = values.quick ?? false;
const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim();
interface Run {
  readonly suite: string;
  readonly results: BenchResult[];
  readonly startedAt: Date;
  readonly loadAtStart: number[];
  readonly seconds: number;
  readonly failure?: string;
}

/** Stores one suite's run in bench/results and regenerates the page from every stored suite. */
async function report(run: Run): Promise<void> {
  const record: SuiteRecord = {
    suite: run.suite,
    command,
    quick,
    startedAt: run.startedAt.toISOString(),
    seconds: Math.round(run.seconds * 10) / 10,
    machine: machineFacts(run.loadAtStart),
    rows: run.results,
    ...(run.failure === undefined ? {} : { failure: run.failure }),
  };
  const paths = reportPaths();
  console.log(`stored ${await storeRecord(paths, record)}`);
  for (const file of regenerate(paths)) console.log(`wrote ${file}`);
}

const all: BenchResult[] = [];
let failed = false;
for (const name of names) {
  if (!isSuiteName(name)) continue;
  console.log(`\n## bench ${name}${quick ? ' (quick)' : ''}\n`);
  const startedAt = new Date();
  const loadAtStart = loadAverage();
  const t0 = performance.now();
  let results: BenchResult[];
  try {
    const suite = await SUITES[name]();
    results = await suite({ quick, log: (l) => console.log(`  ${l}`) });
  } catch (err) {
    if (!values.report) throw err;
    failed = true;
    const failure = err instanceof Error ? err.message : String(err);
    console.error(`bench ${name} failed: ${failure}`);
    await report({
      suite: name,
      results: [],
      startedAt,
      loadAtStart,
      seconds: (performance.now() - t0) / 1000,
      failure,
    });
    continue;
  }
  console.log(renderTable(results));
  all.push(...results.map((r) => ({ ...r, name: `${name}: ${r.name}` })));
  if (values.report)
    await report({ suite: name, results, startedAt, loadAtStart, seconds: (performance.now() - t0) / 1000 });
}
if (values.json) {
  writeFileSync(
    values.json,
    JSON.stringify(
      all.map(({ name, value, unit, peer, peerValue }) => ({
        name,
        value,
        unit,
        ...(peer ? { peer, peerValue } : {}),
      })),
      null,
      2,
    ),
  );
}
process.exit(failed ? 1 : 0);
