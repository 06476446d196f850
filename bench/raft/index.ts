/**
 * bench/raft: the CP store against etcd 3.4 on the same machine, both as 3 member processes on
 * loopback with fsync on, driven from this one client process over HTTP/JSON with the bench's
 * `HttpClient` in one mode for both (`HTTP_MODE`: keep-alive, unpipelined): sequential put latency
 * and rate, puts/s with 16 and 64 in flight, linearizable gets/s with 64 in flight, change-feed
 * latency (write on the leader, a subscriber on each follower, with fetch) and the time from a leader kill -9 to the next acknowledged write
 * (median of several kills). Both clusters run side by side and every workload is split into
 * rounds that alternate the two systems, so a busy machine slows both alike. Our embedded API
 * (load generated inside the leader's process, no HTTP) is reported on its own rows, and so is
 * the ceiling of the HTTP client itself (a no-op server, same mode), with its ratio to the highest
 * HTTP rate of the run, and the client's capacity when pipelining. etcd is skipped when `/usr/bin/etcd` is missing.
 */
import { open, rm } from 'node:fs/promises';
import { loadavg as osLoadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, percentile, sortedCopy } from '../lib/stats.ts';
import type { BenchResult, Suite } from '../lib/types.ts';
import { etcdAvailable, startEtcd } from './etcd.ts';
import { httpCeiling, type Ceiling } from './http-ceiling.ts';
import { putFloor } from './floor.ts';
import { startOurs } from './ours.ts';
import {
  concurrentGets,
  concurrentPuts,
  failover,
  feedLatency,
  sequentialPuts,
  type BenchTarget,
  type FeedRun,
  type Run,
} from './workload.ts';

interface Sizes {
  /** Requests of each HTTP ceiling run: pipelined (the client's capacity) and as the rows run. */
  ceilingPipelined: number;
  ceiling: number;
  /**
   * Puts that warm up both systems before the HTTP rows, with 16 in flight and then one at a time
   * (the same for etcd). A fresh member's code takes thousands of puts to be optimised: sequential
   * put p50 falls from 2.7 ms over the first 600 puts to ~1.2 ms after 6,000, and a warm-up at 16
   * in flight alone leaves the one-at-a-time path (single-entry appends) still improving.
   */
  warmup: number;
  warmupSequential: number;
  sequential: number;
  c16: number;
  c64: number;
  gets: number;
  feed: number;
  kills: number;
  /**
   * Puts that warm up the embedded runs, then puts measured. The leader may be a member just
   * restarted by the kill rounds: its code takes some 20,000 puts to reach full speed (2,700,
   * 5,000, 8,200 and then ~10,000–15,000 puts/s in runs of 2,000, 4,000 and 20,000 from a fresh
   * start), and a short run also lands on or off a snapshot by chance.
   */
  embeddedWarmup: number;
  embedded: number;
}

/**
 * How the HTTP rows drive both systems: one keep-alive connection per request in flight, no
 * pipelining (64 in flight are 64 connections). Pipelining would let one client process go much
 * further (the capacity row: several requests per socket write and read), but it is not fair to
 * etcd: Go's `net/http`, etcd's gateway, serves a connection's requests one at a time, so 64 in
 * flight on 8 connections × 8 are 8 concurrent requests to etcd and 64 to ours.
 */
const HTTP_MODE = {} as const;

/** The client's own capacity, pipelined, against the no-op server (a context row). */
const PIPELINED = { connections: 8, pipeline: 8 } as const;

/** Each workload is split into this many rounds, alternating the systems, so both see the same load. */
const ROUNDS = 4;

type Figures = Record<string, number>;

interface Collected {
  seq: Run[];
  c16: Run[];
  c64: Run[];
  gets: Run[];
  feed: FeedRun[];
  kills: number[];
}

