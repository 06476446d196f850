/**
 * bench/crdt: the AP store against the seeds' replication (`packages/runtime/src/crdt/baseline/`), side by side in
 * one run — convergence after a write between 3 real node processes and among 50 simulated
 * replicas, bytes per update per peer at 1k and 10k records, idle anti-entropy bytes per node,
 * heap after many overwrites, the time to apply a received push, and the repair of a lost push.
 * Each bar of the issue is checked and printed as PASS or FAIL.
 *
 * Where the figures come from:
 * - processes: `processes.ts` (3 OS processes on loopback; the baseline runs the seeds' dispatcher
 *   gossip between the same processes);
 * - simulated: `packages/runtime/src/testing/crdt-sim/measure.ts` (simulated time, 0.2–2 ms one-way latency);
 * - bytes, idle, lost push: `inprocess.ts` (a 3-node mesh over loopback TCP in this process;
 *   bytes are the frames the transport writes); the baseline's from `baseline-cost.ts`;
 * - remote apply: `apply.ts` (decode and apply of one push, warmed up; the baseline decodes and
 *   merges one gossip message of the same map);
 * - heap: `heap.ts` and `baseline-cost.ts`;
 * - durability and write concern: `durable.ts` (the same mesh per configuration: in memory with
 *   w=1 as before, in memory with w=2, on disk with fsync every 100 ms and with fsync always).
 */
import { baselineProtocol, deltaProtocol, measureConvergence } from '@superhero-dispatch/runtime/testing';
import type { BenchResult, Suite } from '../lib/types.ts';
import {
  baselineBytesPerUpdatePerPeer,
  baselineIdleBytesPerNode,
  baselineMergeUs,
  gossipBytes,
} from './baseline-cost.ts';
import { pushApplyUs } from './apply.ts';
import { DURABLE_CONFIGS, durableCost } from './durable.ts';
import { heapInChild } from './heap.ts';
import { fillTo, idleBytesPerNode, lostPushRepair, startMesh, updateCost } from './inprocess.ts';
import { processConvergence } from './processes.ts';

const BASELINE = 'seeds baseline';
const SEED = 1;

