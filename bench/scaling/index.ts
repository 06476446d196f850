/**
 * bench/scaling: what the full mesh costs as the cluster grows. For N in-process nodes on the
 * memory transport (3, 10, 25, 50, 100; `--quick`: 3, 10, 25), with real timers and the real
 * framing, handshake and failure detector:
 * - steady state: heartbeat, membership and total bytes and frames each node sends per second
 *   (counted at the transport, `counting-transport.ts`), the CPU time per node, the loop's delay;
 * - membership: ms from starting a node until it and every member see each other, and the bytes
 *   that join made the cluster send; ms until every survivor declares a node down after it is
 *   killed (`crash`: its links reset, as a killed process's kernel does) and after it falls
 *   silent (`silent`: cut off, only the failure detector can tell);
 * - CRDT: one store per node, a fixed write rate spread over the nodes: CRDT bytes per node per
 *   second while writing and while idle (anti-entropy), ms from the last write to convergence.
 * Then the heartbeat bytes and CPU between 3 (and 10) OS processes on loopback TCP, and the model
 * of `model.ts` fed with the measured constants: where a full-mesh node crosses 1 Mbit/s or 1 %
 * of a core, and what a partial view costs instead. Writes docs/images/scaling.svg.
 *
 * Bounded: a size whose mesh does not form in 90 s ends the growth, and no new size starts once
 * the in-process part has run its budget (quick 35 s, full 7 min); the output says which sizes
 * were skipped. Everything runs in one process, so at large N the nodes share one core: the
 * loop-delay rows tell when it no longer keeps up.
 */
import { FAILURE_DETECTOR_DEFAULTS } from '@superhero-dispatch/runtime/cluster';
import { gc, median } from '../lib/stats.ts';
import type { BenchResult, Suite } from '../lib/types.ts';
import { BYTES_BUDGET, CPU_BUDGETS, writeScalingChart, type SizeRow } from './figure.ts';
import { crdtCost } from './crdt.ts';
import { sleep, startMemoryMesh } from './mesh.ts';
import {
  crossing,
  cpuPerPeer,
  fullMeshCost,
  linearBytes,
  partialViewCost,
  simulatePartialView,
  type MeshConstants,
} from './model.ts';
import { processCost, type ProcessCost } from './processes.ts';
import { processCpu, steadyCost } from './steady.ts';

const SEED = 1;
/** A kill not seen by every survivor by then counts as not converged (NaN): detection takes ~1.2 s. */
const KILL_TIMEOUT_MS = 15_000;