function rate(runs: Run[]): number {
  const n = runs.reduce((a, r) => a + r.n, 0);
  const ms = runs.reduce((a, r) => a + r.ms, 0);
  return n / (ms / 1000);
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function p(values: number[], q: number): number {
  return percentile(sortedCopy(values), q);
}

function figures(c: Collected): Figures {
  const seq = c.seq.flatMap((r) => r.samples);
  const ack = c.feed.flatMap((r) => r.byFollower.flatMap((f) => f.afterAck));
  return {
    seqP50: p(seq, 50),
    seqP99: p(seq, 99),
    seqRate: rate(c.seq),
    c16: rate(c.c16),
    c64: rate(c.c64),
    gets: rate(c.gets),
    // A change seen before the writer's acknowledgement counts as 0.
    feedAck: Math.max(0, p(ack, 50)),
    feedAck99: Math.max(0, p(ack, 99)),
    feedE2e: p(
      c.feed.flatMap((r) => r.endToEnd),
      50,
    ),
    failover: median(c.kills),
  };
}

/** Runs every workload on every target, round by round, alternating which target goes first. */
async function measureAll(
  targets: BenchTarget[],
  s: Sizes,
  log: (l: string) => void,
): Promise<Map<BenchTarget, Collected>> {
  const out = new Map<BenchTarget, Collected>(
    targets.map((t) => [t, { seq: [], c16: [], c64: [], gets: [], feed: [], kills: [] }]),
  );
  const started = performance.now();
  const step = async (
    what: string,
    rounds: number,
    fn: (t: BenchTarget, c: Collected, r: number) => Promise<void>,
  ): Promise<void> => {
    log(`${what} (${((performance.now() - started) / 1000).toFixed(1)} s, load average ${loadavg()})`);
    for (let r = 0; r < rounds; r++) {
      for (const t of r % 2 === 0 ? targets : [...targets].reverse()) await fn(t, out.get(t)!, r);
    }
  };
  const per = (n: number): number => Math.max(1, Math.floor(n / ROUNDS));
  // Warm-up: our members are fresh Node processes whose code is not optimised yet (etcd is
  // compiled ahead of time); both systems get the same puts before anything counts.
  await step('warm-up', 1, async (t) => {
    await concurrentPuts(t, s.warmup, 16);
    await sequentialPuts(t, s.warmupSequential, 0);
  });
  await step('sequential puts', ROUNDS, async (t, c, r) => {
    c.seq.push(await sequentialPuts(t, per(s.sequential), r * per(s.sequential)));
  });
  await step('puts with 16 in flight', ROUNDS, async (t, c) => {
    c.c16.push(await concurrentPuts(t, per(s.c16), 16));
  });
  await step('puts with 64 in flight', ROUNDS, async (t, c) => {
    c.c64.push(await concurrentPuts(t, per(s.c64), 64));
  });
  await step('linearizable gets with 64 in flight', ROUNDS, async (t, c) => {
    c.gets.push(await concurrentGets(t, per(s.gets), 64, Math.min(per(s.c64), 10_000)));
  });
  await step('change feed', ROUNDS, async (t, c, r) => {
    const run = await feedLatency(t, per(s.feed), r);
    c.feed.push(run);
    const each = run.byFollower.map((f) => `member ${f.member} ${p(f.afterAck, 50).toFixed(3)} ms`);
    log(`${t.name}: change feed round ${r + 1}, p50 after the acknowledgement: ${each.join(', ')}`);
  });
  await step('leader kills', s.kills, async (t, c) => {
    c.kills.push(...(await failover(t, 1, log)));
  });
  log(`done (${((performance.now() - started) / 1000).toFixed(1)} s, load average ${loadavg()})`);
  return out;
}

/** The 1, 5 and 15 minute load averages, for the log (the machine is shared). */
function loadavg(): string {
  return osLoadavg()
    .map((l) => l.toFixed(2))
    .join(', ');
}

/** fdatasync latency of this machine's temp disk, for context. */
async function fsyncProbe(): Promise<number> {
  const path = join(tmpdir(), `bench-fsync-${process.pid}`);
  const fh = await open(path, 'a');
  const buf = Buffer.alloc(300, 1);
  const samples: number[] = [];
  try {
    for (let i = 0; i < 200; i++) {
      const t0 = performance.now();
      await fh.write(buf);
      await fh.datasync();
      samples.push(performance.now() - t0);
    }
  } finally {
    await fh.close();
    await rm(path, { force: true });
  }
  return percentile(sortedCopy(samples), 50);
}

const suite: Suite = async ({ quick, log }) => {
  const sizes: Sizes = quick
    ? {
        ceilingPipelined: 60_000,
        ceiling: 10_000,
        warmup: 10_000,
        warmupSequential: 2000,
        // A p99 of 300 samples is the third-worst: 1,000 give it ten.
        sequential: 1000,
        c16: 2000,
        c64: 4000,
        gets: 6000,
        feed: 80,
        kills: 3,
        embeddedWarmup: 20_000,
        embedded: 20_000,
      }
    : {
        ceilingPipelined: 200_000,
        ceiling: 40_000,
        warmup: 20_000,
        warmupSequential: 4000,
        sequential: 2000,
        c16: 10_000,
        c64: 20_000,
        gets: 30_000,
        feed: 500,
        kills: 5,
        embeddedWarmup: 30_000,
        embedded: 40_000,
      };
  log(`load average at start: ${loadavg()}`);
  const fsyncMs = await fsyncProbe();
  log(`disk fdatasync p50 ${fsyncMs.toFixed(3)} ms`);
  const floor = await putFloor(quick ? 400 : 2000);
  log(
    `sequential put floor ${floor.ms.toFixed(3)} ms: loopback round trip ${floor.roundTripMs.toFixed(3)} ms, ` +
      `O_DSYNC write among 3 writers ${floor.writeAmongThreeMs.toFixed(3)} ms inside a preallocated file ` +
      `(${floor.appendAmongThreeMs.toFixed(3)} ms appending)`,
  );
  const pipelined = `${PIPELINED.connections} connections × ${PIPELINED.pipeline} pipelined`;
  // The ceiling is measured before the clusters start and after they stop, and averaged: the
  // machine's load moves during a run, and the rows are measured in between.
  const ceilings: Ceiling[] = [];
  const capacities: Ceiling[] = [];
  const measureCeilings = async (when: string): Promise<void> => {
    const c = await httpCeiling(sizes.ceiling, 64, HTTP_MODE);
    const p = await httpCeiling(sizes.ceilingPipelined, 64, PIPELINED);
    ceilings.push(c);
    capacities.push(p);
    log(
      `HTTP ceiling ${when} (no-op server, same client, 64 in flight): ${c.rate.toFixed(0)} requests/s ` +
        `on 64 connections as the rows run (client CPU ${c.cpuUs.toFixed(1)} µs a request), ` +
        `${p.rate.toFixed(0)} with ${pipelined} (${p.cpuUs.toFixed(1)} µs) (load average ${loadavg()})`,
    );
  };
  await measureCeilings('before');

  const ours = await startOurs(HTTP_MODE);
  const etcd = etcdAvailable() ? await startEtcd(HTTP_MODE) : undefined;
  if (etcd === undefined) log('etcd not installed (/usr/bin/etcd): measuring ours alone');
  let mine: Figures;
  let peer: Figures | undefined;
  let embeddedPuts: number;
  let embeddedGets: number;
  try {
    const targets = etcd === undefined ? [ours] : [etcd, ours];
    const collected = await measureAll(targets, sizes, log);
    mine = figures(collected.get(ours)!);
    if (etcd !== undefined) peer = figures(collected.get(etcd)!);
    log(`ours: embedded API inside the leader process (load average ${loadavg()})`);
    // The leader may be a member restarted by the kill rounds: warm its code up first.
    await ours.embedded('put', sizes.embeddedWarmup, 64);
    await ours.embedded('get', sizes.warmup, 64);
    embeddedPuts = await ours.embedded('put', sizes.embedded, 64);
    embeddedGets = await ours.embedded('get', sizes.gets, 64);
  } finally {
    await ours.close();
    await etcd?.close();
  }

  await measureCeilings('after');
  const ceiling = mean(ceilings.map((c) => c.rate));
  const clientCpuUs = mean(ceilings.map((c) => c.cpuUs));
  const capacity = mean(capacities.map((c) => c.rate));
  const capacityCpuUs = mean(capacities.map((c) => c.cpuUs));
  const highest = Math.max(
    ...[mine, ...(peer === undefined ? [] : [peer])].flatMap((f) => [f.seqRate!, f.c16!, f.c64!, f.gets!]),
  );
  log(`HTTP ceiling ÷ highest HTTP rate: ${(ceiling / highest).toFixed(1)}×`);
  const row = (name: string, key: string, unit: string, higherIsBetter: boolean): BenchResult => ({
    name,
    value: mine[key]!,
    unit,
    higherIsBetter,
    ...(peer === undefined ? {} : { peer: 'etcd 3.4', peerValue: peer[key]! }),
  });
  return [
    row('sequential put p50 (HTTP)', 'seqP50', 'ms', false),
    row('sequential put p99 (HTTP)', 'seqP99', 'ms', false),
    row('sequential puts (HTTP)', 'seqRate', 'puts/s', true),
    row('puts, 16 in flight (HTTP)', 'c16', 'puts/s', true),
    row('puts, 64 in flight (HTTP)', 'c64', 'puts/s', true),
    row('linearizable gets, 64 in flight (HTTP)', 'gets', 'gets/s', true),
    row('change feed p50, after the write is acknowledged', 'feedAck', 'ms', false),
    row('change feed p99, after the write is acknowledged', 'feedAck99', 'ms', false),
    row('change feed p50, from the start of the write', 'feedE2e', 'ms', false),
    row('leader kill -9 → next acknowledged write (median)', 'failover', 'ms', false),
    {
      name: 'puts, 64 in flight (embedded API on the leader, no HTTP)',
      value: embeddedPuts,
      unit: 'puts/s',
      higherIsBetter: true,
    },
    {
      name: 'linearizable gets, 64 in flight (embedded API on the leader)',
      value: embeddedGets,
      unit: 'gets/s',
      higherIsBetter: true,
    },
    { name: 'disk fdatasync p50 (context)', value: fsyncMs, unit: 'ms', higherIsBetter: false },
    {
      name: 'sequential put floor: 2 loopback round trips + 1 O_DSYNC write among 3 writers (context)',
      value: floor.ms,
      unit: 'ms',
      higherIsBetter: false,
    },
    {
      name: 'O_DSYNC write of 300 bytes among 3 writers, inside a preallocated file, p50 (context)',
      value: floor.writeAmongThreeMs,
      unit: 'ms',
      higherIsBetter: false,
    },
    {
      name: 'O_DSYNC append of 300 bytes among 3 writers, growing the file, p50 (context)',
      value: floor.appendAmongThreeMs,
      unit: 'ms',
      higherIsBetter: false,
    },
    {
      name: 'sequential put p50 ÷ the floor',
      value: mine.seqP50! / floor.ms,
      unit: '×',
      higherIsBetter: false,
      ...(peer === undefined ? {} : { peer: 'etcd 3.4', peerValue: peer.seqP50! / floor.ms }),
    },
    {
      name: 'HTTP ceiling: no-op server, same client, 64 in flight, mean of 2 (context)',
      value: ceiling,
      unit: 'requests/s',
      higherIsBetter: true,
    },
    {
      name: 'HTTP ceiling ÷ highest rate of the HTTP rows (context, ≥ 10× wanted)',
      value: ceiling / highest,
      unit: '×',
      higherIsBetter: true,
    },
    {
      name: 'HTTP client CPU per request, against the no-op server (context)',
      value: clientCpuUs,
      unit: 'µs',
      higherIsBetter: false,
    },
    {
      name: `HTTP client capacity, ${pipelined}, no-op server, mean of 2 (context)`,
      value: capacity,
      unit: 'requests/s',
      higherIsBetter: true,
    },
    {
      name: `HTTP client CPU per request, ${pipelined} (context)`,
      value: capacityCpuUs,
      unit: 'µs',
      higherIsBetter: false,
    },
  ];
};

export default suite;
