// In this repository the runtime's package name resolves to its TypeScript sources, with no
// build: in the test process itself, in a node process started from another working directory
// (tsx told where the tsconfig is, as scripts/test.sh tells every process the tests start), and
// through `bin/superhero.js`, which names the tsconfig itself.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

test('in the test process, the package name is the sources of packages/runtime/src', () => {
  for (const [entry, file] of [
    ['@superhero-dispatch/runtime', 'index.ts'],
    ['@superhero-dispatch/runtime/cluster', 'cluster/index.ts'],
    ['@superhero-dispatch/runtime/raft/tables', 'raft/tables/index.ts'],
  ] as const)
    assert.equal(fileURLToPath(import.meta.resolve(entry)), join(ROOT, 'packages', 'runtime', 'src', file));
});

test('a node process started in another working directory runs the CLI from the sources', async () => {
  const { stdout } = await run(
    process.execPath,
    // tsx named by its URL: `--import tsx` resolves the loader itself from the working directory.
    ['--import', import.meta.resolve('tsx'), join(ROOT, 'src', 'cli', 'main.ts'), 'node', '--help'],
    {
      cwd: tmpdir(),
      env: { ...process.env, TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.json') },
      timeout: 120_000,
    },
  );
  assert.match(stdout, /--seeds/);
});

test('bin/superhero.js finds the runtime from any working directory, with nothing in the environment', async () => {
  const env = { ...process.env };
  delete env.TSX_TSCONFIG_PATH;
  const { stdout } = await run(process.execPath, [join(ROOT, 'bin', 'superhero.js'), 'node', '--help'], {
    cwd: tmpdir(),
    env,
    timeout: 120_000,
  });
  assert.match(stdout, /--seeds/);
});
