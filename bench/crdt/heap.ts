/**
 * Heap held by one CrdtStore replica after many overwrites of a fixed set of keys, over its heap
 * after the first write of each: whatever grows with the number of writes (rather than with the
 * number of keys) shows up as a ratio above 1. Measured on a lone node (no peers: the delta log,
 * bucket hashes and causal context are kept all the same).
 *
 * The store's heap at 1k keys is well under a megabyte, about the size of V8's own churn (compiled
 * code, feedback vectors, caches), so: the same workload first runs on a throw-away store (the code
 * is compiled before the first reading), and each reading follows a heap snapshot, the most thorough
 * collection V8 offers (`settledHeap`). Readings still move by ±100 KiB from run to run.
 */
import { startNode } from '@superhero-dispatch/runtime/cluster';
import { startCrdtStore } from '@superhero-dispatch/runtime/store';
import { heroRecord, SimRandom } from '@superhero-dispatch/runtime/testing';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { getHeapSnapshot } from 'node:v8';
import { gc } from '../lib/stats.ts';

/** Heap in use after a full collection (a heap snapshot collects more than `gc()` alone). */
export async function settledHeap(): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 20));
  for await (const chunk of getHeapSnapshot()) void chunk;
  gc();
  return process.memoryUsage().heapUsed;
}

export interface HeapResult {
  readonly ratio: number;
  /** Heap held after all overwrites, bytes. */
  readonly after: number;
  /** Overwrites per second during the run (local writes, no peers). */
  readonly writesPerSecond: number;
}

export async function deltaHeapRatio(keys: number, overwrites: number, seed: number): Promise<HeapResult> {
  const rng = new SimRandom(seed);
  const records = Array.from({ length: 64 }, (_, i) => heroRecord(rng, `k${i}`));
  const node = await startNode({ name: 'heap', cookie: 'bench-crdt-cookie' });
  const warm = await startCrdtStore({ node });
  const warmTable = warm.table<unknown>('heroes');
  for (let i = 0; i < 50_000; i++) void warmTable.put(`k${i % keys}`, { ...records[i % 64] });
  await warm.close();
  const store = await startCrdtStore({ node });
  try {
    const table = store.table<unknown>('heroes');
    const h0 = await settledHeap();
    for (let i = 0; i < keys; i++) void table.put(`k${i}`, { ...records[i % 64] });
    const h1 = await settledHeap();
    const t0 = performance.now();
    for (let i = 0; i < overwrites; i++) {
      void table.put(`k${i % keys}`, { ...records[i % 64] });
      if (i % 50_000 === 49_999) await new Promise((resolve) => setImmediate(resolve));
    }
    const seconds = (performance.now() - t0) / 1000;
    const h2 = await settledHeap();
    if ((await table.list()).length !== keys) throw new Error('the store lost keys');
    return { ratio: (h2 - h0) / (h1 - h0), after: h2 - h0, writesPerSecond: overwrites / seconds };
  } finally {
    await store.close();
    await node.stop();
  }
}

/** Both heap measurements (`deltaHeapRatio`, `baselineHeapRatio`) in a fresh child process. */
export async function heapInChild(
  keys: number,
  overwrites: number,
  seed: number,
): Promise<{ delta: HeapResult; baseline: { ratio: number; after: number } }> {
  const script = fileURLToPath(new URL('./heap-child.ts', import.meta.url));
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', '--expose-gc', script, String(keys), String(overwrites), String(seed)],
      { maxBuffer: 1 << 20 },
      (err, out) => (err ? reject(err) : resolve(out)),
    );
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as {
    delta: HeapResult;
    baseline: { ratio: number; after: number };
  };
}
