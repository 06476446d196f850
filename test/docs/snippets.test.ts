// Every TypeScript snippet of the documentation compiles as written, against the runtime as a user
// gets it. Each ```ts block of docs/*.md, README.md, packages/runtime/README.md and
// examples/*/README.md becomes a module of its own in a temporary project, and one tsc program
// (strict, nodenext, top-level await) checks them all. The project resolves
// `@superhero-dispatch/runtime/*` by package name, without `paths`, to the runtime compiled into its
// node_modules (declarations from the exports map); other packages are the repository's own,
// linked. A snippet of an example's README sits in a copy of that example's folder, so its
// `./index.ts` is the example's. docs/getting-started.md is left out: a test of its own runs it.
import assert from 'node:assert/strict';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import ts from 'typescript';
import { ROOT, stageRuntime } from '../packaging/runtime-stage.ts';

/** Run, not only compiled, by its own test. */
const LEFT_OUT = new Set(['docs/getting-started.md']);

/** The markdown files whose snippets are checked, relative to the repository. */
function markdownSources(): string[] {
  const entries = (dir: string) =>
    readdirSync(join(ROOT, dir), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  const docs = entries('docs')
    .filter((e) => e.isFile() && e.name.endsWith('.md'))
    .map((e) => `docs/${e.name}`);
  const examples = entries('examples')
    .filter((e) => e.isDirectory() && existsSync(join(ROOT, 'examples', e.name, 'README.md')))
    .map((e) => `examples/${e.name}/README.md`);
  return [...docs, 'README.md', 'packages/runtime/README.md', ...examples].filter((f) => !LEFT_OUT.has(f));
}

interface Snippet {
  /** The markdown file, relative to the repository. */
  readonly markdown: string;
  /** The line of the opening fence (1-based): line k of the snippet is line `fence + k`. */
  readonly fence: number;
  readonly code: string;
  /** Where the snippet is written in the project, relative to it. */
  readonly file: string;
}

const OPEN = /^(\s*)```(ts|typescript)\s*$/;
const CLOSE = /^\s*```\s*$/;

function extract(markdown: string): Snippet[] {
  const lines = readFileSync(join(ROOT, markdown), 'utf8').split('\n');
  const example = /^examples\/([^/]+)\/README\.md$/.exec(markdown)?.[1];
  const snippets: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = OPEN.exec(lines[i] ?? '');
    if (!open) continue;
    const indent = open[1]?.length ?? 0;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !CLOSE.test(lines[j] ?? ''); j++) body.push((lines[j] ?? '').slice(indent));
    assert.ok(j < lines.length, `${markdown}:${i + 1}: the ts block is never closed`);
    const fence = i + 1;
    const file =
      example === undefined
        ? `snippets/${markdown.replaceAll('/', '--')}.L${fence}.ts`
        : `examples/${example}/readme.L${fence}.ts`;
    snippets.push({ markdown, fence, code: body.join('\n') + '\n', file });
    i = j;
  }
  return snippets;
}

const snippets = markdownSources().flatMap(extract);

let project = '';
/** Diagnostics by the file they name, relative to the project; '' for those naming none. */
const diagnostics = new Map<string, ts.Diagnostic[]>();

before(async () => {
  project = mkdtempSync(join(tmpdir(), 'doc-snippets-'));
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'doc-snippets', version: '1.0.0', private: true, type: 'module' }),
  );
  // Third-party packages (and @types/node) as the repository has them; the runtime compiled.
  const modules = join(project, 'node_modules');
  mkdirSync(modules);
  for (const name of readdirSync(join(ROOT, 'node_modules'))) {
    if (name.startsWith('.') || name === '@superhero-dispatch') continue;
    symlinkSync(join(ROOT, 'node_modules', name), join(modules, name));
  }
  await stageRuntime(join(modules, '@superhero-dispatch', 'runtime'), { check: false });
  for (const example of new Set(snippets.flatMap((s) => /^(examples\/[^/]+)\//.exec(s.file)?.[1] ?? [])))
    cpSync(join(ROOT, example), join(project, example), {
      recursive: true,
      filter: (src) => !src.endsWith('.md'),
    });
  for (const s of snippets) {
    mkdirSync(join(project, s.file, '..'), { recursive: true });
    writeFileSync(join(project, s.file), s.code);
  }
  // What a user's tsconfig holds: no `paths`, every file a module (top-level await), nodenext.
  const tsconfig = {
    compilerOptions: {
      target: 'es2022',
      lib: ['es2023'],
      module: 'nodenext',
      moduleResolution: 'nodenext',
      moduleDetection: 'force',
      strict: true,
      noUncheckedIndexedAccess: true,
      exactOptionalPropertyTypes: true,
      allowImportingTsExtensions: true,
      noEmit: true,
      skipLibCheck: true,
      types: ['node'],
    },
    files: snippets.map((s) => s.file),
  };
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
  const parsed = ts.parseJsonConfigFileContent(tsconfig, ts.sys, project);
  assert.deepEqual(parsed.errors, []);
  const program = ts.createProgram(parsed.fileNames, parsed.options);
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const key = d.file ? relative(project, d.file.fileName) : '';
    diagnostics.set(key, [...(diagnostics.get(key) ?? []), d]);
  }
});

after(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

/** `docs/crdt.md:268:7 TS2304 Cannot find name 'node'.` — a snippet's lines as the markdown's. */
function located(d: ts.Diagnostic, where: (file: string, line: number) => string): string {
  const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
  if (!d.file || d.start === undefined) return `TS${d.code} ${text}`;
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
  return `${where(relative(project, d.file.fileName), line + 1)}:${character + 1} TS${d.code} ${text}`;
}

test('the snippets are found: docs, READMEs and the examples', () => {
  const sources = new Set(snippets.map((s) => s.markdown));
  assert.ok(sources.has('packages/runtime/README.md'), [...sources].join(', '));
  assert.ok([...sources].some((f) => f.startsWith('docs/')));
  assert.ok([...sources].some((f) => f.startsWith('examples/')));
  for (const left of LEFT_OUT) assert.ok(!sources.has(left), `${left} is left to its own test`);
});

for (const s of snippets) {
  test(`${s.markdown}:${s.fence} type-checks against the built package`, () => {
    const found = diagnostics.get(s.file) ?? [];
    assert.deepEqual(
      found.map((d) => located(d, (_file, line) => `${s.markdown}:${s.fence + line}`)),
      [],
    );
  });
}

test('what the snippets import (the examples, the package) compiles too', () => {
  const own = new Set(snippets.map((s) => s.file));
  const others = [...diagnostics].filter(([file]) => !own.has(file)).flatMap(([, found]) => found);
  // An example's file is named by its place in the repository (the project holds a copy).
  assert.deepEqual(
    others.map((d) => located(d, (file, line) => `${file}:${line}`)),
    [],
  );
});
