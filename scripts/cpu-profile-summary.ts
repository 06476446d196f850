/**
 * Summarizes V8 CPU profiles (`.cpuprofile`, from `node --cpu-prof`) as Markdown tables: where the
 * sampled time went, by function (self time), by source file (self time) and by subtree (a
 * function's inclusive time: every sample with it anywhere on the stack, counted once per sample).
 * Several profiles are added together, e.g. the three nodes of a cluster. A last table charges
 * each sample to the innermost frame from this repository on its stack (socket writes to the
 * transport that made them, msgpack encoding to the codec that called it): where to look.
 *
 * ```sh
 * node --import tsx scripts/cpu-profile-summary.ts prof/raft-{gotham,metropolis,capitol}/CPU.*.0.*.cpuprofile
 * node --import tsx scripts/cpu-profile-summary.ts --window raft:1000 --top 25 prof/raft-{gotham,metropolis,capitol}/CPU.*.0.*.cpuprofile
 * ```
 *
 * `--window <store>:<heroes>` keeps only the samples taken during that measurement of the dispatch
 * benchmark, as recorded in `windows.jsonl` beside the profiles or one folder up (`BENCH_CPU_PROF`, see
 * bench/dispatch/index.ts); without it every sample counts (start-up and shutdown included).
 * Times are sample counts × the sampling interval, in ms, and shares of the busy samples; `(program)` is V8
 * and native work not attributed to JavaScript, `(garbage collector)` the collector on the main
 * thread. File paths are shown relative to the repository; dependencies by package.
 *
 * When not to use: for work off the main thread (the thread pool's file writes, the collector's
 * helper threads): a CPU profile samples the JavaScript thread only.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
  readonly children?: readonly number[];
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

interface Span {
  readonly store: string;
  readonly heroes: number;
  readonly fromUs: number;
  readonly toUs: number;
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { window: { type: 'string' }, top: { type: 'string', default: '20' } },
});
const top = Number(values.top);
// Output piped into `head` may close early: stop quietly then.
process.stdout.on('error', () => process.exit(0));

/** `src/dispatch/hero-actor.ts`, `fastify`, `node:net` … : where a frame's code lives, short. */
function fileOf(url: string): string {
  if (url === '') return '(native)';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const dep = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (dep) return dep[1] as string;
  return path.startsWith(ROOT) ? path.slice(ROOT.length + 1) : path;
}

/** A source file of this repository (not a dependency, not Node's own). */
function isOurs(url: string): boolean {
  if (!url.startsWith('file://') || url.includes('/node_modules/')) return false;
  return fileURLToPath(url).startsWith(ROOT);
}

function frameKey(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName === '' ? '(anonymous)' : functionName;
  if (url === '') return name;
  // tsx's output keeps a module on one line: a line number there says nothing.
  return lineNumber > 0 ? `${name} ${fileOf(url)}:${lineNumber + 1}` : `${name} ${fileOf(url)}`;
}

function spanFor(file: string): Span | undefined {
  if (values.window === undefined) return undefined;
  const [store, heroes] = values.window.split(':');
  const beside = [dirname(file), dirname(dirname(file))].map((d) => join(d, 'windows.jsonl'));
  const found = beside.find((f) => existsSync(f));
  if (found === undefined) throw new Error(`no windows.jsonl beside ${file} or in its parent folder`);
  const lines = readFileSync(found, 'utf8').split('\n');
  const spans = lines.filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Span);
  const span = spans.find((s) => s.store === store && s.heroes === Number(heroes));
  if (!span) throw new Error(`no measurement ${values.window} in windows.jsonl beside ${file}`);
  return span;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

const self = new Map<string, number>();
const selfByFile = new Map<string, number>();
const inclusive = new Map<string, number>();
const byOurFile = new Map<string, number>();
let totalUs = 0;
let spanUs = 0;
const add = (m: Map<string, number>, k: string, us: number): void => void m.set(k, (m.get(k) ?? 0) + us);

for (const file of positionals) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const span = spanFor(file);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  let t = profile.startTime;
  const times = profile.timeDeltas.map((d) => (t += d));
  // Every sample weighs the profile's usual sampling interval, not the time to the next sample:
  // on a busy machine a thread descheduled mid-task would otherwise charge the wait to whatever it
  // was running (typically a socket write that woke the peer).
  const us = median(profile.timeDeltas);
  if (span) spanUs += span.toUs - span.fromUs;
  for (let i = 0; i < profile.samples.length; i++) {
    const at = times[i] as number;
    if (span && (at < span.fromUs || at >= span.toUs)) continue;
    const leaf = byId.get(profile.samples[i] as number);
    if (!leaf) continue;
    totalUs += us;
    add(self, frameKey(leaf), us);
    add(selfByFile, leaf.callFrame.url === '' ? frameKey(leaf) : fileOf(leaf.callFrame.url), us);
    const seen = new Set<string>();
    let ours: string | undefined;
    for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
      const node = byId.get(id) as ProfileNode;
      ours ??= isOurs(node.callFrame.url) ? fileOf(node.callFrame.url) : undefined;
      const key = frameKey(node);
      if (key === '(root)' || seen.has(key)) continue;
      seen.add(key);
      add(inclusive, key, us);
    }
    add(byOurFile, ours ?? (leaf.callFrame.url === '' ? frameKey(leaf) : fileOf(leaf.callFrame.url)), us);
  }
}

const idleUs = self.get('(idle)') ?? 0;
const busyUs = totalUs - idleUs;
const ms = (us: number): string => (us / 1000).toFixed(0);
const pct = (us: number, of: number): string => `${((100 * us) / of).toFixed(1)} %`;

function table(title: string, m: Map<string, number>): void {
  console.log(`\n| ${title} | ms | of busy |\n| --- | ---: | ---: |`);
  const rows = [...m].filter(([k]) => k !== '(idle)').sort((a, b) => b[1] - a[1]);
  for (const [k, us] of rows.slice(0, top)) console.log(`| \`${k}\` | ${ms(us)} | ${pct(us, busyUs)} |`);
}

const over = spanUs > 0 ? ` over ${(spanUs / 1e6).toFixed(1)} s of measurement (summed over profiles)` : '';
console.log(
  `${positionals.length} profiles${over}: ${ms(totalUs)} ms sampled, ${ms(busyUs)} ms busy ` +
    `(${pct(busyUs, totalUs)}), ${ms(self.get('(garbage collector)') ?? 0)} ms in the garbage collector`,
);
table('self time: function', self);
table('self time: file', selfByFile);
table('inclusive: function (subtree)', inclusive);
table(
  'charged to the nearest file of ours (its own time and the native and library code it called)',
  byOurFile,
);
