/**
 * Helpers for tests that run real node processes on loopback (`superhero node …`), so they can be
 * killed with SIGKILL, paused with SIGSTOP and restarted.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../packages/runtime/src/testing/free-port.ts';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export interface NodeProc {
  readonly name: string;
  readonly port: number;
  readonly webPort: number;
  child: ChildProcess;
  readonly args: string[];
  output: string;
}

/**
 * Starts one `superhero node` process per name, all seeded with each other. `extra`: more
 * arguments, the same for every node or per node. `namedSeeds`: seeds as `name@host:port` (what
 * makes them the founding Raft voters) rather than `host:port`.
 */
export async function startProcs(
  names: string[],
  extra: string[] | ((name: string) => string[]) = [],
  { namedSeeds = false }: { namedSeeds?: boolean } = {},
): Promise<NodeProc[]> {
  const ports = await Promise.all(names.map(() => freePort()));
  const webPorts = await Promise.all(names.map(() => freePort()));
  const seeds = ports.map((p, i) => `${namedSeeds ? `${names[i]}@` : ''}127.0.0.1:${p}`).join(',');
  return names.map((name, i) => {
    const args = [
      '--import',
      'tsx',
      MAIN,
      'node',
      '--name',
      name,
      '--port',
      String(ports[i]),
      '--web-port',
      String(webPorts[i]),
      '--seeds',
      seeds,
      '--cookie',
      'multiprocess-test-cookie',
      '--chaos',
      '--log-level',
      'warn',
      ...(typeof extra === 'function' ? extra(name) : extra),
    ];
    const proc: NodeProc = {
      name,
      port: ports[i] as number,
      webPort: webPorts[i] as number,
      args,
      child: undefined as never,
      output: '',
    };
    launch(proc);
    return proc;
  });
}

export function launch(proc: NodeProc): void {
  const child = spawn(process.execPath, proc.args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => (proc.output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (proc.output += d.toString()));
  proc.child = child;
}

export async function getJson<T>(proc: NodeProc, path: string): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${proc.webPort}${path}`, { signal: AbortSignal.timeout(2000) });
  return (await res.json()) as T;
}

export interface ClusterJson {
  nodes: { name: string; status: string }[];
}

export async function upPeers(proc: NodeProc): Promise<string[]> {
  try {
    const view = await getJson<ClusterJson>(proc, '/api/cluster');
    return view.nodes
      .filter((n) => n.status === 'up' && n.name !== proc.name)
      .map((n) => n.name)
      .sort();
  } catch {
    return [];
  }
}

export { waitFor } from '../../packages/runtime/src/testing/wait-for.ts';

export async function stopProcs(procs: NodeProc[]): Promise<void> {
  await Promise.all(
    procs.map(
      (p) =>
        new Promise<void>((resolve) => {
          if (p.child.exitCode !== null || p.child.signalCode !== null) return resolve();
          p.child.once('exit', () => resolve());
          p.child.kill('SIGCONT');
          p.child.kill('SIGKILL');
        }),
    ),
  );
}
