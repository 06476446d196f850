/**
 * A real etcd cluster on loopback, for tests, benchmarks and `npm start -- --store etcd`: N members
 * (default 3) on free ports, each a child process with its data directory under one temp folder.
 * Members are stopped by pid, can be killed with SIGKILL and restarted from their data.
 *
 * ```ts
 * const etcd = etcdBinary();                         // undefined: not installed
 * const cluster = await startEtcdCluster({ binary: etcd! });
 * const store = await startEtcdStore({ endpoints: cluster.endpoints, node: 'gotham' });
 * await cluster.kill(await cluster.leaderIndex());  // kill -9 the leader
 * await cluster.restart(0);                         // same data directory, same ports
 * await cluster.stop();                             // SIGTERM every member, remove the folder
 * ```
 *
 * Timing: heartbeat 100 ms and election timeout 1 000 ms (etcd's defaults; on a busy machine a
 * shorter timeout causes needless elections). `start` waits until every member answers `/health`
 * with a leader, at most `readyTimeoutMs` (default 60 s, a hang guard).
 *
 * The folder (`etcd/`, public surface in `index.ts`): this file; `proxy.ts`, a TCP proxy that cuts
 * a client off from etcd; `fixture.ts`, one cluster shared by a test file's tests, for test files
 * only (it registers `node:test` hooks), so it is imported by its path and not from `index.ts`.
 *
 * When not to use: production. The members share one machine and one disk; use a managed or
 * separately operated etcd and pass its endpoints with `--etcd-endpoints`.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { accessSync, constants, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort } from '../free-port.ts';

/** How to install etcd where it is missing (Debian/Ubuntu). */
export const ETCD_INSTALL_HINT = 'install etcd (Debian/Ubuntu: apt-get install etcd-server)';

/** The `etcd` binary on PATH, else `/usr/bin/etcd`, else undefined. */
export function etcdBinary(): string | undefined {
  const dirs = (process.env['PATH'] ?? '').split(delimiter).filter((d) => d.length > 0);
  for (const dir of [...dirs, '/usr/bin']) {
    const file = join(dir, 'etcd');
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not in this directory; try the next
    }
  }
  return undefined;
}

export interface EtcdClusterOptions {
  /** Path of the `etcd` binary. Default: `etcdBinary()`. */
  readonly binary?: string;
  /** Members. Default 3 (tolerates one failure). */
  readonly members?: number;
  /** Folder for the members' data and logs. Default: a new temp folder, removed by `stop`. */
  readonly dir?: string;
  /** Hang guard of `start` and `restart`, ms. Default 60 000. */
  readonly readyTimeoutMs?: number;
  /** etcd's `--quota-backend-bytes`. Default etcd's (2 GiB). */
  readonly quotaBackendBytes?: number;
}

export interface EtcdMember {
  readonly name: string;
  readonly clientUrl: string;
  readonly peerUrl: string;
  readonly dataDir: string;
  readonly logFile: string;
  child: ChildProcess | undefined;
}

export class EtcdCluster {
  readonly dir: string;
  readonly members: readonly EtcdMember[];
  private readonly binary: string;
  private readonly args: (m: EtcdMember) => string[];
  private readonly ownsDir: boolean;
  private readonly readyTimeoutMs: number;

  constructor(o: {
    dir: string;
    members: EtcdMember[];
    binary: string;
    args: (m: EtcdMember) => string[];
    ownsDir: boolean;
    readyTimeoutMs: number;
  }) {
    this.dir = o.dir;
    this.members = o.members;
    this.binary = o.binary;
    this.args = o.args;
    this.ownsDir = o.ownsDir;
    this.readyTimeoutMs = o.readyTimeoutMs;
  }

  /** Client URLs of every member, for `--etcd-endpoints`. */
  get endpoints(): string[] {
    return this.members.map((m) => m.clientUrl);
  }

  /** Pids of the running members (for CPU accounting). */
  pids(): number[] {
    return this.members.flatMap((m) => (m.child?.pid === undefined ? [] : [m.child.pid]));
  }

