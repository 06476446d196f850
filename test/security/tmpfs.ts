// A small tmpfs of its own for a test, so a full disk can be produced for real: mounted in a fresh
// temporary directory and always unmounted afterwards. Needs root; where mounting is refused the
// test is skipped with the reason (never passed silently).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

export interface Tmpfs {
  readonly dir: string;
  /** Changes the size limit (e.g. `'4m'`): frees space without touching the files. */
  resize(size: string): void;
}

export async function withTmpfs(
  t: TestContext,
  size: string,
  body: (fs: Tmpfs) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tmpfs-'));
  try {
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir], { stdio: 'pipe' });
    } catch (err) {
      t.skip(`cannot mount a tmpfs here (${String((err as { stderr?: unknown }).stderr ?? err).trim()})`);
      return;
    }
    try {
      await body({
        dir,
        resize: (next) => execFileSync('mount', ['-o', `remount,size=${next}`, dir], { stdio: 'pipe' }),
      });
    } finally {
      // Lazy: detached at once even while a failed test still holds a file open in it.
      execFileSync('umount', ['--lazy', dir], { stdio: 'pipe' });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
