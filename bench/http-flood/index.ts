/**
 * bench/http-flood: a real dispatch node (`superhero node`, crdt store, 300 heroes, its own
 * process) under 5,000 attempts to open the page's event stream, from 20 loopback addresses with
 * 500 in flight (`packages/runtime/src/testing/flood/stream-flood-worker.ts`, a process of its own), while this process
 * asks `/livez` on the web port and on the probe listener (`--probe-port`), each probe on a new
 * connection as kubelet does, and reads the node's RSS from `/proc`.
 *
 * ```sh
 * npm run bench -- http-flood          # warm-up flood, then the measured flood; about a minute
 * npm run bench -- http-flood --quick  # the same: the flood is the workload, not a knob
 * ```
 *
 * Reported: `/livez` p50 / p99 / max during the flood on each port (the probe listener's is what
 * a liveness probe sees), the same idle for reference, the node's RSS before and at its peak, and
 * the flood's outcomes. Bounded: each probe has a 10 s hang guard (a probe past it counts as
 * failed and is reported), the flood's attempts 60 s each, and the node start 60 s.
 *
 * When not to use: for the cost of normal traffic (`bench/dispatch`). The three processes share
 * the machine's cores: figures move with whatever else runs (the load average is printed).
 */
import { fork } from 'node:child_process';
import { loadavg } from 'node:os';
import type { BenchResult, Suite } from '../lib/types.ts';
import { percentile, sortedCopy } from '../lib/stats.ts';
import { apiRequest } from '../dispatch/api.ts';
import { startBenchCluster } from '../dispatch/cluster.ts';
import { readProcStat } from '../dispatch/proc-stat.ts';
import type { ProbeSampler, ProbeSamples, StreamFloodOptions } from '@superhero-dispatch/runtime/testing';
import { freePort, sampleProbe, STREAM_FLOOD_WORKER } from '@superhero-dispatch/runtime/testing';

const HEROES = 300;
const ATTEMPTS = 5000;
const CLIENTS = 20;
const IN_FLIGHT = 500;
/** Hang guard of one probe, ms. */
const PROBE_GUARD_MS = 10_000;
/** Idle probing before the flood, for reference, ms. */
const IDLE_MS = 3_000;

interface FloodResult {
  readonly outcomes: Record<string, number>;
  readonly ms: number;
}

/** Runs one flood in its own process (`started` as it begins); resolves once every attempt is answered. */
async function flood(options: StreamFloodOptions, started: () => void = () => {}): Promise<FloodResult> {
  const child = fork(STREAM_FLOOD_WORKER, [JSON.stringify(options)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const gone = new Promise((r) => child.once('exit', r));
  try {
    return await new Promise<FloodResult>((resolve, reject) => {
      child.on('message', (m: { started?: boolean; flooded?: FloodResult }) => {
        if (m.started === true) started();
        if (m.flooded !== undefined) resolve(m.flooded);
      });
      child.once('exit', (code) => reject(new Error(`the flood exited (${code}) before it was done`)));
    });
  } finally {
    if (child.connected) child.send('release');
    else if (child.exitCode === null) child.kill('SIGKILL');
    await gone;
  }
}

function figures(label: string, samples: ProbeSamples, log: (l: string) => void): BenchResult[] {
  const sorted = sortedCopy(samples.ms);
  const fmt = (p: number): string => percentile(sorted, p).toFixed(1);
  log(
    `${label}: ${sorted.length} probes, p50 ${fmt(50)} ms, p99 ${fmt(99)} ms, max ${fmt(100)} ms` +
      (samples.failures.length > 0 ? `; ${samples.failures.length} failed: ${samples.failures[0]}` : ''),
  );
  return [
    { name: `${label} p50`, value: percentile(sorted, 50), unit: 'ms', higherIsBetter: false },
    { name: `${label} p99`, value: percentile(sorted, 99), unit: 'ms', higherIsBetter: false },
    { name: `${label} max`, value: percentile(sorted, 100), unit: 'ms', higherIsBetter: false },
    { name: `${label} failed`, value: samples.failures.length, unit: 'probes', higherIsBetter: false },
  ];
}

const suite: Suite = async ({ log }) => {
  const probePort = await freePort();
  const cluster = await startBenchCluster({
    names: ['gotham'],
    store: 'crdt',
    extraArgs: () => ['--probe-port', String(probePort)],
  });
  try {
    const node = cluster.nodes[0];
    if (node === undefined) throw new Error('no node started');
    const web = `http://127.0.0.1:${node.webPort}/livez`;
    const probes = `http://127.0.0.1:${probePort}/livez`;
    for (let i = 0; i < HEROES; i += 20) {
      await Promise.all(
        Array.from({ length: 20 }, () => apiRequest(node.webPort, 'POST', '/api/heroes', {})),
      );
    }
    // Warm-up: the stream, refusal and snapshot paths compiled before anything is measured.
    const warm = await flood({
      port: node.webPort,
      attempts: 500,
      clients: CLIENTS,
      inFlight: 100,
      subnet: 2,
    });
    log(`warm-up: ${JSON.stringify(warm.outcomes)}`);
    await new Promise((r) => setTimeout(r, 1000));

    const idleWeb = sampleProbe(web, { guardMs: PROBE_GUARD_MS });
    const idleProbe = sampleProbe(probes, { guardMs: PROBE_GUARD_MS });
    await new Promise((r) => setTimeout(r, IDLE_MS));
    const [idleW, idleP] = await Promise.all([idleWeb.stop(), idleProbe.stop()]);
    const rssBefore = readProcStat(node.pid)?.rssBytes ?? NaN;

    let peak = rssBefore;
    const rssTimer = setInterval(() => (peak = Math.max(peak, readProcStat(node.pid)?.rssBytes ?? NaN)), 100);
    const load = loadavg()[0] ?? NaN;
    const samplers: ProbeSampler[] = [];
    const result = await flood(
      { port: node.webPort, attempts: ATTEMPTS, clients: CLIENTS, inFlight: IN_FLIGHT },
      () =>
        samplers.push(
          sampleProbe(web, { guardMs: PROBE_GUARD_MS }),
          sampleProbe(probes, { guardMs: PROBE_GUARD_MS }),
        ),
    );
    const [duringW, duringP] = await Promise.all(samplers.map((s) => s.stop()));
    if (duringW === undefined || duringP === undefined) throw new Error('the flood never said it started');
    clearInterval(rssTimer);
    peak = Math.max(peak, readProcStat(node.pid)?.rssBytes ?? NaN);

    log(
      `flood: ${ATTEMPTS} attempts from ${CLIENTS} clients, ${IN_FLIGHT} in flight, in ${Math.round(result.ms)} ms: ${JSON.stringify(result.outcomes)} (load average ${load.toFixed(1)})`,
    );
    const mib = (b: number): number => b / 2 ** 20;
    log(`node RSS: ${mib(rssBefore).toFixed(0)} MiB before the flood, peak ${mib(peak).toFixed(0)} MiB`);
    return [
      ...figures('/livez, probe listener, flood', duringP, log),
      ...figures('/livez, web port, flood', duringW, log),
      ...figures('/livez, probe listener, idle', idleP, log),
      ...figures('/livez, web port, idle', idleW, log),
      { name: 'node RSS before the flood', value: mib(rssBefore), unit: 'MiB', higherIsBetter: false },
      { name: 'node RSS peak during the flood', value: mib(peak), unit: 'MiB', higherIsBetter: false },
      { name: 'streams granted', value: result.outcomes['200'] ?? 0, unit: 'streams', higherIsBetter: false },
    ];
  } finally {
    await cluster.stop();
  }
};

export default suite;
