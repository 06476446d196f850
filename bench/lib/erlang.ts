/**
 * Runs an Erlang peer workload when `escript` is installed: the script prints one JSON object of
 * figures on its last line. Returns undefined when Erlang is not available.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export function erlangAvailable(): boolean {
  return spawnSync('escript', ['-h'], { stdio: 'ignore' }).error === undefined;
}

export function runEscript(
  relativeToBench: string,
  args: string[],
  timeoutMs = 120_000,
): Record<string, number> | undefined {
  if (!erlangAvailable()) return undefined;
  const path = fileURLToPath(new URL(`../${relativeToBench}`, import.meta.url));
  const out = execFileSync('escript', [path, ...args], {
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 1 << 24,
  });
  const last = out.trim().split('\n').pop() ?? '{}';
  return JSON.parse(last) as Record<string, number>;
}
