/** OS-process harness of the example tests: cache nodes as child processes, reached over HTTP. */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { startTodoServer } from '../../examples/api-cache/upstream.ts';
import { freePort } from '../../packages/runtime/src/testing/free-port.ts';
import { waitFor } from './helpers.ts';

const NODE_MAIN = fileURLToPath(new URL('../../examples/api-cache/node-main.ts', import.meta.url));

export interface CacheProc {
  readonly name: string;
  readonly args: readonly string[];
  child: ChildProcess;
  httpPort: number;
  fullName: string;
  stderr: string;
}

/** Start (or restart) a cache node process; resolves once it prints its ready line. */
export async function launch(
  proc: Omit<CacheProc, 'child' | 'httpPort' | 'fullName' | 'stderr'> & Partial<CacheProc>,
): Promise<CacheProc> {
  const child = spawn(process.execPath, ['--import', 'tsx', NODE_MAIN, '--name', proc.name, ...proc.args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const target = proc as CacheProc;
  target.child = child;
  target.stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    target.stderr = (target.stderr + d.toString()).slice(-4000);
  });
  const ready = await new Promise<{ node: string; httpPort: number }>((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer): void => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.includes('"ready"'));
      if (line) {
        child.stdout?.off('data', onData);
        resolve(JSON.parse(line) as { node: string; httpPort: number });
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${proc.name} exited with ${code}: ${target.stderr}`)));
  });
  target.httpPort = ready.httpPort;
  target.fullName = ready.node;
  return target;
}

export function kill9(proc: CacheProc): Promise<void> {
  return new Promise((resolve) => {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
      resolve();
      return;
    }
    proc.child.once('exit', () => resolve());
    proc.child.kill('SIGKILL');
  });
}

export async function getJson<T>(proc: CacheProc, path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`http://127.0.0.1:${proc.httpPort}${path}`, {
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: (await res.json()) as T };
}

export interface Info {
  readonly node: string;
  readonly ready: boolean;
  readonly peers: string[];
  readonly size: number | null;
  readonly stats: { hits: number; misses: number; storeErrors: number };
}

export async function waitMesh(procs: readonly CacheProc[], timeoutMs = 20_000): Promise<void> {
  await waitFor(
    async () => {
      const infos = await Promise.all(procs.map((p) => getJson<Info>(p, '/info').catch(() => undefined)));
      return infos.every((i) => i?.body.peers.length === procs.length - 1 && i.body.ready);
    },
    timeoutMs,
    'full mesh of cache processes',
  );
}

/** Where a cache cluster's node `i` learns its arguments: every node's port, and a scratch directory. */
export interface CacheNodeSetup {
  readonly i: number;
  readonly ports: readonly number[];
  /** A temporary directory of the test, removed after it. */
  readonly root: string;
  /** The upstream todo server's URL. */
  readonly upstream: string;
}

/**
 * Starts an upstream todo server (5 ms latency) and one cache node process per name on free ports,
 * with `args(setup)` more arguments each; waits for the full mesh. Everything is killed and removed
 * after the test.
 */
export async function startCacheCluster(
  t: TestContext,
  names: readonly string[],
  args: (setup: CacheNodeSetup) => string[],
): Promise<{ procs: CacheProc[]; server: Awaited<ReturnType<typeof startTodoServer>> }> {
  const root = mkdtempSync(join(tmpdir(), 'api-cache-procs-'));
  const server = await startTodoServer({ latencyMs: 5 });
  const procs: CacheProc[] = [];
  t.after(async () => {
    await Promise.all(procs.map(kill9));
    await server.close();
    rmSync(root, { recursive: true, force: true });
  });
  const ports = await Promise.all(names.map(() => freePort()));
  const specs = names.map((name, i) => ({
    name,
    args: [
      '--port',
      String(ports[i]),
      ...args({ i, ports, root, upstream: server.url }),
      '--upstream',
      server.url,
    ],
  }));
  procs.push(...(await Promise.all(specs.map((spec) => launch(spec)))));
  await waitMesh(procs);
  return { procs, server };
}

/** `--seeds` with every other node of the cluster (a static list). */
export function otherSeeds({ i, ports }: CacheNodeSetup): string[] {
  return [
    '--seeds',
    ports
      .filter((_, j) => j !== i)
      .map((p) => `127.0.0.1:${p}`)
      .join(','),
  ];
}
