/** OS-process harness of the example tests: cache nodes as child processes, reached over HTTP. */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
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
