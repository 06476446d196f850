/**
 * Raft store members as OS processes (`member-proc.ts`) on loopback, for the kill test and the
 * benchmark: start, kill -9, restart on the same ports and data directories, and a keep-alive
 * HTTP client for their API.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../packages/runtime/src/testing/free-port.ts';
import { waitFor } from '../../packages/runtime/src/testing/wait-for.ts';

const SCRIPT = fileURLToPath(new URL('./member-proc.ts', import.meta.url));

export interface MemberProc {
  readonly short: string;
  /** Full node name, `short@127.0.0.1:port`. */
  readonly name: string;
  readonly port: number;
  readonly webPort: number;
  readonly args: string[];
  child: ChildProcess;
  output: string;
}

export interface ProcCluster {
  readonly members: MemberProc[];
  readonly root: string;
  close(): Promise<void>;
}

export async function startMembers(shorts: string[], extra: string[] = []): Promise<ProcCluster> {
  const root = await mkdtemp(join(tmpdir(), 'raft-procs-'));
  const ports: number[] = [];
  const webPorts: number[] = [];
  for (const _ of shorts) {
    ports.push(await freePort());
    webPorts.push(await freePort());
  }
  const names = shorts.map((s, i) => `${s}@127.0.0.1:${ports[i]!}`);
  const members = shorts.map((short, i): MemberProc => {
    const seeds = ports.filter((_, j) => j !== i).map((p) => `127.0.0.1:${p}`);
    const args = [
      '--import',
      'tsx',
      SCRIPT,
      '--name',
      short,
      '--port',
      String(ports[i]),
      '--web-port',
      String(webPorts[i]),
      '--seeds',
      seeds.join(','),
      '--voters',
      names.join(','),
      '--data',
      join(root, short),
      ...extra,
    ];
    return {
      short,
      name: names[i]!,
      port: ports[i]!,
      webPort: webPorts[i]!,
      args,
      child: undefined as never,
      output: '',
    };
  });
  const cluster: ProcCluster = {
    members,
    root,
    async close() {
      await Promise.all(members.filter((m) => m.child !== undefined).map((m) => kill(m)));
      await rm(root, { recursive: true, force: true });
    },
  };
  const started = await Promise.allSettled(members.map((m) => launch(m)));
  const failed = started.find((r) => r.status === 'rejected');
  if (failed !== undefined) {
    await cluster.close();
    throw (failed as PromiseRejectedResult).reason;
  }
  return cluster;
}

/** Starts (or restarts) a member process; resolves once it reports ready. */
export function launch(m: MemberProc): Promise<void> {
  const child = spawn(process.execPath, m.args, { stdio: ['ignore', 'pipe', 'pipe'] });
  m.child = child;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${m.short} did not start: ${m.output}`)), 30_000);
    child.stdout?.on('data', (d: Buffer) => {
      m.output += d.toString();
      if (m.output.includes('"ready":true')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr?.on('data', (d: Buffer) => (m.output += d.toString()));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (!m.output.includes('"ready":true'))
        reject(new Error(`${m.short} exited (${code ?? signal}): ${m.output}`));
    });
  });
}

export function kill(m: MemberProc): Promise<void> {
  return new Promise((resolve) => {
    if (m.child.exitCode !== null || m.child.signalCode !== null) return resolve();
    m.child.once('exit', () => resolve());
    m.child.kill('SIGKILL');
  });
}

export interface ApiResult<T> {
  readonly status: number;
  readonly body: T;
}

export async function api<T = Record<string, unknown>>(
  m: MemberProc,
  method: string,
  path: string,
  body?: unknown,
  timeoutMs = 10_000,
): Promise<ApiResult<T>> {
  const res = await fetch(`http://127.0.0.1:${m.webPort}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  return { status: res.status, body: (await res.json()) as T };
}

export interface MemberStatus {
  name: string;
  role: string;
  leader: string | null;
  commit: number;
  applied: number;
  writable: boolean;
}

export async function status(m: MemberProc): Promise<MemberStatus | null> {
  try {
    return (await api<MemberStatus>(m, 'GET', '/status', undefined, 2000)).body;
  } catch {
    return null;
  }
}

export { waitFor } from '../../packages/runtime/src/testing/wait-for.ts';

/** Waits until every member knows the same leader and that leader is writable; returns it. */
export async function waitForLeader(members: MemberProc[], timeoutMs = 120_000): Promise<MemberProc> {
  let leader: MemberProc | undefined;
  await waitFor(
    async () => {
      const all = await Promise.all(members.map((m) => status(m)));
      const named = all[0]?.leader ?? null;
      if (named === null || !all.every((s) => s !== null && s.leader === named)) return false;
      leader = members.find((m) => m.name === named);
      return all.find((s) => s?.name === named)?.writable === true;
    },
    timeoutMs,
    'a leader known to every member',
  );
  return leader!;
}