const suite: Suite = async ({ quick, log: print }) => {
  const started = performance.now();
  const log = (line: string): void =>
    print(`[${((performance.now() - started) / 1000).toFixed(1)} s] ${line}`);
  const sizes = quick ? [3, 10, 25] : [3, 10, 25, 50, 100];
  const budgetMs = quick ? 35_000 : 420_000;
  const windowMs = quick ? 1500 : 5000;
  const trials = quick ? 1 : 3;
  const writesPerSec = 100;
  const results: BenchResult[] = [];
  const row = (name: string, value: number, unit: string): void => void results.push({ name, value, unit });
  const rows: SizeRow[] = [];
  log('warm-up: a mesh of 10 with a join, a kill and CRDT writes (not measured)');
  const warm = await startMemoryMesh(10, 90_000);
  try {
    await sleep(windowMs);
    const joined = await warm.join(30_000);
    await warm.kill(joined.member, 'crash', 30_000);
    await crdtCost(warm.members, { writesPerSec, windowMs: 1000, idleMs: 100, keys: 1000, seed: SEED });
  } finally {
    await warm.close();
  }
  gc();
  const idleCpu = await processCpu(windowMs);
  log(
    `this process with no node: ${(idleCpu * 100).toFixed(2)} % of a core (subtracted from the per-node CPU)`,
  );
  row('the bench process with no node running, CPU', idleCpu * 100, '% core');

  for (const n of sizes) {
    if (performance.now() - started > budgetMs) {
      log(`N=${n} and larger skipped: the in-process part has used its ${budgetMs / 1000} s`);
      break;
    }
    log(`N=${n}: forming the mesh`);
    const t0 = performance.now();
    let mesh;
    try {
      mesh = await startMemoryMesh(n, 90_000);
    } catch (err) {
      log(`N=${n}: ${(err as Error).message}; not growing further`);
      break;
    }
    try {
      const formMs = performance.now() - t0;
      await sleep(2500); // the spare connections of simultaneous dials close after 2 s
      log(`N=${n}: formed in ${formMs.toFixed(0)} ms; steady state`);
      mesh.downs = 0;
      const steady = await steadyCost(mesh.counters(), windowMs, idleCpu);
      // Nobody was killed: every node-down in the steady windows is a false suspicion.
      const falseDowns = mesh.downs;
      log(
        `N=${n}: heartbeats ${steady.heartbeatBytesPerSec.toFixed(0)} B/s, ${steady.heartbeatFramesPerSec.toFixed(0)} frames/s per node; ` +
          `CPU ${(steady.cpuPerNode * 100).toFixed(3)} % per node (${(steady.cpuProcess * 100).toFixed(0)} % for the process, ` +
          `loop delay p50 ${steady.loopDelayP50Ms.toFixed(1)} ms, max ${steady.loopDelayMaxMs.toFixed(0)} ms); ` +
          `${falseDowns} false node-downs`,
      );
      if (steady.cpuProcess > 0.9)
        log(`N=${n}: the process is near a full core; larger N measures a saturated loop`);
      log(`N=${n}: joins and kills (${trials} each)`);
      const joins: number[] = [];
      const joinBytes: number[] = [];
      const crashes: number[] = [];
      const silences: number[] = [];
      for (let t = 0; t < trials; t++) {
        for (const how of ['crash', 'silent'] as const) {
          const joined = await mesh.join(30_000);
          joins.push(joined.ms);
          joinBytes.push(joined.bytes);
          await sleep(1000); // the newcomer's detectors have samples
          const killed = await mesh.kill(joined.member, how, KILL_TIMEOUT_MS);
          (how === 'crash' ? crashes : silences).push(killed.ms);
          if (killed.holdouts > 0)
            log(
              `N=${n}: ${killed.holdouts} of ${mesh.members.length} survivors still counted the ${how} node as a member after ${KILL_TIMEOUT_MS / 1000} s`,
            );
        }
      }
      log(`N=${n}: CRDT stores, ${writesPerSec} writes/s`);
      const crdt = await crdtCost(mesh.members, {
        writesPerSec,
        windowMs,
        idleMs: quick ? 1500 : 3000,
        keys: 1000,
        seed: SEED,
      });
      rows.push({
        n,
        formMs,
        steady,
        falseDowns,
        joinMs: median(joins),
        joinBytes: median(joinBytes),
        crashMs: median(crashes.filter(Number.isFinite)),
        silentMs: median(silences.filter(Number.isFinite)),
        killsUnseen: [...crashes, ...silences].filter((ms) => !Number.isFinite(ms)).length,
        crdt,
      });
      const r = rows[rows.length - 1]!;
      log(
        `N=${n}: join ${r.joinMs.toFixed(0)} ms, crash ${r.crashMs.toFixed(0)} ms, silent ${r.silentMs.toFixed(0)} ms; ` +
          `CRDT ${crdt.writingBytesPerSec.toFixed(0)} B/s writing, ${crdt.idleBytesPerSec.toFixed(0)} B/s idle, ` +
          `converged ${crdt.convergeMs.toFixed(0)} ms after the last write (step ${((performance.now() - t0) / 1000).toFixed(0)} s)`,
      );
    } finally {
      await mesh.close();
    }
  }

  for (const r of rows) {
    const at = `N=${r.n}`;
    row(`${at}: heartbeat bytes sent per node`, r.steady.heartbeatBytesPerSec, 'B/s');
    row(`${at}: heartbeat frames sent per node`, r.steady.heartbeatFramesPerSec, '/s');
    row(`${at}: membership gossip sent per node, steady`, r.steady.membershipBytesPerSec, 'B/s');
    row(`${at}: all frames sent per node, steady`, r.steady.totalBytesPerSec, 'B/s');
    row(`${at}: CPU per node (memory transport)`, r.steady.cpuPerNode * 100, '% core');
    row(`${at}: event loop delay p50 (all nodes in one process)`, r.steady.loopDelayP50Ms, 'ms');
    row(
      `${at}: false node-downs in ${(2 * windowMs) / 1000} s of steady state (all nodes)`,
      r.falseDowns,
      '',
    );
    row(`${at}: mesh formed from cold`, r.formMs, 'ms');
    row(`${at}: join seen by every node, median of ${trials * 2}`, r.joinMs, 'ms');
    row(`${at}: membership bytes sent by the cluster for one join`, r.joinBytes, 'B');
    row(`${at}: crash declared down by every survivor, median`, r.crashMs, 'ms');
    row(`${at}: silent node declared down by every survivor, median`, r.silentMs, 'ms');
    row(`${at}: kills not seen by every survivor within ${KILL_TIMEOUT_MS / 1000} s`, r.killsUnseen, 'kills');
    row(`${at}: CRDT bytes sent per node at ${writesPerSec} writes/s`, r.crdt.writingBytesPerSec, 'B/s');
    row(`${at}: CRDT anti-entropy per node, idle`, r.crdt.idleBytesPerSec, 'B/s');
    row(`${at}: CRDT converged after the last write`, r.crdt.convergeMs, 'ms');
  }

  const procs: ProcessCost[] = [];
  for (const p of quick ? [3] : [3, 10]) {
    log(`${p} node processes on loopback TCP`);
    try {
      const cost = await processCost(p, windowMs);
      procs.push(cost);
      row(`${p} processes (TCP): heartbeat bytes sent per node`, cost.heartbeatBytesPerSec, 'B/s');
      row(`${p} processes (TCP): heartbeat frames sent per node`, cost.heartbeatFramesPerSec, '/s');
      row(`${p} processes (TCP): CPU per node process`, cost.cpu * 100, '% core');
    } catch (err) {
      log(`${p} processes: ${(err as Error).message}; skipped`);
    }
  }
  log('larger process counts not run: each process needs its own core share on this machine');

  // The model, fed with what was measured.
  const frameBytes = median(rows.map((r) => r.steady.heartbeatFrameBytes));
  const interval = FAILURE_DETECTOR_DEFAULTS.heartbeatIntervalMs;
  const memCpu = cpuPerPeer(
    rows.map((r) => ({
      nodes: r.n,
      heartbeatsPerSec: r.steady.heartbeatFramesPerSec * r.n,
      cpu: r.steady.cpuPerNode * r.n,
    })),
    interval,
  );
  const tcpCpu =
    procs.length >= 2
      ? cpuPerPeer(
          procs.map((p) => ({ nodes: 1, heartbeatsPerSec: p.heartbeatFramesPerSec, cpu: p.cpu })),
          interval,
        )
      : undefined;
  const constants: MeshConstants = {
    heartbeatIntervalMs: interval,
    heartbeatFrameBytes: frameBytes,
    cpu: tcpCpu ?? memCpu,
  };
  const pct = (x: number): string => `${(x * 100).toFixed(3)} %`;
  log(
    `model: heartbeat every ${interval} ms (failureDetector.heartbeatIntervalMs), ${frameBytes.toFixed(1)} B a frame; ` +
      `CPU per peer ${pct(memCpu.perPeer)} of a core in memory (base ${pct(memCpu.base)})` +
      (tcpCpu ? `, ${pct(tcpCpu.perPeer)} on TCP (base ${pct(tcpCpu.base)})` : ''),
  );
  row('model: heartbeat frame on the wire', frameBytes, 'B');
  row('model: CPU per connected peer, memory transport (fit)', memCpu.perPeer * 100, '% core');
  row('model: CPU of a node without peers, memory transport (fit)', memCpu.base * 100, '% core');
  if (tcpCpu) {
    row('model: CPU per connected peer, TCP processes (fit)', tcpCpu.perPeer * 100, '% core');
    row('model: CPU of a node process without peers, TCP (fit)', tcpCpu.base * 100, '% core');
  }
  const at = (n: number | undefined): number => n ?? Number.NaN;
  row(
    'model: full mesh passes 1 Mbit/s of heartbeats per node at N',
    at(crossing(linearBytes(constants), BYTES_BUDGET)),
    'nodes',
  );
  for (const budget of CPU_BUDGETS) {
    const label = `${budget * 100} % of a core`;
    row(
      `model: full mesh passes ${label} per node at N (memory transport)`,
      at(crossing(memCpu, budget)),
      'nodes',
    );
    if (tcpCpu)
      row(`model: full mesh passes ${label} per node at N (TCP)`, at(crossing(tcpCpu, budget)), 'nodes');
  }
  for (const n of [100, 1000, 10_000]) {
    const full = fullMeshCost(n, constants);
    const partial = partialViewCost(n, constants);
    const overlay = simulatePartialView(n, { seed: SEED });
    row(`model N=${n}: full mesh heartbeat bytes per node`, full.bytesPerSec, 'B/s');
    row(`model N=${n}: partial view (active ${overlay.active}) bytes per node`, partial.bytesPerSec, 'B/s');
    row(
      `model N=${n}: partial view broadcast hops (seed ${SEED}, connected: ${overlay.connected})`,
      overlay.hops,
      'hops',
    );
  }

  writeScalingChart(rows, procs, constants, memCpu);
  log(`chart written to docs/images/scaling.svg`);
  return results;
};

export default suite;
