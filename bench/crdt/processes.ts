/**
 * Convergence after a write between real node processes on loopback: the time from a write on one
 * process until every other process sees it, for the delta store or the seeds' baseline. Writers
 * rotate; writes are spaced `gapMs` apart so pushes do not coalesce.
 */
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { heroRecord, SimRandom, freePort } from '@superhero-dispatch/runtime/testing';
import { percentile, sortedCopy } from '../lib/stats.ts';
import { forkWorker } from '../lib/ipc-worker.ts';

const SCRIPT = fileURLToPath(new URL('./replica.ts', import.meta.url));

export interface ConvergenceResult {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly samples: number;
  /** Writes not seen everywhere within the wait (counted at the wait's length). */
  readonly pending: number;
}

interface Proc {
  readonly child: ChildProcess;
  readonly name: string;
  call(op: string, args?: Record<string, unknown>): Promise<Record<string, unknown>>;
}

async function spawnProc(
  mode: string,
  name: string,
  port: number,
  seeds: string,
  onSeen: (from: Proc, key: string, t: number) => void,
): Promise<Proc> {
  const worker = forkWorker(SCRIPT, [mode, name, String(port), seeds], name, (m) => {
    if (typeof m['seen'] === 'string') onSeen(proc, m['seen'], m['t'] as number);
  });
  const proc: Proc = { name, child: worker.child, call: worker.call };
  await worker.ready;
  return proc;
}

export async function processConvergence(
  mode: 'delta' | 'baseline',
  o: { processes: number; writes: number; gapMs: number; maxWaitMs: number; seed: number },
): Promise<ConvergenceResult> {
  const names = Array.from({ length: o.processes }, (_, i) => `bench${i}`);
  const ports = await Promise.all(names.map(() => freePort()));
  const seeds = ports.map((p) => `127.0.0.1:${p}`).join(',');
  const writes = new Map<string, { t0: number; waiting: Set<string>; last: number }>();
  const early = new Map<string, Map<string, number>>();
  const onSeen = (from: Proc, key: string, t: number): void => {
    const w = writes.get(key);
    if (w === undefined) {
      // Seen before the writer's answer arrived: keep it until the write is registered.
      const m = early.get(key) ?? new Map<string, number>();
      m.set(from.name, t);
      early.set(key, m);
      return;
    }
    if (w.waiting.delete(from.name)) w.last = Math.max(w.last, t);
  };
  const procs = await Promise.all(names.map((n, i) => spawnProc(mode, n, ports[i]!, seeds, onSeen)));
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const peers = await Promise.all(procs.map(async (p) => (await p.call('peers'))['peers'] as number));
      if (peers.every((n) => n === o.processes - 1)) break;
      if (Date.now() > deadline) throw new Error(`no full mesh: ${peers.join(',')}`);
      await sleep(20);
    }
    await sleep(mode === 'delta' ? 300 : 100); // refills settle
    const rng = new SimRandom(o.seed);
    for (let i = 0; i < o.writes; i++) {
      const writer = procs[i % procs.length]!;
      const key = `w${i}-${rng.int(0, 1e9 + 1)}`;
      const answer = await writer.call('put', { key, value: heroRecord(rng, key) });
      const w = {
        t0: answer['t'] as number,
        waiting: new Set(names.filter((n) => n !== writer.name)),
        last: 0,
      };
      writes.set(key, w);
      for (const [from, t] of early.get(key) ?? []) if (w.waiting.delete(from)) w.last = Math.max(w.last, t);
      early.delete(key);
      await sleep(o.gapMs);
    }
    const waitUntil = Date.now() + o.maxWaitMs;
    while ([...writes.values()].some((w) => w.waiting.size > 0) && Date.now() < waitUntil) await sleep(20);
    const samples: number[] = [];
    let pending = 0;
    for (const w of writes.values()) {
      if (w.waiting.size > 0) {
        pending++;
        samples.push(o.maxWaitMs);
      } else {
        samples.push(w.last - w.t0);
      }
    }
    const sorted = sortedCopy(samples);
    return {
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      max: sorted[sorted.length - 1] ?? Number.NaN,
      samples: samples.length,
      pending,
    };
  } finally {
    for (const p of procs) p.child.kill('SIGKILL');
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
