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
 * Raft mode always runs; etcd mode runs after the others when the `etcd` binary is installed (a
 * local 3-member etcd, its members' CPU reported; `etcd-mode.ts`); crdt mode runs too when this build has it (both clusters start together,
 * and the crdt one idles while raft is measured), and then both modes share the time budget with
 * shorter measurements (`plan.ts`). A mode the build refuses ("not in this build yet") is reported as not available. Processes are killed by pid and data directories removed at the end, on failure
 * and on interruption.
 *
 * Two environment variables, read once here, serve profiling: `BENCH_DISPATCH_STORES=raft` (a
 * comma-separated list of raft, crdt, etcd; default all three) runs only those modes, and
 * `BENCH_CPU_PROF=<folder>` starts every node with `node --cpu-prof`, writing its profiles to
 * `<store>-<name>/` there when the node shuts down (SIGTERM instead of SIGKILL at the end)
 * and each measurement's span, in the profiles' clock (CLOCK_MONOTONIC, µs), to `windows.jsonl`, so
 * a summary can keep the samples of the measurement only (`scripts/cpu-profile-summary.ts`).
 *
 * When not to use: to compare code changes finely — three processes and the load generator share
 * the machine's cores, so figures move with whatever else runs.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import type { BenchResult, Suite } from '../lib/types.ts';
import { StoreNotAvailableError, startBenchCluster } from './cluster.ts';
import type { BenchCluster } from './cluster.ts';
import { openEventFeed } from './event-feed.ts';
import { Population } from './population.ts';
import { Probes } from './probes.ts';
import { readProcStat } from './proc-stat.ts';
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
  stagesFor,
} from './plan.ts';
import { describeLogs, describeStage, stageResults } from './report.ts';
import { startEtcdForBench } from './etcd-mode.ts';
import { summarize } from './summary.ts';
import { seededRandom } from '@superhero-dispatch/runtime/testing';

export const CITIES = ['gotham', 'metropolis', 'capitol'] as const;
/** Seed of the probes' choices (which hero, which city); printed with the results. */
const SEED = 0x5eed;
/** Length of one measurement window, ms: one hero loop, so each window sees every hero once. */
const WINDOW_MS = HERO_TICK_MS;
/** Requests in flight while growing the population: more only queue behind the store. */
const GROW_CONCURRENCY = 64;
/** Requests in flight while holding it: enough to replace ~100 deaths/s at 10,000 heroes. */
const HOLD_CONCURRENCY = 32;
/**
 * Requests in flight while holding `target` heroes: `HOLD_CONCURRENCY` up to 12,800 heroes, then
 * one per 400 heroes (deaths grow with the population: ~240/s at 25,000), at most as many as growing.
 */
const holdConcurrency = (target: number): number =>
  Math.min(GROW_CONCURRENCY, Math.max(HOLD_CONCURRENCY, Math.ceil(target / 400)));

const load1 = (): string => loadavg()[0]?.toFixed(1) ?? '?';

const STORES = ['raft', 'crdt', 'etcd'] as const;
type StoreMode = (typeof STORES)[number];

/** The profiling switches of the module header, read from the environment once. */
function profilingOptions(env: NodeJS.ProcessEnv): { stores: Set<StoreMode>; cpuProfDir?: string } {
  const asked = (env['BENCH_DISPATCH_STORES'] ?? STORES.join(',')).split(',').map((s) => s.trim());
  const unknown = asked.filter((s) => !(STORES as readonly string[]).includes(s));
  if (unknown.length > 0) throw new Error(`BENCH_DISPATCH_STORES: unknown ${unknown.join(', ')}`);
  if (!asked.includes('raft')) throw new Error('BENCH_DISPATCH_STORES: raft always runs');
  const dir = env['BENCH_CPU_PROF'];
  if (dir) mkdirSync(resolve(dir), { recursive: true });
  return { stores: new Set(asked as StoreMode[]), ...(dir ? { cpuProfDir: resolve(dir) } : {}) };
}
const PROFILING = profilingOptions(process.env);

/** The monotonic clock of V8's CPU profiles (`startTime`, `endTime`), µs. */
const profileClockUs = (): number => Number(process.hrtime.bigint() / 1000n);

