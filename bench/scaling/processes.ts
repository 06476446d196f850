/**
 * The heartbeat cost between OS processes on loopback TCP: P node processes (3, and 10 when
 * asked), each counting what it sends; every process measures the same window and the figures
 * are the medians over the processes. Larger P is not run on one shared machine: each process
 * needs its own core share, and past ten the figure would measure the scheduler.
 */
import { fileURLToPath } from 'node:url';
import { freePort } from '@superhero-dispatch/runtime/testing';
import { forkWorker, type IpcWorker } from '../lib/ipc-worker.ts';
import { median } from '../lib/stats.ts';
import { sleep } from './mesh.ts';

const SCRIPT = fileURLToPath(new URL('./proc-node.ts', import.meta.url));

export interface ProcessCost {
  readonly processes: number;
  readonly heartbeatBytesPerSec: number;
  readonly heartbeatFramesPerSec: number;
  readonly totalBytesPerSec: number;
  /** CPU of one node process as a fraction of a core (median). */
  readonly cpu: number;
}

export async function processCost(processes: number, windowMs: number): Promise<ProcessCost> {
  const ports = await Promise.all(Array.from({ length: processes }, () => freePort()));
  const seeds = ports.map((p) => `127.0.0.1:${p}`).join(',');
  const workers: IpcWorker[] = ports.map((port, i) =>
    forkWorker(SCRIPT, [`p${i}`, String(port), seeds], `p${i}`, () => {}),
  );
  try {
    await Promise.all(workers.map((w) => w.ready));
    const t0 = performance.now();
    for (;;) {
      const answers = await Promise.all(workers.map((w) => w.call('peers')));
      if (answers.every((a) => a['peers'] === processes - 1)) break;
      if (performance.now() - t0 > 60_000)
        throw new Error(`a mesh of ${processes} processes did not form in 60 s`);
      await sleep(50);
    }
    return await measure(workers, windowMs);
  } finally {
    for (const w of workers) w.child.kill('SIGTERM');
    await Promise.all(
      workers.map(
        (w) =>
          new Promise((resolve) =>
            w.child.exitCode !== null ? resolve(undefined) : w.child.once('exit', resolve),
          ),
      ),
    );
  }

  async function measure(ws: IpcWorker[], ms: number): Promise<ProcessCost> {
    await sleep(2500); // spare connections of simultaneous dials close after 2 s
    const rows = await Promise.all(ws.map((w) => w.call('measure', { ms })));
    const col = (k: string): number => median(rows.map((r) => r[k] as number));
    return {
      processes,
      heartbeatBytesPerSec: col('hbBytes'),
      heartbeatFramesPerSec: col('hbFrames'),
      totalBytesPerSec: col('totalBytes'),
      cpu: col('cpu'),
    };
  }
}
