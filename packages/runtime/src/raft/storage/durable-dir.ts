/**
 * Data directories that are private and survive a crash: every directory created is mode 0700,
 * and the parent of each one created is fsynced, so the new entry is on disk before anything is
 * written inside it (POSIX makes a file durable with fsync, but its name only with an fsync of
 * the directory holding it). The leaf directory is set to 0700 even when it already existed, so
 * data written by older versions with 0755 becomes private too. Files inside are created 0600 by
 * their owners (`PRIVATE_FILE_MODE`).
 *
 * Example:
 * ```ts
 * makeDataDir('/var/lib/superhero/gotham/raft', true);
 * ```
 *
 * Not for: temporary directories of tests (use `mkdtemp`).
 */
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Mode of every data directory: owner only. */
export const PRIVATE_DIR_MODE = 0o700;
/** Mode of every data file: owner read and write only. */
export const PRIVATE_FILE_MODE = 0o600;

/** Creates `dir` (and missing parents) durably and privately; see the module header. */
export function makeDataDir(dir: string, fsync: boolean): void {
  const leaf = resolve(dir);
  const missing: string[] = [];
  for (let path = leaf; !exists(path); path = dirname(path)) {
    missing.push(path);
    if (dirname(path) === path) break;
  }
  for (const path of missing.reverse()) {
    try {
      mkdirSync(path, { mode: PRIVATE_DIR_MODE });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (fsync) syncDirSync(dirname(path));
  }
  chmodSync(leaf, PRIVATE_DIR_MODE);
}

/** fsyncs a directory, so creations, renames and deletions in it are durable. */
export function syncDirSync(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
