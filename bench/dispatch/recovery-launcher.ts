/**
 * A Superhero Dispatch cluster for the recovery bench, started the way an operator starts it —
 * through the launcher (`superhero start --nodes 3`) on free consecutive ports and a temporary data
 * directory — because only the launcher carries out the page's chaos actions (partition and heal
 * over its control channel, graceful shutdown, restart of a node, including one that was killed).
 * Kill -9, SIGSTOP and SIGCONT go to a node's process by its pid (a child of the launcher).
 *
 * ```ts
 * const c = await startLauncherCluster('raft');
 * try {
 *   c.signal('capitol', 'SIGSTOP');
 *   await c.api('gotham', 'POST', '/api/nodes/capitol/partition');
 * } finally {
 *   await c.stop(); // SIGKILL to the launcher's process group, data directory removed
 * }
 * ```
 *
 * The launcher and its nodes get a process group of their own; `stop()` (and the exit of the bench
 * process) kills that group by its id. The cookie reaches them in the environment, never in argv.
 *
 * When not to use: for load measurements — `cluster.ts` starts the nodes without a launcher.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CITY_NAMES } from '../../src/dispatch/model.ts';
import { freePort } from '@superhero-dispatch/runtime/testing';
import { apiRequest, type ApiResponse } from './api.ts';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const NODES = 3;

export interface LauncherCluster {
  readonly names: readonly string[];
  readonly store: 'raft' | 'crdt';
  api(node: string, method: string, path: string, body?: unknown, timeoutMs?: number): Promise<ApiResponse>;
  /** Pid of the node process named `node`, or undefined if none runs. */
  pidOf(node: string): number | undefined;
  /** Sends `sig` to the node's process; throws when it has none. */
  signal(node: string, sig: NodeJS.Signals): void;
  /** What the launcher and its nodes printed last (for errors). */
  output(): string;
  stop(): Promise<void>;
}

const groups = new Set<number>();
process.once('exit', () => {
  for (const pgid of groups) killGroup(pgid);
});

function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** The first of `n` consecutive free ports (the launcher numbers its nodes' ports from a base). */
async function freePortRun(n: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = await freePort();
    if (base + n > 65_000) continue;
    let free = true;
    for (let i = 1; i < n && free; i++) free = await portFree(base + i);
    if (free) return base;
  }
  throw new Error(`no run of ${n} free ports found`);
}

export async function startLauncherCluster(
  store: 'raft' | 'crdt',
  readyTimeoutMs = 90_000,
): Promise<LauncherCluster> {
  const names: readonly string[] = CITY_NAMES.slice(0, NODES);
  const data = mkdtempSync(join(tmpdir(), `bench-recovery-${store}-`));
  const port = await freePortRun(NODES);
  const webPort = await freePortRun(NODES);
  const args = ['--import', 'tsx', MAIN, 'start', '--nodes', String(NODES), '--store', store];
  const launcher: ChildProcess = spawn(
    process.execPath,
    [...args, '--port', String(port), '--web-port', String(webPort), '--data-dir', data],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      env: { ...process.env, SUPERHERO_COOKIE: `bench-recovery-${store}-cookie-0123456789` },
    },
  );
  const pgid = launcher.pid as number;
  groups.add(pgid);
  let output = '';
  const keep = (d: Buffer): void => void (output = (output + d.toString()).slice(-8192));
  launcher.stdout?.on('data', keep);
  launcher.stderr?.on('data', keep);
  const webPorts = new Map(names.map((n, i) => [n, webPort + i]));
  const pidOf = (node: string): number | undefined => {
    let listing: string;
    try {
      listing = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(pgid)], { encoding: 'utf8' });
    } catch (err) {
      if ((err as { status?: number }).status === 1) return undefined; // no child at all
      throw err;
    }
    const line = listing.split('\n').find((l) => new RegExp(`--name ${node}( |$)`).test(l));
    return line === undefined ? undefined : Number(line.trim().split(/\s+/)[0]);
  };
  const cluster: LauncherCluster = {
    names,
    store,
    api: (node, method, path, body, timeoutMs = 5000) =>
      apiRequest(webPorts.get(node) ?? 0, method, path, body, timeoutMs),
    pidOf,
    signal(node, sig) {
      const pid = pidOf(node);
      if (pid === undefined) throw new Error(`no process for ${node}`);
      process.kill(pid, sig);
    },
    output: () => output,
    async stop() {
      killGroup(pgid);
      groups.delete(pgid);
      if (launcher.exitCode === null) await new Promise((r) => launcher.once('exit', r));
      rmSync(data, { recursive: true, force: true });
    },
  };
  const deadline = performance.now() + readyTimeoutMs;
  for (const n of names) {
    for (;;) {
      if (await connected(cluster, n)) break;
      if (launcher.exitCode !== null || performance.now() > deadline) {
        await cluster.stop();
        throw new Error(`${n} not ready within ${readyTimeoutMs} ms:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return cluster;
}

/** The node answers and sees every node up (in raft mode, with a leader known). */
export async function connected(c: LauncherCluster, node: string): Promise<boolean> {
  const view = (await c.api(node, 'GET', '/api/cluster', undefined, 2000)).json as
    { nodes?: { name: string; status: string }[]; raft?: { leader: string | null } } | undefined;
  const up = (view?.nodes ?? []).filter((n) => n.status === 'up').length >= c.names.length;
  return up && (c.store === 'crdt' || (view?.raft?.leader ?? null) !== null);
}
