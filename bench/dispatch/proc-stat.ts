/**
 * CPU time and resident memory of another process, read from Linux's `/proc/<pid>/stat`:
 * `utime + stime` (in clock ticks, converted to seconds) and `rss` (in pages, converted to bytes).
 *
 * ```ts
 * const a = readProcStat(pid);
 * // … later
 * const b = readProcStat(pid);
 * const cpuShare = (b.cpuSeconds - a.cpuSeconds) / elapsedSeconds; // 1.0 = one core busy
 * ```
 *
 * When not to use: on systems without procfs (macOS, Windows): `readProcStat` returns undefined
 * there and the benchmark reports CPU and memory as unknown.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface ProcStat {
  /** User plus system CPU time since the process started, seconds. */
  readonly cpuSeconds: number;
  /** Resident set size, bytes. */
  readonly rssBytes: number;
}

function getconf(name: string, fallback: number): number {
  try {
    const v = Number(execFileSync('getconf', [name], { encoding: 'utf8' }).trim());
    return Number.isFinite(v) && v > 0 ? v : fallback;
  } catch {
    return fallback;
  }
}

let units: { ticksPerSecond: number; pageBytes: number } | undefined;

function systemUnits(): { ticksPerSecond: number; pageBytes: number } {
  units ??= { ticksPerSecond: getconf('CLK_TCK', 100), pageBytes: getconf('PAGESIZE', 4096) };
  return units;
}

/** Parses the text of `/proc/<pid>/stat`; undefined when it is not in that format. */
export function parseProcStat(text: string, ticksPerSecond: number, pageBytes: number): ProcStat | undefined {
  // The command name (field 2) is in parentheses and may contain spaces: split after its last ')'.
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const fields = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  // fields[0] is field 3 (state); utime is field 14, stime 15, rss 24.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const rss = Number(fields[21]);
  if (![utime, stime, rss].every(Number.isFinite)) return undefined;
  return { cpuSeconds: (utime + stime) / ticksPerSecond, rssBytes: rss * pageBytes };
}

/** The process's CPU time and RSS now, or undefined when it is gone or procfs is missing. */
export function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const { ticksPerSecond, pageBytes } = systemUnits();
  return parseProcStat(text, ticksPerSecond, pageBytes);
}
