/**
 * Three node processes on loopback for bench/placement (`worker.ts`), each with a store and a
 * distributed supervisor, driven over IPC. The bench keeps, from the workers' events, which keys
 * run on which node and every start and stop with its time (`process.hrtime`, shared by every
 * process on the machine).
 */
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../src/testing/free-port.ts';
import { forkWorker } from '../lib/ipc-worker.ts';

const SCRIPT = fileURLToPath(new URL('./worker.ts', import.meta.url));

export type StoreMode = 'raft' | 'crdt';

/** One start (running) or stop of a child on a node. */
export interface ChildEvent {
  readonly key: string;
  readonly node: string;
  readonly running: boolean;
  readonly t: number;
}

export interface Proc {
  readonly short: string;
  full: string;
  readonly child: ChildProcess;
  alive: boolean;
  call(op: string, args?: Record<string, unknown>): Promise<Record<string, unknown>>;
}

export const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class BenchCluster {
  readonly procs: Proc[] = [];
  /** Keys running on each node (short name), from the events. */
  readonly running = new Map<string, Set<string>>();
  readonly events: ChildEvent[] = [];

  private constructor() {}

  static async start(mode: StoreMode, names = ['p1', 'p2', 'p3']): Promise<BenchCluster> {
    const c = new BenchCluster();
    const ports = await Promise.all(names.map(() => freePort()));
    const seeds = ports.map((p) => `127.0.0.1:${p}`).join(',');
    try {
      await Promise.all(names.map((n, i) => c.spawn(n, ports[i]!, seeds)));
      await c.until(
        async () =>
          (await Promise.all(c.procs.map((p) => p.call('peers')))).every(
            (a) => a['peers'] === names.length - 1,
          ),
        30_000,
        'full mesh',
      );
      const voters = names.map((n, i) => `${n}@127.0.0.1:${ports[i]!}`);
      await Promise.all(
        c.procs.map(async (p) => {
          p.full = (await p.call('open', { mode, voters }))['name'] as string;
        }),
      );
      await c.until(
        async () =>
          (await Promise.all(c.procs.map((p) => p.call('peers')))).every((a) => a['writable'] === true),
        30_000,
        'writable store',
      );
    } catch (err) {
      c.close();
      throw err;
    }
    return c;
  }

  proc(short: string): Proc {
    const p = this.procs.find((x) => x.short === short);
    if (!p) throw new Error(`no process ${short}`);
    return p;
  }

  live(): Proc[] {
    return this.procs.filter((p) => p.alive);
  }

  /** How many live nodes run `key`. */
  copies(key: string): number {
    let n = 0;
    for (const p of this.live()) if (this.running.get(p.short)?.has(key)) n++;
    return n;
  }

  /** kill -9 by pid; returns the time just before the signal. */
  kill(short: string): number {
    const p = this.proc(short);
    const t = nowMs();
    p.alive = false;
    process.kill(p.child.pid!, 'SIGKILL');
    return t;
  }

  async until(pred: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await pred())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(10);
    }
  }

  /** Polls until `pred` holds or `timeoutMs` passes; returns whether it held. */
  async within(pred: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!pred()) {
      if (Date.now() > deadline) return false;
      await sleep(5);
    }
    return true;
  }

  close(): void {
    for (const p of this.procs) {
      if (p.alive) process.kill(p.child.pid!, 'SIGKILL');
      p.alive = false;
    }
  }

  private async spawn(short: string, port: number, seeds: string): Promise<void> {
    const set = new Set<string>();
    this.running.set(short, set);
    const onEvent = (m: Record<string, unknown>): void => {
      if (!Array.isArray(m['ev'])) return;
      for (const [key, running, t] of m['ev'] as [string, number, number][]) {
        if (running === 1) set.add(key);
        else set.delete(key);
        this.events.push({ key, node: short, running: running === 1, t });
      }
    };
    const worker = forkWorker(SCRIPT, [short, String(port), seeds], short, onEvent, () => proc.alive);
    const proc: Proc = { short, full: short, alive: true, child: worker.child, call: worker.call };
    this.procs.push(proc);
    await worker.ready;
  }
}
