/**
 * The report's files: a suite's record stored as bench/results/<suite>.json, and docs/benchmarks.md
 * with its charts (docs/images/bench-*.svg) regenerated from every stored record. Storing one suite
 * and regenerating keeps the other suites' sections as their files have them.
 *
 * ```ts
 * const paths = reportPaths(repoRoot);
 * await storeRecord(paths, record);   // bench/results/actor.json
 * await regenerate(paths);            // docs/benchmarks.md, docs/images/bench-actor.svg, …
 * ```
 *
 * JSON is written as prettier formats it (the repository's lint checks it); a chart no record
 * produces any more is removed.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { SUITE_NAMES } from '../suites.ts';
import { renderReport } from './markdown.ts';
import { parseRecord, serializeRecord, type SuiteRecord } from './record.ts';

export interface ReportPaths {
  /** One `<suite>.json` per suite. */
  readonly resultsDir: string;
  /** One `<suite>.md` per suite that has a description. */
  readonly descriptionsDir: string;
  /** The page, docs/benchmarks.md. */
  readonly page: string;
  /** Where the charts go; the page links them as `images/<file>`. */
  readonly imagesDir: string;
}

/** The repository's own paths, under `root` (default: this checkout). */
export function reportPaths(root = fileURLToPath(new URL('../..', import.meta.url))): ReportPaths {
  return {
    resultsDir: join(root, 'bench', 'results'),
    descriptionsDir: join(root, 'bench', 'report', 'descriptions'),
    page: join(root, 'docs', 'benchmarks.md'),
    imagesDir: join(root, 'docs', 'images'),
  };
}

async function formatted(file: string, text: string): Promise<string> {
  const config = (await resolveConfig(file)) ?? {};
  return format(text, { ...config, filepath: file });
}

export async function storeRecord(paths: ReportPaths, record: SuiteRecord): Promise<string> {
  mkdirSync(paths.resultsDir, { recursive: true });
  const file = join(paths.resultsDir, `${record.suite}.json`);
  writeFileSync(file, await formatted(file, serializeRecord(record)));
  return file;
}

/** Every stored record, validated. */
export function readRecords(paths: ReportPaths): SuiteRecord[] {
  if (!existsSync(paths.resultsDir)) return [];
  return readdirSync(paths.resultsDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => parseRecord(readFileSync(join(paths.resultsDir, f), 'utf8'), f));
}

function readDescriptions(paths: ReportPaths): Map<string, string> {
  const descriptions = new Map<string, string>();
  if (!existsSync(paths.descriptionsDir)) return descriptions;
  for (const f of readdirSync(paths.descriptionsDir).filter((f) => f.endsWith('.md')))
    descriptions.set(basename(f, '.md'), readFileSync(join(paths.descriptionsDir, f), 'utf8'));
  return descriptions;
}

/** Rewrites the page and its charts from every stored record; returns the files written. */
export function regenerate(paths: ReportPaths): string[] {
  const { markdown, images } = renderReport({
    records: readRecords(paths),
    descriptions: readDescriptions(paths),
    order: SUITE_NAMES,
  });
  mkdirSync(paths.imagesDir, { recursive: true });
  writeFileSync(paths.page, markdown);
  const written = [paths.page];
  for (const [file, svg] of images) {
    writeFileSync(join(paths.imagesDir, file), svg);
    written.push(join(paths.imagesDir, file));
  }
  for (const f of readdirSync(paths.imagesDir)) {
    if (/^bench-.*\.svg$/.test(f) && !images.has(f)) rmSync(join(paths.imagesDir, f));
  }
  return written;
}
