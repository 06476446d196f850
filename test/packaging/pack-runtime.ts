/**
 * The runtime as a user gets it, for the slow tests that install it into an empty project
 * (`pack-install.slow.test.ts`, `test/docs/getting-started.slow.test.ts`): build and `npm pack` it
 * without touching the working tree, run npm in a project of its own, and the compiler settings a
 * user's strict TypeScript project has.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT, RUNTIME, stageRuntime } from './runtime-stage.ts';

export { ROOT, RUNTIME, TSC } from './runtime-stage.ts';
export const run = promisify(execFile);

/**
 * The environment of a program run in a project of its own: the settings `npm test` hands its
 * scripts (`npm_config_*`, the workspace's prefix among them) stay behind, apart from the cache
 * and the registry; so do the test runner's context and tsx's tsconfig (which maps the runtime's
 * name to this repository's sources).
 */
export function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    const lower = key.toLowerCase();
    if (lower.startsWith('npm_') && lower !== 'npm_config_cache' && lower !== 'npm_config_registry') continue;
    if (key === 'TSX_TSCONFIG_PATH' || key === 'NODE_TEST_CONTEXT') continue;
    env[key] = value;
  }
  return env;
}

export async function npm(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await run('npm', args, { cwd, env: npmEnv(), timeout: 600_000, maxBuffer: 64 << 20 });
  return stdout;
}

export interface PackedRuntime {
  /** Absolute path of the tarball. */
  readonly tarball: string;
  /** Paths inside the tarball. */
  readonly files: string[];
  readonly dependencies: Record<string, string>;
}

/**
 * Builds the runtime into `scratch/runtime` (its package.json and README beside a fresh build, so
 * packages/runtime/dist stays as it was) and packs it into `scratch`.
 */
export async function packRuntime(scratch: string): Promise<PackedRuntime> {
  const stage = join(scratch, 'runtime');
  await stageRuntime(stage);
  // --ignore-scripts: prepack would build again, into the stage, without a tsconfig there.
  const [pack] = JSON.parse(
    await npm(stage, ['pack', '--json', '--ignore-scripts', '--pack-destination', scratch]),
  ) as [{ filename: string; files: { path: string }[] }];
  const manifest = JSON.parse(readFileSync(join(RUNTIME, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  return {
    tarball: join(scratch, pack.filename),
    files: pack.files.map((f) => f.path),
    dependencies: manifest.dependencies,
  };
}

/**
 * A user's strict tsconfig (nodenext) over `files`, checking the installed package's declarations
 * too (`skipLibCheck: false`), with this repository's Node.js types.
 */
export function userTsconfig(files: readonly string[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
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
      ...extra,
    },
    files,
  });
}
