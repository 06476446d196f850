/**
 * Separate hosts on one machine: network namespaces with their own IP addresses, joined by a
 * bridge in the root namespace (which also has an address on it, so the test reaches every host
 * and can serve DNS to them). Each host runs real node processes with the documented command line
 * (`ip netns exec NS node … src/cli/main.ts node …`); a host's link can be taken down and up, a
 * real partition that closes nothing.
 *
 * ```ts
 * const net = createNet(4);            // hosts 10.X.Y.1 … 10.X.Y.4, bridge 10.X.Y.254
 * const proc = net.spawn(0, ['node', '--name', 'gotham', '--host', '0.0.0.0', …], env);
 * net.linkDown(2); net.linkUp(2);
 * net.destroy();                       // also on process exit
 * ```
 *
 * Each host also has a management link straight to the root namespace (a veth pair of its own,
 * not on the bridge): the test reaches a host's page and API through it even while the host is
 * cut off from the cluster network.
 *
 * Names carry a prefix made of the test's pid, and the subnet is derived from it, so parallel runs
 * do not clash; ports inside a namespace are the host's own (fixed ports cannot collide with other
 * processes of the machine). Everything is removed in `destroy()`, and on exit if the test forgets.
 *
 * `netnsUnavailable()` says why namespaces cannot be used here (not root, `ip netns` refused), or
 * null.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

export interface Host {
  readonly ns: string;
  /** The host's address on the cluster network (the bridge). */
  readonly ip: string;
  /** Its address on a management link of its own, which a partition leaves up (the test's way in). */
  readonly mgmtIp: string;
  /** The veth end on the bridge (taken down for a partition). */
  readonly link: string;
}

export interface HostProc {
  readonly host: number;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  child: ChildProcess;
  output: string;
}

export interface Net {
  readonly prefix: string;
  readonly bridgeIp: string;
  readonly broadcast: string;
  readonly hosts: readonly Host[];
  /** Starts `node --import tsx src/cli/main.ts <args>` inside host `i`'s namespace. */
  spawn(i: number, args: readonly string[], env?: Readonly<Record<string, string>>): HostProc;
  /** Starts the same process again (after a kill). */
  restart(proc: HostProc): void;
  linkDown(i: number): void;
  linkUp(i: number): void;
  destroy(): void;
}

export function netnsUnavailable(): string | null {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  const probe = `shp${process.pid}`;
  try {
    ip('netns', 'add', probe);
    ip('netns', 'del', probe);
    return null;
  } catch (err) {
    return `ip netns is refused here: ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}`;
  }
}

export function createNet(count: number): Net {
  const prefix = `sh${process.pid % 10_000_000}`;
  const subnet = `10.${100 + (process.pid % 100)}.${Math.floor(process.pid / 100) % 250}`;
  const mgmt = `172.${16 + (process.pid % 16)}.${Math.floor(process.pid / 16) % 250}`;
  const bridge = `${prefix}br`;
  const hosts: Host[] = [];
  const procs = new Set<HostProc>();
  let destroyed = false;

  const destroy = (): void => {
    if (destroyed) return;
    destroyed = true;
    for (const p of procs) {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    }
    for (const h of hosts) {
      try {
        ip('netns', 'del', h.ns);
      } catch {
        // already gone
      }
    }
    try {
      ip('link', 'del', bridge);
    } catch {
      // already gone
    }
  };
  process.once('exit', destroy);

  try {
    ip('link', 'add', bridge, 'type', 'bridge');
    ip('addr', 'add', `${subnet}.254/24`, 'dev', bridge);
    ip('link', 'set', bridge, 'up');
    for (let i = 0; i < count; i++) {
      const ns = `${prefix}h${i}`;
      const link = `${prefix}v${i}`;
      const inner = `${prefix}p${i}`;
      const host = { ns, ip: `${subnet}.${i + 1}`, mgmtIp: `${mgmt}.${i + 1}`, link };
      ip('netns', 'add', ns);
      hosts.push(host);
      ip('link', 'add', link, 'type', 'veth', 'peer', 'name', inner);
      ip('link', 'set', inner, 'netns', ns);
      ip('link', 'set', link, 'master', bridge);
      ip('link', 'set', link, 'up');
      ip('-n', ns, 'addr', 'add', `${host.ip}/24`, 'dev', inner);
      ip('-n', ns, 'link', 'set', inner, 'up');
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      // The management link: created after the cluster one, so a node bound to 0.0.0.0 advertises
      // the cluster address (the first non-loopback one).
      const mOut = `${prefix}m${i}`;
      const mIn = `${prefix}n${i}`;
      ip('link', 'add', mOut, 'type', 'veth', 'peer', 'name', mIn);
      ip('link', 'set', mIn, 'netns', ns);
      ip('link', 'set', mOut, 'up');
      ip('route', 'add', `${host.mgmtIp}/32`, 'dev', mOut);
      ip('-n', ns, 'addr', 'add', `${host.mgmtIp}/32`, 'dev', mIn);
      ip('-n', ns, 'link', 'set', mIn, 'up');
      ip('-n', ns, 'route', 'add', 'default', 'dev', mIn);
    }
  } catch (err) {
    destroy();
    throw err;
  }

  const launch = (p: HostProc): void => {
    const host = hosts[p.host] as Host;
    const child = spawn(
      'ip',
      ['netns', 'exec', host.ns, process.execPath, '--import', 'tsx', MAIN, ...p.args],
      {
        cwd: ROOT,
        env: { ...process.env, ...p.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout?.on('data', (d: Buffer) => (p.output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (p.output += d.toString()));
    p.child = child;
  };

  return {
    prefix,
    bridgeIp: `${subnet}.254`,
    broadcast: `${subnet}.255`,
    hosts,
    spawn(i, args, env = {}) {
      const p: HostProc = { host: i, args, env, child: undefined as never, output: '' };
      procs.add(p);
      launch(p);
      return p;
    },
    restart: launch,
    linkDown: (i) => ip('link', 'set', (hosts[i] as Host).link, 'down'),
    linkUp: (i) => ip('link', 'set', (hosts[i] as Host).link, 'up'),
    destroy,
  };
}

/** SIGKILL (`kill -9`) and wait for the exit. */
export async function kill9(p: HostProc): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    p.child.once('exit', () => resolve());
    p.child.kill('SIGKILL');
  });
}

/** SIGTERM (a graceful leave) and wait for the exit. */
export async function terminate(p: HostProc): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    p.child.once('exit', () => resolve());
    p.child.kill('SIGTERM');
  });
}
