/**
 * Three node processes on loopback for bench/placement (`worker.ts`), each with a store and a
 * distributed supervisor, driven over IPC. The bench keeps, from the workers' events, which keys
 * run on which node and every start and stop with its time (`process.hrtime`, shared by every
 * process on the machine).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@superhero-dispatch/runtime/testing';
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
  child: ChildProcess;
  alive: boolean;
  /** Stopped with SIGSTOP (its children are frozen: they count as not running). */
  paused: boolean;
  readonly port: number;
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
  /** Process-level faults (kill, pause, resume, exit, restart) with their times, in order. */
  readonly marks: {
    readonly node: string;
    readonly kind: 'down' | 'freeze' | 'thaw' | 'up';
    readonly t: number;
  }[] = [];
  private mode: StoreMode = 'crdt';
  private voters: string[] = [];
  private seeds = '';
  private durable = false;
  /** Raft logs live here, so that a restarted node recovers its log (removed by `close`). */
  private readonly dataDir = mkdtempSync(join(tmpdir(), 'bench-placement-'));

  private constructor() {}

  /** `durable`: Raft logs on disk, so that a node can be restarted (default: in memory). */
  static async start(mode: StoreMode, names = ['p1', 'p2', 'p3'], durable = false): Promise<BenchCluster> {
    const c = new BenchCluster();
    c.mode = mode;
    c.durable = durable;
    const ports = await Promise.all(names.map(() => freePort()));
    const seeds = ports.map((p) => `127.0.0.1:${p}`).join(',');
    c.seeds = seeds;
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
      c.voters = voters;
      await Promise.all(c.procs.map((p) => c.open(p)));
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

  /** How many live nodes run `key` (a paused node's children stand still: not counted). */
  copies(key: string): number {
    let n = 0;
    for (const p of this.live()) if (!p.paused && this.running.get(p.short)?.has(key)) n++;
    return n;
  }

  /** kill -9 by pid; returns the time just before the signal. */
  kill(short: string): number {
    const p = this.proc(short);
    const t = nowMs();
    p.alive = false;
    if (p.paused) process.kill(p.child.pid!, 'SIGCONT');
    process.kill(p.child.pid!, 'SIGKILL');
    this.running.get(short)?.clear(); // its children died with it
    this.marks.push({ node: short, kind: 'down', t });
    return t;
  }

  /** SIGSTOP; returns the time just before the signal. */
  pause(short: string): number {
    const p = this.proc(short);
    const t = nowMs();
    p.paused = true;
    process.kill(p.child.pid!, 'SIGSTOP');
    this.marks.push({ node: short, kind: 'freeze', t });
    return t;
  }

  /** SIGCONT; returns the time just before the signal. */
  resume(short: string): number {
    const p = this.proc(short);
    const t = nowMs();
    p.paused = false;
    process.kill(p.child.pid!, 'SIGCONT');
    this.marks.push({ node: short, kind: 'thaw', t });
    return t;
  }

  /**
   * Stops a node from within: `leave` (graceful, children handed off) or `halt` (no hand-off, no
   * goodbye). Resolves with the time the stop began, once the process has exited.
   */
  async stopNode(short: string, how: 'leave' | 'halt'): Promise<number> {
    const p = this.proc(short);
    const exited = new Promise<void>((resolve) => p.child.once('exit', () => resolve()));
    const answer = await p.call(how);
    await exited;
    p.alive = false;
    this.running.get(short)?.clear();
    // Its children stopped with its node (its peers can see it down from then on).
    this.marks.push({ node: short, kind: 'down', t: answer['down'] as number });
    return answer['t'] as number;
  }

  /**
   * Starts a stopped node again on its port (CRDT: an empty replica that refills from its peers;
   * Raft: the log recovered from its data directory). Resolves with the time the process was
   * started and the time it had rejoined the mesh (its supervisor starts right after).
   */
  async restart(short: string): Promise<{ spawned: number; joined: number }> {
    const old = this.proc(short);
    if (old.alive) throw new Error(`${short} is still running`);
    const spawned = nowMs();
    this.procs.splice(this.procs.indexOf(old), 1);
    await this.spawn(short, old.port, this.seeds);
    const p = this.proc(short);
    await this.until(
      async () => (await p.call('peers'))['peers'] === this.procs.length - 1,
      30_000,
      `${short} rejoined`,
    );
    const joined = nowMs();
    this.marks.push({ node: short, kind: 'up', t: joined });
    await this.open(p);
    return { spawned, joined };
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
      if (p.alive) {
        if (p.paused) process.kill(p.child.pid!, 'SIGCONT');
        process.kill(p.child.pid!, 'SIGKILL');
      }
      p.alive = false;
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  private async open(p: Proc): Promise<void> {
    const dataDir = this.durable ? { dataDir: join(this.dataDir, p.short) } : {};
    p.full = (await p.call('open', { mode: this.mode, voters: this.voters, ...dataDir }))['name'] as string;
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
    const proc: Proc = {
      short,
      full: short,
      alive: true,
      paused: false,
      port,
      child: worker.child,
      call: worker.call,
    };
    this.procs.push(proc);
    await worker.ready;
  }
}
