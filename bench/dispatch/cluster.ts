/**
 * A real Superhero Dispatch cluster for the benchmark: one OS process per city node
 * (`superhero node …`) on free loopback ports, each with its own data directory under one temporary
 * folder, started in the given store mode and awaited until every node is ready and sees the others.
 *
 * ```ts
 * const cluster = await startBenchCluster({ names: ['gotham', 'metropolis', 'capitol'], store: 'raft' });
 * try {
 *   // cluster.nodes[0].webPort, cluster.nodes[0].pid …
 * } finally {
 *   await cluster.stop(); // SIGKILL by pid, then the data directory is removed
 * }
 * ```
 *
 * Cleanup also happens when the benchmark process exits or is interrupted (SIGINT / SIGTERM):
 * every node still running is killed by its pid and every data directory removed.
 *
 * A node that exits during start-up with "not in this build yet" means this build refuses the store
 * mode: that surfaces as `StoreNotAvailableError`, which the suite reports instead of failing.
 *
 * When not to use: for tests that need restarts, pauses or partitions — those belong to the
 * multi-process test harness.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { apiRequest } from './api.ts';
import { freePort } from '@superhero-dispatch/runtime/testing';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

/** How much of a node's output is kept for error messages, characters. */
const OUTPUT_TAIL = 8192;
/** Time a profiled node has to shut down and write its profile before it is killed, ms. */
const PROFILE_EXIT_MS = 20_000;

export interface BenchClusterOptions {
  /** Node names, e.g. gotham, metropolis, capitol; each is a city and a Raft voter. */
  readonly names: readonly string[];
  readonly store: 'raft' | 'crdt' | 'etcd';
  /** Time for every node to be ready and connected to all others, ms. Default 60,000: tsx start-up on a loaded 2-core machine. */
  readonly readyTimeoutMs?: number;
  /** The nodes' log level. Default `warn`: info lines per hero would cost CPU we are measuring. */
  readonly logLevel?: 'warn' | 'error' | 'info';
  /** More flags for the n-th node's command line (`--probe-port`, `--etcd-endpoints`). Default none. */
  readonly extraArgs?: (index: number) => readonly string[];
  /**
   * Writes V8 CPU profiles of each node (`node --cpu-prof`) into `<store>-<name>/` in this folder,
   * one per thread (`CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile`; thread 0 is the main
   * thread, 1 the module loader's). Default none. Node writes a profile only when the process exits by
   * itself, so `stop()` then asks the nodes to shut down (SIGTERM) and kills them only after
   * `PROFILE_EXIT_MS`.
   */
  readonly cpuProfDir?: string;
  /**
   * The cluster's cap on heroes (`--max-heroes`). Default 100,000: above every stage, so that a
   * stage measures the machine, not the cap (a node's own default is 20,000).
   */
  readonly maxHeroes?: number;
}

export interface BenchNode {
  readonly name: string;
  readonly port: number;
  readonly webPort: number;
  readonly pid: number;
  readonly child: ChildProcess;
  /** The last few KB of the node's stdout and stderr. */
  output: string;
  /** Warnings and errors the node logged, by message (`level message` → count). */
  readonly logCounts: Map<string, number>;
}

export interface BenchCluster {
  readonly nodes: readonly BenchNode[];
  readonly dataDir: string;
  readonly store: 'raft' | 'crdt' | 'etcd';
  /** Kills every node (SIGKILL, by pid) and removes the data directory. Idempotent. */
  stop(): Promise<void>;
}

export class StoreNotAvailableError extends Error {
  readonly code = 'store_not_available';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreNotAvailableError';
  }
}

export class ClusterStartError extends Error {
  readonly code = 'cluster_start_failed';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ClusterStartError';
  }
}

// Everything started and not yet cleaned up, for the exit and signal hooks.
const livePids = new Set<number>();
const liveDirs = new Set<string>();
let hooksInstalled = false;

function cleanupNow(): void {
  for (const pid of livePids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  livePids.clear();
  for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
  liveDirs.clear();
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', cleanupNow);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      cleanupNow();
      process.exit(130);
    });
  }
}

const LEVELS: Record<number, string> = { 40: 'warn', 50: 'error', 60: 'fatal' };

/**
 * Counts one line of a node's JSON log (pino) by level and message shape (and its `action`, when it
 * names one); other lines count as `output`.
 */
