/**
 * bench/dispatch: the Superhero Dispatch cluster under load. Starts gotham, metropolis and capitol
 * as three node processes on free loopback ports, creates heroes through the HTTP API (spread over
 * the cities with assign, bounded concurrency) and holds the population there while the heroes'
 * 4-second loops run, then measures for a fixed time:
 *
 * - store writes/s (sum over nodes of `store_write_seconds_count` deltas) and whether the heroes'
 *   loops keep up (achieved ≥ 95 % of due, latency not growing over the run, no event lost);
 * - write latency p50/p99 (the nodes' `store_write_seconds` histograms) and the probes' API time;
 * - page event latency p50/p99 (assign on metropolis, the event arriving on gotham's stream) and
 *   the lag of every hero event (arrival minus the hero's `updatedAt`);
 * - CPU (cores) and RSS per node from `/proc/<pid>/stat`.
 *
 * ```sh
 * npm run bench -- dispatch --quick   # 1,000 heroes measured for 20 s; under 60 s in all
 * npm run bench -- dispatch           # then 10,000 heroes for 60 s; under 5 minutes in all
 * ```
 *
 * Raft mode always runs; crdt mode runs too when this build has it (checked on one node while the
 * Raft cluster starts), and then both modes share the time budget with shorter measurements
 * (`plan.ts`). A mode the build refuses ("not in this build yet") is reported as not available. Processes are killed by pid and data directories removed at the end, on failure
 * and on interruption.
 *
 * When not to use: to compare code changes finely — three processes and the load generator share
 * the machine's cores, so figures move with whatever else runs.
 */
import { loadavg } from 'node:os';
import type { BenchResult, Suite } from '../lib/types.ts';
import { StoreNotAvailableError, startBenchCluster } from './cluster.ts';
import type { BenchCluster } from './cluster.ts';
import { openEventFeed } from './event-feed.ts';
import { Population } from './population.ts';
import { Probes } from './probes.ts';
import { Recorder } from './recorder.ts';
import type { Stage } from './plan.ts';
import {
  Budget,
  FULL_BUDGET_MS,
  HERO_TICK_MS,
  MODE_SHARE,
  Plateau,
  QUICK_BUDGET_MS,
  growLimitMs,
  seeded,
  stagesFor,
} from './plan.ts';
import { describeLogs, describeStage, stageResults } from './report.ts';
import { summarize } from './summary.ts';

const CITIES = ['gotham', 'metropolis', 'capitol'] as const;
/** Seed of the probes' choices (which hero, which city); printed with the results. */
const SEED = 0x5eed;
/** Length of one measurement window, ms: one hero loop, so each window sees every hero once. */
const WINDOW_MS = HERO_TICK_MS;
/** Requests in flight while growing the population: more only queue behind the store. */
const GROW_CONCURRENCY = 64;
/** Requests in flight while holding it: enough to replace ~100 deaths/s at 10,000 heroes. */
const HOLD_CONCURRENCY = 32;

const load1 = (): string => loadavg()[0]?.toFixed(1) ?? '?';

function startCluster(store: 'raft' | 'crdt'): Promise<BenchCluster> {
  return startBenchCluster({ names: [...CITIES], store });
}

