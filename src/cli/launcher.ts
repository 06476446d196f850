/**
 * The local launcher behind `npm start`: one OS process per city node (gotham :4900, metropolis
 * :4901, capitol :4902; smallville and asgard with `--nodes 5`; other ports with `--port` and
 * `--web-port`), each forked with an IPC channel — the control channel that reaches a node even
 * when it is cut off from the mesh. It restarts a node
 * when asked and stops them all on Ctrl-C. Once no node is left running (every one exited, say
 * because each refused to start), it exits with code 1: restarts are asked for from a node's page.
 *
 * Secrets: the nodes share one cookie — `--cookie`, `--cookie-file`, `$SUPERHERO_COOKIE`, else
 * `<data-dir>/cookie`, generated once (mode 0400) — and, on a non-loopback `--web-host`, one bearer
 * token (`--web-token-file`, `$SUPERHERO_WEB_TOKEN`, else `<data-dir>/web-token`, generated once
 * and printed then). Both reach the nodes in their environment, never on a command line (`ps`
 * shows every user the arguments of every process). Chaos routes are on.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CITY_NAMES } from '../dispatch/model.ts';
import { isLoopbackHost } from '../dispatch/web/index.ts';
import type { StartOptions } from './config.ts';
import type { ControlCommand } from './control.ts';
import { isControlRequest } from './control.ts';
import { selfApplied } from '../dispatch/node-actions.ts';
import { ensureSecretFile, readSecretFile } from './secrets.ts';
import { etcdForLauncher, etcdNodeArgs } from './local-etcd.ts';

interface Managed {
  readonly name: string;
  readonly args: string[];
  child: ChildProcess | undefined;
  stopping: boolean;
}

/** The environment of every node: the launcher's, plus the cookie and the web token. */
async function nodeEnv(options: StartOptions): Promise<NodeJS.ProcessEnv> {
  const cookie =
    options.cookie ??
    (options.cookieFile !== undefined
      ? await readSecretFile(options.cookieFile)
      : (await ensureSecretFile(join(options.dataDir, 'cookie'))).secret);
  const env: NodeJS.ProcessEnv = { ...process.env, SUPERHERO_COOKIE: cookie };
  delete env.SUPERHERO_WEB_TOKEN;
  if (isLoopbackHost(options.webHost)) return env;
  let token = options.webToken;
  if (options.webTokenFile !== undefined) token = await readSecretFile(options.webTokenFile);
  if (token === undefined) {
    const file = join(options.dataDir, 'web-token');
    const made = await ensureSecretFile(file);
    token = made.secret;
    console.log(
      made.created
        ? `Web token (shown once; kept in ${file}): ${token}\n  send it as "Authorization: Bearer <token>"`
        : `Web token: in ${file} (send it as "Authorization: Bearer <token>")`,
    );
  }
  return { ...env, SUPERHERO_WEB_TOKEN: token };
}

export async function runLauncher(options: StartOptions): Promise<void> {
  const main = fileURLToPath(new URL('./main.ts', import.meta.url));
  const env = { ...(await nodeEnv(options)), ...(await etcdForLauncher(options)) };
  const cities = CITY_NAMES.slice(0, options.nodes);
  const seeds = cities.map((name, i) => `${name}@${options.host}:${options.port + i}`).join(',');
  const specs: Managed[] = cities.map((name, i) => ({
    name,
    args: nodeArgs(name, options.port + i, options.webPort + i, seeds, options, 'city'),
    child: undefined,
    stopping: false,
  }));
  if (options.dispatch) {
    const i = cities.length;
    specs.push({
      name: 'dispatch',
      args: nodeArgs('dispatch', options.port + i, options.webPort + i, seeds, options, 'dispatch'),
      child: undefined,
      stopping: false,
    });
  }
  const byName = new Map(specs.map((s) => [s.name, s]));
  let exiting = false;

  const start = (m: Managed): void => {
    m.stopping = false;
    const child = fork(main, m.args, {
      execArgv: ['--import', 'tsx'],
      env,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    m.child = child;
    child.on('message', (msg) => {
      if (!isControlRequest(msg)) return;
      const target = byName.get(msg.node);
      if (!target) return;
      if (!selfApplied(msg.action)) {
        // restart, the one control a node cannot carry out on itself.
        console.log(`[launcher] restarting ${target.name}`);
        if (target.child && target.child.exitCode === null) {
          target.stopping = true; // an exit on the way to its restart
          send(target, { type: 'shutdown' });
          target.child.once('exit', () => start(target));
        } else start(target);
      } else send(target, { type: msg.action });
    });
    child.on('exit', (code, signal) => {
      if (m.child === child) m.child = undefined;
      if (m.stopping || exiting) return;
      const exited = `[launcher] ${m.name} exited (${signal ?? `code ${code}`})`;
      // Restarts are asked for from a node's page: with none left, nothing could ask.
      if (specs.every((s) => s.child === undefined && !s.stopping)) {
        console.log(`${exited}; no node is left running, exiting`);
        process.exit(1);
      }
      console.log(`${exited}; restart it from any page`);
    });
  };

  console.log(`Superhero Dispatch: ${specs.length} nodes, store ${options.store}`);
  specs.forEach((m, i) => {
    start(m);
    console.log(`  ${m.name.padEnd(10)} http://${urlHost(options.webHost)}:${options.webPort + i}`);
  });

  const stopAll = (): void => {
    if (exiting) return;
    exiting = true;
    console.log('\n[launcher] stopping all nodes…');
    const alive = specs.filter((m) => m.child && m.child.exitCode === null);
    for (const m of alive) {
      m.stopping = true;
      m.child?.kill('SIGTERM');
    }
    const force = setTimeout(() => {
      for (const m of alive) m.child?.kill('SIGKILL');
      process.exit(1);
    }, 10_000);
    void Promise.all(alive.map((m) => new Promise((r) => m.child?.once('exit', r)))).then(() => {
      clearTimeout(force);
      process.exit(0);
    });
  };
  process.on('SIGINT', stopAll);
  process.on('SIGTERM', stopAll);
  await new Promise(() => undefined);
}

function send(m: Managed, cmd: ControlCommand): void {
  if (m.child?.connected) m.child.send(cmd);
}

/** Where a browser on this machine reaches a node bound to `host`. */
function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

function nodeArgs(
  name: string,
  port: number,
  webPort: number,
  seeds: string,
  o: StartOptions,
  role: string,
): string[] {
  return [
    'node',
    '--name',
    name,
    '--host',
    o.host,
    '--port',
    String(port),
    '--web-port',
    String(webPort),
    '--seeds',
    seeds,
    // The city nodes found the Raft group together (raft/formation); restarts use their data.
    '--expect',
    String(o.nodes),
    '--web-host',
    o.webHost,
    '--chaos',
    '--max-heroes',
    String(o.maxHeroes),
    '--rate-limit',
    String(o.rateLimit),
    '--rate-burst',
    String(o.rateBurst),
    ...(o.publicRead ? ['--public-read'] : []),
    ...(o.webOrigin.length > 0 ? ['--web-origin', o.webOrigin.join(',')] : []),
    '--store',
    o.store,
    '--role',
    role,
    '--data-dir',
    o.dataDir,
    ...etcdNodeArgs(o),
  ];
}
