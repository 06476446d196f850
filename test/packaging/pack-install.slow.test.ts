// The runtime as a user gets it: built and packed (`npm pack`), the tarball installed into an
// empty project, and a two-node cluster started there from the compiled package alone — a CRDT
// store and a Raft table, a write on one node read on the other — by a plain JavaScript program
// and by a TypeScript one type-checked with this repository's tsc against the installed
// declarations (strict, nodenext). The installed tree must hold nothing of the application (no
// fastify, no htmx). Slow: it compiles the runtime and installs its dependencies from the npm
// registry (through the npm cache).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ROOT, RUNTIME, TSC, stageRuntime } from './runtime-stage.ts';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const run = promisify(execFile);

/** What both programs print: each node saw the other, and read what the other wrote. */
const EXPECTED = {
  peers: { a: ['b'], b: ['a'] },
  crdt: { onB: { name: 'Lady Nova', city: 'gotham' }, sameVersion: true },
  raft: { onB: 7, sameVersion: true, refused: 'conflict' },
  modes: ['raft', 'raft', 'crdt', 'crdt'],
};

/**
 * npm in a project of its own: the settings `npm test` hands its scripts (`npm_config_*`, the
 * workspace's prefix among them) stay behind, apart from the cache and the registry.
 */
function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    const lower = key.toLowerCase();
    if (lower.startsWith('npm_') && lower !== 'npm_config_cache' && lower !== 'npm_config_registry') continue;
    env[key] = value;
  }
  return env;
}

async function npm(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await run('npm', args, { cwd, env: npmEnv(), timeout: 600_000, maxBuffer: 64 << 20 });
  return stdout;
}

/** Runs `node file` in the project; its one line of JSON. The timeout is a hang guard only. */
async function runProgram(cwd: string, file: string): Promise<unknown> {
  const { stdout } = await run(process.execPath, [file], { cwd, env: npmEnv(), timeout: 180_000 });
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? '');
}

let scratch = '';
let project = '';
let packed: { files: string[]; dependencies: Record<string, string> } = { files: [], dependencies: {} };

before(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'pack-install-'));
  // The package is staged (package.json and README beside a fresh build) outside the working tree.
  const stage = join(scratch, 'runtime');
  await stageRuntime(stage);
  // --ignore-scripts: prepack would build again, into the stage, without a tsconfig there.
  const [pack] = JSON.parse(
    await npm(stage, ['pack', '--json', '--ignore-scripts', '--pack-destination', scratch]),
  ) as [{ filename: string; files: { path: string }[] }];
  const manifest = JSON.parse(readFileSync(join(RUNTIME, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  packed = { files: pack.files.map((f) => f.path), dependencies: manifest.dependencies };

  project = join(scratch, 'project');
  mkdirSync(project);
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'runtime-user', version: '1.0.0', private: true, type: 'module' }),
  );
  await npm(project, [
    'install',
    '--no-audit',
    '--no-fund',
    '--ignore-scripts',
    join(scratch, pack.filename),
  ]);
});

after(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

test('the tarball holds the compiled package: JavaScript and declarations, no sources', () => {
  const { files } = packed;
  for (const file of [
    'package.json',
    'README.md',
    'dist/index.js',
    'dist/index.d.ts',
    'dist/cluster/index.js',
  ])
    assert.ok(files.includes(file), `${file} is packed`);
  assert.deepEqual(
    files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')),
    [],
    'no TypeScript sources',
  );
  const exports = (
    JSON.parse(readFileSync(join(RUNTIME, 'package.json'), 'utf8')) as {
      exports: Record<string, string | { types: string; default: string }>;
    }
  ).exports;
  for (const [entry, target] of Object.entries(exports)) {
    if (typeof target === 'string') continue;
    for (const file of [target.types, target.default])
      assert.ok(files.includes(file.replace(/^\.\//, '')), `${entry}: ${file} is packed`);
  }
});

test('the installed runtime brings nothing of the application: no fastify, no htmx', async () => {
  const tree = await npm(project, ['ls', '--all', '--parseable']);
  const names = tree
    .trim()
    .split('\n')
    .map((path) => path.split('/node_modules/').pop() ?? '');
  assert.ok(names.includes('@superhero-dispatch/runtime'), tree);
  for (const dependency of Object.keys(packed.dependencies))
    assert.ok(names.includes(dependency), `${dependency} is installed`);
  assert.deepEqual(
    names.filter((name) => /^(fastify|@fastify\/|htmx|uplot|prom-client)/.test(name)),
    [],
  );
});

test('a plain JavaScript program runs a two-node cluster with a CRDT store and a Raft table', async () => {
  copyFileSync(join(FIXTURES, 'two-node-cluster.mjs'), join(project, 'cluster.mjs'));
  assert.deepEqual(await runProgram(project, 'cluster.mjs'), EXPECTED);
});

test('a TypeScript program type-checks against the installed declarations and runs the same', async () => {
  copyFileSync(join(FIXTURES, 'two-node-cluster.ts'), join(project, 'cluster.ts'));
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'es2022',
        lib: ['es2023'],
        module: 'nodenext',
        moduleResolution: 'nodenext',
        strict: true,
        noUncheckedIndexedAccess: true,
        exactOptionalPropertyTypes: true,
        // The package's declarations are checked too, as they reach a user.
        skipLibCheck: false,
        types: ['node'],
        typeRoots: [join(ROOT, 'node_modules', '@types')],
        outDir: 'out',
      },
      files: ['cluster.ts'],
    }),
  );
  await run(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: project }).catch((err: unknown) => {
    const { stdout } = err as { stdout?: string };
    assert.fail(`tsc refused the program:\n${stdout ?? String(err)}`);
  });
  assert.deepEqual(await runProgram(project, join('out', 'cluster.js')), EXPECTED);
});