/** Measures every stage on `cluster` before `deadline` (performance.now() ms), then stops it. */
async function runMode(
  cluster: BenchCluster,
  stages: readonly Stage[],
  deadline: number,
  log: (line: string) => void,
): Promise<BenchResult[]> {
  const started = performance.now();
  const store = cluster.store;
  const results: BenchResult[] = [];
  try {
    const [observer, writer] = cluster.nodes as [BenchCluster['nodes'][0], BenchCluster['nodes'][0]];
    const feed = await openEventFeed(observer.webPort);
    const population = new Population({ nodes: cluster.nodes, cities: CITIES, feed });
    const probes = new Probes({
      writerPort: writer.webPort,
      feed,
      cities: CITIES,
      rng: seeded(SEED),
      population,
    });
    const recorder = new Recorder({ nodes: cluster.nodes, feed, population, probes });
    let stopHolding: (() => Promise<void>) | undefined;
    try {
      for (const [index, stage] of stages.entries()) {
        await stopHolding?.();
        const t0 = performance.now();
        const limitMs = growLimitMs(stages, index, deadline, t0);
        // Warnings and errors of the whole stage (growing, warming up, measuring) are reported.
        const logsBefore = cluster.nodes.map((n) => new Map(n.logCounts));
        const createdBefore = population.counts.created;
        const plateau = new Plateau(() => feed.liveCount());
        await population.maintain(
          stage.heroes,
          GROW_CONCURRENCY,
          () => feed.liveCount() >= stage.heroes || performance.now() - t0 > limitMs || plateau.reached(),
        );
        plateau.stop();
        const growSeconds = (performance.now() - t0) / 1000;
        const created = population.counts.created - createdBefore;
        if (plateau.reached())
          log(`${store}: the population stopped growing: creation no faster than heroes die`);
        log(
          `${store}: ${feed.liveCount()} heroes live after ${growSeconds.toFixed(1)} s ` +
            `(${created} created and assigned, ${(created / growSeconds).toFixed(0)}/s)`,
        );
        stopHolding = population.background(stage.heroes, HOLD_CONCURRENCY);
        await new Promise((r) => setTimeout(r, stage.warmupMs));
        const stopProbes = probes.start();
        log(
          `${store}: measuring ${stage.heroes} heroes for ${stage.measureMs / 1000} s ` +
            `(machine load average ${load1()})`,
        );
        const windows = await recorder.run(stage.measureMs, WINDOW_MS);
        await stopProbes();
        const loadAtEnd = loadavg()[0] ?? Number.NaN;
        const summary = summarize(windows, { target: stage.heroes, cities: CITIES.length });
        for (const line of describeStage(store, stage.heroes, summary, windows)) log(line);
        for (const line of describeLogs(store, cluster.nodes, logsBefore)) log(line);
        results.push(
          ...stageResults(`${store} ${stage.heroes.toLocaleString('en-US')} heroes`, summary, {
            createdPerSec: created / growSeconds,
            loadAverage: loadAtEnd,
          }),
        );
      }
      if (feed.counts.disconnects > 0)
        log(
          `${store}: the event stream cut the observer off ${feed.counts.disconnects}× (fell 1 MiB behind)`,
        );
      const failures = [...population.counts.failures].map(([s, n]) => `${n}× ${s}`).join(', ');
      if (failures) log(`${store}: failed API calls of the load generator: ${failures} (0 = no answer)`);
    } finally {
      await stopHolding?.();
      feed.close();
    }
  } finally {
    await cluster.stop();
  }
  log(`${store}: measured in ${((performance.now() - started) / 1000).toFixed(1)} s; probe seed ${SEED}`);
  return results;
}

/** Whether this build runs `store` mode: one node is started alone, then stopped. */
async function availability(store: 'raft' | 'crdt'): Promise<{ ok: true } | { ok: false; why: string }> {
  try {
    const probe = await startBenchCluster({ names: ['modecheck'], store, readyTimeoutMs: 30_000 });
    await probe.stop();
    return { ok: true };
  } catch (err) {
    if (err instanceof StoreNotAvailableError) return { ok: false, why: err.message };
    throw err;
  }
}

const suite: Suite = async ({ quick, log }) => {
  const budget = new Budget(quick ? QUICK_BUDGET_MS : FULL_BUDGET_MS);
  const results: BenchResult[] = [];
  log(`starting ${CITIES.join(', ')} in raft mode; checking whether this build runs crdt`);
  const t0 = performance.now();
  // Both start-ups are mostly waiting on module loading; overlapping them saves seconds of budget.
  const [crdtCheck, raftStart] = await Promise.allSettled([availability('crdt'), startCluster('raft')]);
  if (raftStart.status === 'rejected') throw raftStart.reason;
  const raft = raftStart.value;
  if (crdtCheck.status === 'rejected') {
    await raft.stop();
    throw crdtCheck.reason;
  }
  log(`raft: cluster ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const crdt = crdtCheck.value;
  if (!crdt.ok) {
    log(`crdt: not available in this build (${crdt.why})`);
    results.push({ name: 'crdt: not available in this build', value: Number.NaN, unit: '' });
  }
  const stages = stagesFor(quick, crdt.ok ? 2 : 1);
  results.push(...(await runMode(raft, stages, budget.modeDeadline(crdt.ok ? MODE_SHARE.raft : 1), log)));
  if (crdt.ok) {
    const deadline = budget.modeDeadline(1);
    const t1 = performance.now();
    const cluster = await startCluster('crdt');
    log(`crdt: cluster ready in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
    results.push(...(await runMode(cluster, stages, deadline, log)));
  }
  return results;
};

export default suite;
