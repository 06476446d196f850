/**
 * The facts about this machine a report records with each suite's run: cores, CPU model, load
 * average, Node's version, and the versions of the peer systems installed (Erlang/OTP, etcd).
 *
 * ```ts
 * const start = loadAverage();
 * // … run the suite …
 * const machine = machineFacts(start);   // load average at the end is read now
 * ```
 *
 * A peer that is not installed (or does not answer within 10 s) is left out of `peers`.
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg, release, type } from 'node:os';
import type { MachineFacts } from './record.ts';

/** Longest wait for a peer's version command, ms. */
const VERSION_TIMEOUT_MS = 10_000;

/** 1-, 5- and 15-minute load averages, rounded to two decimals. */
export function loadAverage(): number[] {
  return loadavg().map((l) => Math.round(l * 100) / 100);
}

function run(command: string, args: readonly string[]): string | undefined {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: VERSION_TIMEOUT_MS });
  return r.error === undefined && r.status === 0 ? r.stdout.trim() : undefined;
}

/** `Erlang/OTP 25 (erts 13.1.5)`, or undefined when `erl` is not installed. */
export function erlangVersion(): string | undefined {
  const out = run('erl', [
    '-noshell',
    '-eval',
    'io:format("~s ~s", [erlang:system_info(otp_release), erlang:system_info(version)]), halt().',
  ]);
  const [otp, erts] = out?.split(' ') ?? [];
  return otp ? `Erlang/OTP ${otp}${erts ? ` (erts ${erts})` : ''}` : undefined;
}

/** `etcd 3.4.30`, or undefined when `etcd` is not installed. */
export function etcdVersion(): string | undefined {
  const out = run('etcd', ['--version']);
  const version = out?.match(/etcd Version:\s*(\S+)/)?.[1];
  return version ? `etcd ${version}` : undefined;
}

export function machineFacts(loadAverageStart: readonly number[]): MachineFacts {
  const cpuList = cpus();
  const peers: Record<string, string> = {};
  const erlang = erlangVersion();
  if (erlang) peers.erlang = erlang;
  const etcd = etcdVersion();
  if (etcd) peers.etcd = etcd;
  return {
    cores: cpuList.length,
    cpuModel: cpuList[0]?.model.trim().replace(/\s+/g, ' ') ?? 'unknown',
    loadAverageStart,
    loadAverageEnd: loadAverage(),
    node: process.version,
    os: `${type()} ${release()}`,
    peers,
  };
}
