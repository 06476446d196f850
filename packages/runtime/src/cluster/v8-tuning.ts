/**
 * Sets the V8 flags a long-running server should run with (`util/server-tiering.ts` decides which
 * and why: hot code optimized sooner), as the first thing a server process does.
 *
 * Example (the CLI's `node` command and the Raft test member do this):
 * ```ts
 * import { tuneV8ForServer } from '@superhero-dispatch/runtime/cluster';
 * tuneV8ForServer(); // ['--interrupt-budget=8192'] on Node 20, unless the command line set a budget
 * ```
 *
 * Not for: short-lived tools and tests, which exit before the optimized code pays for compiling it.
 */
import { setFlagsFromString } from 'node:v8';
import { serverV8Flags } from '../util/server-tiering.ts';

/** Sets `serverV8Flags` for this process; returns the flags set. */
export function tuneV8ForServer(): string[] {
  const flags = serverV8Flags(process.execArgv, process.versions.v8);
  for (const f of flags) setFlagsFromString(f);
  return flags;
}
