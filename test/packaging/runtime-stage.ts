/**
 * The runtime package as a user gets it, staged outside the working tree: compiled from
 * packages/runtime with its own tsconfig (JavaScript and declarations in `dist`) beside its
 * package.json and README — the files `npm pack` would take. Nothing is written into the working
 * tree (packages/runtime/dist stays as it was). Shared by the packaging and doc-snippet tests.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const RUNTIME = join(ROOT, 'packages', 'runtime');
/** This repository's tsc, the compiler the runtime is built and checked with. */
export const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

const run = promisify(execFile);

/**
 * Compiles the runtime into `stage/dist` and copies its package.json and README beside it.
 * `check: false` emits without type-checking the runtime's sources (`--noCheck`): the same files,
 * in half the time, for a test whose subject is not the runtime's own types (those are checked by
 * `tsc --noEmit -p .`).
 */
export async function stageRuntime(stage: string, { check = true }: { check?: boolean } = {}): Promise<void> {
  mkdirSync(stage, { recursive: true });
  const args = [TSC, '-p', join(RUNTIME, 'tsconfig.json'), '--outDir', join(stage, 'dist')];
  await run(process.execPath, check ? args : [...args, '--noCheck'], { cwd: ROOT });
  for (const file of ['package.json', 'README.md']) copyFileSync(join(RUNTIME, file), join(stage, file));
}