const suite: Suite = async ({ quick, log: print }) => {
  const started = performance.now();
  const log = (line: string): void =>
    print(`[${((performance.now() - started) / 1000).toFixed(1)} s] ${line}`);
  const results: BenchResult[] = [];
  const checks: string[] = [];
  const bar = (what: string, ok: boolean, detail: string): void => {
    checks.push(`${ok ? 'PASS' : 'FAIL'} ${what}: ${detail}`);
  };
  const row = (name: string, value: number, unit: string, peerValue?: number): void => {
    results.push(
      peerValue === undefined ? { name, value, unit } : { name, value, unit, peer: BASELINE, peerValue },
    );
  };

  log('convergence after a write, 3 node processes (delta store)');
  const delta3 = await processConvergence('delta', {
    processes: 3,
    writes: quick ? 200 : 1000,
    gapMs: 10,
    maxWaitMs: 5000,
    seed: SEED,
  });
  // The heap run (a child process) overlaps the baseline's gossip phase, which mostly waits.
  const overwrites = quick ? 300_000 : 1_000_000;
  log(
    `heap after ${overwrites.toLocaleString('en-US')} overwrites of 1k keys (child process, in the background)`,
  );
  const heapRun = heapInChild(1000, overwrites, SEED);
  log('convergence after a write, 3 node processes (baseline gossip)');
  const base3 = await processConvergence('baseline', {
    processes: 3,
    writes: quick ? 10 : 40,
    gapMs: 250,
    maxWaitMs: quick ? 12_000 : 40_000,
    seed: SEED,
  });
  row(
    `convergence after a write, 3 processes, p50 (${delta3.samples} / ${base3.samples} writes)`,
    delta3.p50,
    'ms',
    base3.p50,
  );
  row('convergence after a write, 3 processes, p99', delta3.p99, 'ms', base3.p99);
  bar('p99 ≤ 50 ms at 3 nodes', delta3.p99 <= 50 && delta3.pending === 0, `${delta3.p99.toFixed(2)} ms`);
  if (base3.pending > 0)
    log(`baseline: ${base3.pending} writes not everywhere within the wait (counted at the wait)`);

  log('convergence after a write, 50 simulated replicas');
  const delta50 = measureConvergence(deltaProtocol(), {
    replicas: 50,
    writes: quick ? 100 : 300,
    seed: SEED,
  });
  const base50 = measureConvergence(baselineProtocol(), {
    replicas: 50,
    writes: quick ? 20 : 50,
    seed: SEED,
  });
  row('convergence after a write, 50 simulated replicas, p50', delta50.p50, 'ms', base50.p50);
  row('convergence after a write, 50 simulated replicas, p99', delta50.p99, 'ms', base50.p99);
  bar(
    'p99 ≤ 250 ms at 50 replicas',
    delta50.p99 <= 250 && delta50.pending === 0,
    `${delta50.p99.toFixed(2)} ms`,
  );

  log('bytes, idle traffic, apply time and lost pushes on a 3-node mesh');
  const mesh = await startMesh(3, SEED);
  const gapMs = 10;
  const updates = quick ? 150 : 1000;
  try {
    for (const records of [1000, 10_000]) {
      log(`${records} records`);
      await fillTo(mesh, records);
      const cost = await updateCost(mesh, updates, gapMs);
      const gossip = gossipBytes(records, SEED);
      const label = records === 1000 ? '1k' : '10k';
      row(
        `bytes per update per peer, ${label} records`,
        cost.bytesPerUpdatePerPeer,
        'B',
        baselineBytesPerUpdatePerPeer(gossip, 1000 / gapMs, 3),
      );
      bar(
        `≤ record + 100 B per update per peer at ${label} records`,
        cost.bytesPerUpdatePerPeer <= cost.recordJsonBytes + 100,
        `${cost.bytesPerUpdatePerPeer.toFixed(1)} B for a ${cost.recordJsonBytes.toFixed(0)} B record (JSON) under a ${cost.keyBytes} B key`,
      );
      const idle = await idleBytesPerNode(mesh, quick ? 3 : 20);
      row(`idle anti-entropy per node, ${label} records`, idle, 'B/s', baselineIdleBytesPerNode(gossip, 3));
      bar(`idle < 1 KB/s per node at ${label} records`, idle < 1024, `${idle.toFixed(1)} B/s`);
      if (records === 1000) {
        log('lost pushes');
        const lost = await lostPushRepair(mesh, quick ? 4 : 20);
        row(`lost push repaired, p50 of ${lost.samples}`, lost.p50, 'ms');
        row(`lost push repaired, max of ${lost.samples}`, lost.max, 'ms');
        bar('a lost push repaired within 1.5 s', lost.max <= 1500, `max ${lost.max.toFixed(0)} ms`);
      }
    }
  } finally {
    await mesh.close();
  }

  log('remote apply of one push');
  for (const records of [1000, 10_000]) {
    const label = records === 1000 ? '1k' : '10k';
    const apply = pushApplyUs(records, quick ? 2000 : 10_000, SEED);
    row(
      `remote apply of one push, ${label} records, p50`,
      apply.p50,
      'µs',
      baselineMergeUs(records, SEED, 10),
    );
    row(`remote apply of one push, ${label} records, p99`, apply.p99, 'µs');
  }

  log('durable replicas and the write concern, next to the in-memory store (3-node mesh)');
  const sizes = quick ? [1000] : [1000, 10_000];
  // --quick: the store of before and the default only, at 1k records, to stay within its minute.
  const configs = quick
    ? DURABLE_CONFIGS.filter((c) => c.w === 1 || c.fsync === 'interval')
    : DURABLE_CONFIGS;
  for (const config of configs) {
    log(config.label);
    for (const c of await durableCost(config, sizes, quick ? 100 : 1000, 10, SEED)) {
      const at = `${config.label}, ${c.records / 1000}k records`;
      if (config.fsync !== 'none') {
        row(`${at}: disk bytes per update per replica`, c.diskBytesPerUpdate, 'B');
        row(`${at}: fsyncs per update per replica`, c.fsyncsPerUpdate, '');
      }
      if (config.w > 1) row(`${at}: ack bytes per update per peer`, c.ackBytesPerUpdatePerPeer, 'B');
      row(`${at}: write (put answered) p50`, c.writeP50, 'ms');
      row(`${at}: write (put answered) p99`, c.writeP99, 'ms');
      row(`${at}: convergence p50`, c.convergeP50, 'ms');
      row(`${at}: convergence p99`, c.convergeP99, 'ms');
    }
  }

  const { delta: heap, baseline: baseHeap } = await heapRun;
  log(`heap run: ${Math.round(heap.writesPerSecond)} local writes/s (shared CPU; not a throughput figure)`);
  row(
    `heap after ${overwrites / 1000}k overwrites of 1k keys ÷ after the first 1k`,
    heap.ratio,
    '×',
    baseHeap.ratio,
  );
  row(
    `heap held after ${overwrites / 1000}k overwrites of 1k keys`,
    heap.after / 1024,
    'KiB',
    baseHeap.after / 1024,
  );
  bar('heap ≤ 1.5× after overwrites', heap.ratio <= 1.5, `${heap.ratio.toFixed(2)}×`);

  for (const c of checks) log(c);
  return results;
};

export default suite;