  /** Starts member `i` (its data directory is kept across restarts). */
  launch(i: number): void {
    const m = this.member(i);
    if (m.child !== undefined) throw new Error(`etcd member ${m.name} is running`);
    const log = createWriteStream(m.logFile, { flags: 'a' });
    const child = spawn(this.binary, this.args(m), { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    child.once('exit', () => {
      if (m.child === child) m.child = undefined;
    });
    m.child = child;
    running.add(child);
    child.once('exit', () => running.delete(child));
  }

  /** Resolves once member `i` reports itself healthy (it has a leader). */
  async ready(i: number, timeoutMs = this.readyTimeoutMs): Promise<void> {
    const m = this.member(i);
    const until = Date.now() + timeoutMs;
    for (;;) {
      if (m.child === undefined) throw new Error(`etcd member ${m.name} exited; see ${m.logFile}`);
      const ok = await fetch(`${m.clientUrl}/health`, { signal: AbortSignal.timeout(2000) })
        .then(async (r) => ((await r.json()) as { health?: string }).health === 'true')
        .catch(() => false);
      if (ok) return;
      if (Date.now() > until) throw new Error(`etcd member ${m.name} not healthy within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Sends `signal` (default SIGKILL) to member `i` and waits for it to exit. */
  async kill(i: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.member(i).child;
    if (child === undefined || child.pid === undefined) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    process.kill(child.pid, signal);
    await exited;
  }

  /** Starts a stopped or killed member again from its data directory and waits until it is healthy. */
  async restart(i: number): Promise<void> {
    this.launch(i);
    await this.ready(i);
  }

  /** Index of the member that is leader now, asked of the running members in turn. */
  async leaderIndex(): Promise<number> {
    const until = Date.now() + this.readyTimeoutMs;
    for (;;) {
      for (const m of this.members) {
        if (m.child === undefined) continue;
        const status = await memberStatus(m.clientUrl);
        if (status === undefined || status.leader === '0') continue;
        const ids = await Promise.all(this.members.map((x) => memberStatus(x.clientUrl)));
        const at = ids.findIndex((s) => s?.memberId === status.leader);
        // Members that have not yet noticed a killed leader still name it: wait for a live one.
        if (at >= 0 && this.members[at]!.child !== undefined) return at;
      }
      if (Date.now() > until) throw new Error(`no etcd leader within ${this.readyTimeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** SIGTERM to every member (SIGKILL after 10 s), then removes the folder if `start` made it. */
  async stop(): Promise<void> {
    await Promise.all(
      this.members.map(async (_m, i) => {
        const child = this.members[i]!.child;
        if (child === undefined) return;
        const force = setTimeout(() => void this.kill(i, 'SIGKILL'), 10_000);
        await this.kill(i, 'SIGTERM');
        clearTimeout(force);
      }),
    );
    if (this.ownsDir) rmSync(this.dir, { recursive: true, force: true });
  }

  private member(i: number): EtcdMember {
    const m = this.members[i];
    if (m === undefined) throw new Error(`no etcd member ${i}`);
    return m;
  }
}

/** What one member says about itself (`/v3/maintenance/status` of the gRPC gateway). */
export async function memberStatus(
  clientUrl: string,
): Promise<{ memberId: string; leader: string; raftTerm: string } | undefined> {
  try {
    const r = await fetch(`${clientUrl}/v3/maintenance/status`, {
      method: 'POST',
      body: '{}',
      signal: AbortSignal.timeout(2000),
    });
    if (!r.ok) return undefined;
    const s = (await r.json()) as { header?: { member_id?: string }; leader?: string; raftTerm?: string };
    if (s.header?.member_id === undefined) return undefined;
    return { memberId: s.header.member_id, leader: s.leader ?? '0', raftTerm: s.raftTerm ?? '0' };
  } catch {
    return undefined;
  }
}

/** Starts the members and resolves once every one is healthy. On failure, stops what it started. */
export async function startEtcdCluster(options: EtcdClusterOptions = {}): Promise<EtcdCluster> {
  const binary = options.binary ?? etcdBinary();
  if (binary === undefined) throw new Error(`etcd is not installed: ${ETCD_INSTALL_HINT}`);
  const n = options.members ?? 3;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'etcd-cluster-'));
  const members: EtcdMember[] = [];
  for (let i = 0; i < n; i++) {
    const [client, peer] = [await freePort(), await freePort()];
    members.push({
      name: `etcd${i}`,
      clientUrl: `http://127.0.0.1:${client}`,
      peerUrl: `http://127.0.0.1:${peer}`,
      dataDir: join(dir, `etcd${i}.data`),
      logFile: join(dir, `etcd${i}.log`),
      child: undefined,
    });
  }
  const initialCluster = members.map((m) => `${m.name}=${m.peerUrl}`).join(',');
  const token = `cluster-${process.pid}-${members[0]!.clientUrl.split(':').at(-1)}`;
  const args = (m: EtcdMember): string[] => [
    `--name=${m.name}`,
    `--data-dir=${m.dataDir}`,
    `--listen-client-urls=${m.clientUrl}`,
    `--advertise-client-urls=${m.clientUrl}`,
    `--listen-peer-urls=${m.peerUrl}`,
    `--initial-advertise-peer-urls=${m.peerUrl}`,
    `--initial-cluster=${initialCluster}`,
    `--initial-cluster-token=${token}`,
    '--initial-cluster-state=new',
    '--heartbeat-interval=100',
    '--election-timeout=1000',
    '--logger=zap',
    '--log-outputs=stderr',
    '--log-level=warn',
    ...(options.quotaBackendBytes === undefined
      ? []
      : [`--quota-backend-bytes=${options.quotaBackendBytes}`]),
  ];
  const cluster = new EtcdCluster({
    dir,
    members,
    binary,
    args,
    ownsDir: options.dir === undefined,
    readyTimeoutMs: options.readyTimeoutMs ?? 60_000,
  });
  try {
    for (let i = 0; i < n; i++) cluster.launch(i);
    await Promise.all(members.map((_m, i) => cluster.ready(i)));
    return cluster;
  } catch (err) {
    await cluster.stop();
    throw err;
  }
}

const running = new Set<ChildProcess>();
// A test or launcher that exits without `stop` must not leave etcd members behind.
process.once('exit', () => {
  for (const child of running) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
    }
  }
});