function startCluster(store: 'raft' | 'crdt'): Promise<BenchCluster> {
  return startBenchCluster({
    names: [...CITIES],
    store,
    ...(PROFILING.cpuProfDir === undefined ? {} : { cpuProfDir: PROFILING.cpuProfDir }),
  });
}

/** Measures every stage on `cluster` before `deadline` (performance.now() ms), then stops it. */
export async function runMode(
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
      rng: seededRandom(SEED),
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
        const growth =
          feed.liveCount() >= stage.heroes ? 'target' : plateau.reached() ? 'plateau' : ('time' as const);
        const growSeconds = (performance.now() - t0) / 1000;
        const created = population.counts.created - createdBefore;
        if (growth === 'plateau')
          log(`${store}: the population stopped growing: creation no faster than heroes die`);
        if (growth === 'time') log(`${store}: growing stopped at its time limit`);
        log(
          `${store}: ${feed.liveCount()} heroes live after ${growSeconds.toFixed(1)} s ` +
            `(${created} created and assigned, ${(created / growSeconds).toFixed(0)}/s)`,
        );
        stopHolding = population.background(stage.heroes, holdConcurrency(stage.heroes));
        await new Promise((r) => setTimeout(r, stage.warmupMs));
        const stopProbes = probes.start();
        log(
          `${store}: measuring ${stage.heroes} heroes for ${stage.measureMs / 1000} s ` +
            `(machine load average ${load1()})`,
        );
        const fromUs = profileClockUs();
        const windows = await recorder.run(stage.measureMs, WINDOW_MS);
        await stopProbes();
        if (PROFILING.cpuProfDir !== undefined) {
          const span = { store, heroes: stage.heroes, fromUs, toUs: profileClockUs() };
          appendFileSync(join(PROFILING.cpuProfDir, 'windows.jsonl'), `${JSON.stringify(span)}\n`);
        }
        const loadAtEnd = loadavg()[0] ?? Number.NaN;
        const summary = summarize(windows, { target: stage.heroes, cities: CITIES.length, growth });
        for (const line of describeStage(store, stage.heroes, summary, windows)) log(line);
        for (const line of describeLogs(store, cluster.nodes, logsBefore)) log(line);
        results.push(
          ...stageResults(`${store} ${stage.heroes.toLocaleString('en-US')} heroes`, summary, {
            createdPerSec: created / growSeconds,
            loadAverage: loadAtEnd,
            plot: { store, heroes: stage.heroes },
          }),
        );
      }
      if (recorder.missedScrapes > 0)
        log(`${store}: ${recorder.missedScrapes} /metrics scrapes got no answer within 5 s`);
      if (feed.counts.disconnects > 0)
        log(
          `${store}: the event stream cut the observer off ${feed.counts.disconnects}× (fell 1 MiB behind)`,
        );
      const failures = [...population.counts.failures].map(([s, n]) => `${n}× ${s}`).join(', ');
      if (failures) log(`${store}: failed API calls of the load generator: ${failures} (0 = no answer)`);
    } finally {
      // Killing the nodes first fails the load generator's requests in flight at once.
      const stopping = stopHolding?.();
      feed.close();
      await cluster.stop();
      await stopping;
    }
  } finally {
    await cluster.stop();
  }
  log(`${store}: measured in ${((performance.now() - started) / 1000).toFixed(1)} s; probe seed ${SEED}`);
  return results;
}

/** Starts a cluster, or says why this build refuses the mode. */
async function tryStart(store: 'raft' | 'crdt'): Promise<BenchCluster | StoreNotAvailableError> {
  try {
    return await startCluster(store);
  } catch (err) {
    if (err instanceof StoreNotAvailableError) return err;
    throw err;
  }
}

/** CPU seconds the processes of `cluster` have used so far. */
function cpuSeconds(cluster: BenchCluster): number {
  return cluster.nodes.reduce((sum, n) => sum + (readProcStat(n.pid)?.cpuSeconds ?? 0), 0);
}

/** How long the raft cluster is left alone, settled, before its idle CPU is measured, and then for how long, ms. */
const IDLE_SETTLE_MS = 5000;
const IDLE_MEASURE_MS = 15_000;

/**
 * The fixed cost: a raft cluster's CPU per node with no heroes (heartbeats, failure detection,
 * timers), from `/proc`, before any hero exists. It is part of every write's CPU at a low
 * population (CPU per store write ÷ writes/s).
 */