function countLogLine(counts: Map<string, number>, line: string): void {
  if (line.trim() === '') return;
  let key = 'output (not a log line)';
  try {
    const entry = JSON.parse(line) as { level?: number; msg?: string; action?: unknown };
    // Ids, addresses and numbers vary per line; without them, one kind of trouble is one entry.
    const msg = (entry.msg ?? '')
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<id>')
      .replace(/@[\w.-]+:\d+/g, '')
      .replace(/\d+/g, 'N');
    // A line naming what was done (the placement sweep's repairs) is counted per action.
    const action = typeof entry.action === 'string' ? ` (${entry.action})` : '';
    key = `${LEVELS[entry.level ?? 0] ?? 'info'} ${msg}${action}`;
  } catch {
    // a plain line, e.g. a stack trace
  }
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Kills a node by pid; with `graceMs`, asks it to shut down (SIGTERM) first and waits that long. */
async function killAndWait(node: BenchNode, graceMs = 0): Promise<void> {
  if (!exited(node.child)) {
    const gone = new Promise<void>((resolve) => node.child.once('exit', () => resolve()));
    const signal = (name: NodeJS.Signals): void => {
      try {
        process.kill(node.pid, name);
      } catch {
        // already gone
      }
    };
    if (graceMs > 0) {
      signal('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([gone, new Promise((r) => (timer = setTimeout(r, graceMs)))]);
      clearTimeout(timer);
    }
    if (!exited(node.child)) signal('SIGKILL');
    await gone;
  }
  livePids.delete(node.pid);
}

async function connected(node: BenchNode, count: number): Promise<boolean> {
  const ready = await apiRequest(node.webPort, 'GET', '/readyz', undefined, 2000);
  if (ready.status !== 200) return false;
  const view = await apiRequest(node.webPort, 'GET', '/api/cluster', undefined, 2000);
  const nodes = (view.json as { nodes?: { status: string }[] } | undefined)?.nodes ?? [];
  return nodes.filter((n) => n.status === 'up').length >= count;
}

export async function startBenchCluster(options: BenchClusterOptions): Promise<BenchCluster> {
  installHooks();
  const dataDir = mkdtempSync(join(tmpdir(), `bench-dispatch-${options.store}-`));
  liveDirs.add(dataDir);
  const ports = await Promise.all(options.names.map(() => freePort()));
  const webPorts = await Promise.all(options.names.map(() => freePort()));
  const seeds = options.names.map((n, i) => `${n}@127.0.0.1:${ports[i]}`).join(',');
  const nodes: BenchNode[] = options.names.map((name, i) => {
    const profile =
      options.cpuProfDir === undefined
        ? []
        : ['--cpu-prof', '--cpu-prof-dir', join(options.cpuProfDir, `${options.store}-${name}`)];
    const args = [
      ...profile,
      '--import',
      'tsx',
      MAIN,
      'node',
      ...['--name', name, '--port', String(ports[i]), '--web-port', String(webPorts[i])],
      ...['--seeds', seeds, '--cookie', `bench-dispatch-${options.store}-cookie`, '--store', options.store],
      ...['--data-dir', join(dataDir, name), '--log-level', options.logLevel ?? 'warn'],
      ...['--max-heroes', String(options.maxHeroes ?? 100_000)],
      ...(options.extraArgs?.(i) ?? []),
    ];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const node: BenchNode = {
      name,
      port: ports[i] as number,
      webPort: webPorts[i] as number,
      pid: child.pid as number,
      child,
      output: '',
      logCounts: new Map(),
    };
    livePids.add(node.pid);
    let partial = '';
    const keep = (d: Buffer): void => {
      const text = d.toString();
      node.output = (node.output + text).slice(-OUTPUT_TAIL);
      const lines = (partial + text).split('\n');
      partial = (lines.pop() ?? '').slice(-OUTPUT_TAIL);
      for (const line of lines) countLogLine(node.logCounts, line);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    return node;
  });
  let stopped = false;
  const cluster: BenchCluster = {
    nodes,
    dataDir,
    store: options.store,
    async stop() {
      if (stopped) return;
      stopped = true;
      const graceMs = options.cpuProfDir === undefined ? 0 : PROFILE_EXIT_MS;
      await Promise.all(nodes.map((n) => killAndWait(n, graceMs)));
      rmSync(dataDir, { recursive: true, force: true });
      liveDirs.delete(dataDir);
    },
  };
  try {
    await waitReady(nodes, options.readyTimeoutMs ?? 60_000);
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}

async function waitReady(nodes: readonly BenchNode[], timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  const pending = new Set(nodes);
  while (pending.size > 0) {
    for (const node of [...pending]) {
      if (exited(node.child)) {
        const refusal = /[^'"`\n]*not in this build yet[^'"`\n]*/.exec(node.output);
        if (refusal) throw new StoreNotAvailableError(refusal[0].trim());
        throw new ClusterStartError(`${node.name} exited during start-up:\n${node.output}`);
      }
      if (await connected(node, nodes.length)) pending.delete(node);
    }
    if (pending.size === 0) return;
    if (performance.now() > deadline) {
      const names = [...pending].map((n) => n.name).join(', ');
      throw new ClusterStartError(`not ready within ${timeoutMs} ms: ${names}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
