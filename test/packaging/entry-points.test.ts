// The two packages' boundary, checked on the sources: the runtime's exports map names every
// layer, the repository's tsconfig `paths` map the same entries to the same files' sources (so
// the in-repo name and the published one agree), the runtime imports only its own files and its
// declared dependencies, and the application reaches the runtime only by its package name.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RUNTIME = join(ROOT, 'packages', 'runtime');
const NAME = '@superhero-dispatch/runtime';
const LAYERS = ['actor', 'wire', 'cluster', 'crdt', 'raft', 'store', 'placement', 'testing'];

interface Manifest {
  name: string;
  exports: Record<string, string | { types: string; default: string }>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}
const manifest = JSON.parse(readFileSync(join(RUNTIME, 'package.json'), 'utf8')) as Manifest;
const entries = Object.entries(manifest.exports).flatMap(([key, target]) =>
  typeof target === 'string' ? [] : [{ key, ...target }],
);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : /\.(ts|mts)$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

function imports(file: string): string[] {
  return ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles.map((f) => f.fileName);
}

test('the exports map names each layer, each entry a .js and its .d.ts from one index.ts', () => {
  assert.equal(manifest.name, NAME);
  const keys = entries.map((e) => e.key);
  assert.ok(keys.includes('.'));
  for (const layer of LAYERS) assert.ok(keys.includes(`./${layer}`), `./${layer} is exported`);
  for (const { key, types, default: js } of entries) {
    const stem = js.replace(/^\.\/dist\//, '').replace(/\.js$/, '');
    assert.equal(types, `./dist/${stem}.d.ts`, key);
    assert.match(stem, /(^|\/)index$/, `${key} is a folder's index.ts`);
    assert.ok(existsSync(join(RUNTIME, 'src', `${stem}.ts`)), `${key}: src/${stem}.ts exists`);
  }
});

test("the repository's tsconfig paths map each exported entry, and only those, to its source", () => {
  const { config, error } = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  assert.equal(error, undefined);
  const paths = (config as { compilerOptions: { paths: Record<string, string[]> } }).compilerOptions.paths;
  const expected = Object.fromEntries(
    entries.map(({ key, default: js }) => [
      NAME + key.slice(1),
      [js.replace(/^\.\/dist\//, './packages/runtime/src/').replace(/\.js$/, '.ts')],
    ]),
  );
  assert.deepEqual(paths, expected);
});

test('the runtime imports its own files and its declared dependencies, nothing of the application', () => {
  const src = join(RUNTIME, 'src');
  const declared = new Set([
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
  ]);
  const wrong: string[] = [];
  for (const file of sources(src)) {
    for (const spec of imports(file)) {
      const where = `${relative(ROOT, file)}: ${spec}`;
      if (spec.startsWith('.')) {
        const target = normalize(join(dirname(file), spec));
        if (relative(src, target).startsWith('..')) wrong.push(where);
      } else if (!spec.startsWith('node:')) {
        const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
        if (!declared.has(pkg)) wrong.push(where);
      }
    }
  }
  assert.deepEqual(wrong, []);
});

test('the application, examples and benchmarks reach the runtime by its package name, through its entries', () => {
  const entryNames = new Set(entries.map(({ key }) => NAME + key.slice(1)));
  const wrong: string[] = [];
  for (const dir of ['src', 'examples', 'bench', 'scripts']) {
    for (const file of sources(join(ROOT, dir))) {
      for (const spec of imports(file)) {
        const where = `${relative(ROOT, file)}: ${spec}`;
        if (spec.startsWith('.')) {
          if (!relative(join(ROOT, 'packages'), normalize(join(dirname(file), spec))).startsWith('..'))
            wrong.push(where);
        } else if (spec === NAME || spec.startsWith(`${NAME}/`)) {
          if (!entryNames.has(spec)) wrong.push(where);
        }
      }
    }
  }
  assert.deepEqual(wrong, []);
});
