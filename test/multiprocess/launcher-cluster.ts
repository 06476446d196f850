/**
 * A local cluster started the way a person starts it, through the launcher (`superhero start`,
 * what `npm start` runs), on free consecutive ports and a temporary data directory, for the
 * multi-process tests of paths that only the launcher drives: its control channel, `--nodes 5`,
 * `--role dispatch`, a node that exits on its own.
 *
 * ```ts
 * const cluster = await startLauncher(t, ['--nodes', '3', '--role', 'dispatch']);
 * await cluster.api('gotham', 'POST', '/api/heroes', {});
 * cluster.kill('capitol'); // SIGKILL to that node's process
 * ```
 *
 * The launcher and its nodes get a process group of their own, killed as a whole when the test
 * ends. The cookie reaches them in the environment (`SUPERHERO_COOKIE`), never in argv.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { CITY_NAMES } from '../../src/dispatch/model.ts';
import { freePortRun } from '../../packages/runtime/src/testing/free-port.ts';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export interface LauncherCluster {
  readonly launcher: ChildProcess;
  /** Web port of each node by name (cities in order, then `dispatch`). */
  readonly webPorts: ReadonlyMap<string, number>;
  /** Everything the launcher and its nodes printed so far. */
  output(): string;
  /** One request on a connection of its own; `status` 0 when the node did not answer. */
  api(node: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }>;
  /** Pid of the node process named `node` (a child of the launcher), or undefined if none runs. */
  pidOf(node: string): number | undefined;
  /** SIGKILL to the node process named `node`. */
  kill(node: string): void;
}

export async function startLauncher(t: TestContext, args: string[]): Promise<LauncherCluster> {
  const nodes = Number(args[args.indexOf('--nodes') + 1] ?? 3);
  const names = [...CITY_NAMES.slice(0, nodes), ...(args.includes('dispatch') ? ['dispatch'] : [])];
  const data = await mkdtemp(join(tmpdir(), 'launcher-paths-'));
  // One run for both: two runs looked up in turn could overlap, as neither is bound yet.
  const port = await freePortRun(2 * names.length);
  const webPort = port + names.length;
  const launcher = spawn(
    process.execPath,
    ['--import', 'tsx', MAIN, 'start', ...args, '--port', String(port), '--web-port', String(webPort)].concat(
      ['--data-dir', data],
    ),
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      env: { ...process.env, SUPERHERO_COOKIE: 'launcher-paths-test-cookie-0123456789' },
    },
  );
  let output = '';
  launcher.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  launcher.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  t.after(async () => {
    if (launcher.exitCode === null && launcher.pid) {
      try {
        process.kill(-launcher.pid, 'SIGKILL');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
      }
    }
    await rm(data, { recursive: true, force: true });
  });
  const webPorts = new Map(names.map((name, i) => [name, webPort + i]));

  const pidOf = (node: string): number | undefined => {
    let listing: string;
    try {
      listing = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(launcher.pid)], {
        encoding: 'utf8',
      });
    } catch (err) {
      if ((err as { status?: number }).status === 1) return undefined; // no child at all
      throw err;
    }
    const line = listing.split('\n').find((l) => new RegExp(`--name ${node}( |$)`).test(l));
    return line === undefined ? undefined : Number(line.trim().split(/\s+/)[0]);
  };

  return {
    launcher,
    webPorts,
    output: () => output,
    api: (node, method, path, body) =>
      new Promise((resolve) => {
        const text = body === undefined ? undefined : JSON.stringify(body);
        const req = request(
          {
            host: '127.0.0.1',
            port: webPorts.get(node),
            path,
            method,
            agent: false,
            timeout: 8000,
            headers: text === undefined ? {} : { 'content-type': 'application/json' },
          },
          (res) => {
            let raw = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (raw += chunk));
            res.on('end', () => {
              let json: unknown;
              try {
                json = JSON.parse(raw);
              } catch {
                json = raw;
              }
              resolve({ status: res.statusCode ?? 0, json });
            });
          },
        );
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.on('error', () => resolve({ status: 0, json: undefined }));
        req.end(text);
      }),
    pidOf,
    kill(node) {
      const pid = pidOf(node);
      if (pid === undefined) throw new Error(`no process for ${node}`);
      process.kill(pid, 'SIGKILL');
    },
  };
}
