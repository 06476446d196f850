/**
 * `npm run bench -- <suite> [--quick] [--json FILE]`: runs one benchmark suite (or `all`), prints a
 * table, and writes the figures as JSON when asked. Suites are bounded in time; `--quick` keeps each
 * under 60 s.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { renderTable } from './lib/table.ts';
import type { BenchResult, Suite } from './lib/types.ts';

const suites: Record<string, () => Promise<Suite>> = {
  actor: async () => (await import('./actor/index.ts')).default,
  cluster: async () => (await import('./cluster/index.ts')).default,
  crdt: async () => (await import('./crdt/index.ts')).default,
  raft: async () => (await import('./raft/index.ts')).default,
  cache: async () => (await import('./cache/index.ts')).default,
  dispatch: async () => (await import('./dispatch/index.ts')).default,
  'http-flood': async () => (await import('./http-flood/index.ts')).default,
  'dispatch-recovery': async () => (await import('./dispatch/recovery-suite.ts')).default,
  placement: async () => (await import('./placement/index.ts')).default,
  'placement-recovery': async () => (await import('./placement/recovery-suite.ts')).default,
  page: async () => (await import('./page/index.ts')).default,
  scaling: async () => (await import('./scaling/index.ts')).default,
};

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { quick: { type: 'boolean', default: false }, json: { type: 'string' } },
});
const names = positionals.length === 0 || positionals[0] === 'all' ? Object.keys(suites) : positionals;
const all: BenchResult[] = [];
for (const name of names) {
  const load = suites[name];
  if (!load) {
    console.error(`unknown suite ${name}; suites: ${Object.keys(suites).join(', ')}`);
    process.exit(2);
  }
  console.log(`\n## bench ${name}${values.quick ? ' (quick)' : ''}\n`);
  const suite = await load();
  const results = await suite({ quick: values.quick ?? false, log: (l) => console.log(`  ${l}`) });
  console.log(renderTable(results));
  all.push(...results.map((r) => ({ ...r, name: `${name}: ${r.name}` })));
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
process.exit(0);