async function idleCost(cluster: BenchCluster, log: (line: string) => void): Promise<BenchResult> {
  await new Promise((r) => setTimeout(r, IDLE_SETTLE_MS));
  const from = { cpu: cpuSeconds(cluster), at: performance.now() };
  await new Promise((r) => setTimeout(r, IDLE_MEASURE_MS));
  const perNode =
    (cpuSeconds(cluster) - from.cpu) / ((performance.now() - from.at) / 1000) / cluster.nodes.length;
  log(
    `${cluster.store}: idle, no heroes: ${(perNode * 100).toFixed(2)} % of a core per node (load average ${loadavg()[0]?.toFixed(2)})`,
  );
  return {
    name: `${cluster.store}: CPU per node, idle (no heroes)`,
    value: perNode * 100,
    unit: '% of a core',
  };
}

const suite: Suite = async ({ quick, log }) => {
  // The idle measurement comes on top of the budget of the stages.
  const budget = new Budget((quick ? QUICK_BUDGET_MS : FULL_BUDGET_MS) + IDLE_SETTLE_MS + IDLE_MEASURE_MS);
  const results: BenchResult[] = [];
  log(`starting ${CITIES.join(', ')} twice: in raft mode, and in crdt mode if this build has it`);
  const t0 = performance.now();
  // Start-up is mostly module loading: starting both clusters at once saves seconds of the budget.
  // The crdt cluster then idles while raft is measured (its CPU is reported below).
  const crdtWanted = PROFILING.stores.has('crdt');
  const [raftStart, crdtStart] = await Promise.allSettled([
    tryStart('raft'),
    crdtWanted ? tryStart('crdt') : Promise.resolve(undefined),
  ]);
  const clusters = [raftStart, crdtStart].flatMap((r) =>
    r.status === 'fulfilled' && r.value !== undefined && !(r.value instanceof Error) ? [r.value] : [],
  );
  const raft = clusters.find((c) => c.store === 'raft');
  const crdt = clusters.find((c) => c.store === 'crdt');
  if (!raft) {
    await Promise.all(clusters.map((c) => c.stop()));
    throw raftStart.status === 'rejected' ? raftStart.reason : raftStart.value;
  }
  if (crdtStart.status === 'rejected') {
    await raft.stop();
    throw crdtStart.reason;
  }
  log(`clusters ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  if (!crdtWanted) log('crdt: not asked for (BENCH_DISPATCH_STORES)');
  if (crdtStart.value instanceof Error) {
    log(`crdt: not available in this build (${crdtStart.value.message})`);
    results.push({ name: 'crdt: not available in this build', value: Number.NaN, unit: '' });
  }
  const stages = stagesFor(quick, crdt ? 2 : 1);
  try {
    results.push(await idleCost(raft, log));
    const idleFrom = crdt ? { cpu: cpuSeconds(crdt), at: performance.now() } : undefined;
    const raftDeadline = budget.modeDeadline(crdt ? MODE_SHARE.raft : 1);
    results.push(...(await runMode(raft, stages, raftDeadline, log)));
    if (crdt && idleFrom) {
      const busy = (cpuSeconds(crdt) - idleFrom.cpu) / ((performance.now() - idleFrom.at) / 1000);
      log(`crdt: the idle crdt cluster used ${(busy * 100).toFixed(1)} % of a core while raft was measured`);
      results.push(...(await runMode(crdt, stages, budget.modeDeadline(1), log)));
    }
  } finally {
    await Promise.all(clusters.map((c) => c.stop()));
  }
  // etcd after the embedded stores, alone on the machine, with the stages of a shared run.
  const etcdBudget = new Budget((quick ? QUICK_BUDGET_MS : FULL_BUDGET_MS) * MODE_SHARE.crdt);
  if (!PROFILING.stores.has('etcd')) {
    log('etcd: not asked for (BENCH_DISPATCH_STORES)');
    return results;
  }
  const etcd = await startEtcdForBench(CITIES, log);
  if (etcd) {
    try {
      results.push(...(await runMode(etcd.cluster, stagesFor(quick, 2), etcdBudget.modeDeadline(1), log)));
      results.push(...etcd.report(log));
    } finally {
      await etcd.stop();
    }
  }
  return results;
};

export default suite;
