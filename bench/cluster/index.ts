/**
 * bench/cluster: between two node processes on loopback — sequential remote call latency and
 * calls/s, calls/s with 16 concurrent callers, casts/s with 100-byte payloads, and the time from
 * kill -9 of the other process to node-down — with the same workload on Erlang distribution when
 * `escript` is installed.
 *
 * Rounds alternate between the two systems (ours, Erlang, ours, Erlang, …), each round starting
 * its own server process as the Erlang script does, and every figure is the median over the
 * rounds, so both see the same machine: on a shared machine the load (and, when it is idle, the
 * cost of waking a sleeping CPU) changes loopback latency several-fold within a minute, far more
 * than either system's own cost. The kill -9 figure is mostly the kernel tearing the killed
 * process down (it closes the sockets after unmapping the memory), so it grows with the
 * server's resident size.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startNode } from '../../src/cluster/node.ts';
import type { ClusterNode } from '../../src/cluster/node.ts';
import { erlangAvailable } from '../lib/erlang.ts';
import { median, nowNs, percentile, sortedCopy } from '../lib/stats.ts';
import type { BenchResult, Suite } from '../lib/types.ts';

interface Round {
  callP50Us: number;
  callP99Us: number;
  callsPerSec: number;
  calls16PerSec: number;
  castsPerSec: number;
}

async function startServer(): Promise<{ name: string; port: number; kill: () => void }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('./server.ts', import.meta.url))],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const line = await new Promise<string>((resolve) =>
    child.stdout.once('data', (d: Buffer) => resolve(d.toString())),
  );
  const info = JSON.parse(line) as { name: string; port: number };
  return { ...info, kill: () => child.kill('SIGKILL') };
}

/**
 * Runs the Erlang workload without blocking this process: our client node must keep answering
 * heartbeats meanwhile, or its peer rightly declares it down.
 */
async function erlangRound(calls: number, casts: number): Promise<Record<string, number>> {
  const script = fileURLToPath(new URL('./peer.escript', import.meta.url));
  const child = spawn('escript', [script, String(calls), String(casts)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`peer.escript exited with ${code}: ${err.trim()}`);
  return JSON.parse(out.trim().split('\n').pop() ?? '{}') as Record<string, number>;
}

async function workload(client: ClusterNode, server: string, calls: number, casts: number): Promise<Round> {
  const echo = { name: 'echo', node: server };
  const sys = client.system;
  const samples = new Float64Array(calls);
  for (let i = 0; i < calls; i++) {
    const t0 = nowNs();
    await sys.call(echo, 'ping');
    samples[i] = nowNs() - t0;
  }
  const sorted = sortedCopy(samples);
  let t = nowNs();
  for (let i = 0; i < calls; i++) await sys.call(echo, 'ping');
  const callsPerSec = calls / ((nowNs() - t) / 1e9);
  const per = Math.floor(calls / 16);
  t = nowNs();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let i = 0; i < per; i++) await sys.call(echo, 'ping');
    }),
  );
  const calls16PerSec = (per * 16) / ((nowNs() - t) / 1e9);
  const payload = 'x'.repeat(100);
  t = nowNs();
  for (let i = 0; i < casts; i++) {
    sys.cast(echo, payload);
    if (i % 10_000 === 0) await new Promise((r) => setImmediate(r));
  }
  await sys.call(echo, 'count', 60_000);
  const castsPerSec = casts / ((nowNs() - t) / 1e9);
  return {
    callP50Us: percentile(sorted, 50) / 1000,
    callP99Us: percentile(sorted, 99) / 1000,
    callsPerSec,
    calls16PerSec,
    castsPerSec,
  };
}

/**
 * One round of ours, self-contained like the Erlang script's: a fresh server process, a client
 * node, 5 000 warm-up calls, the workload, then kill -9 of the server and the time until the
 * client sees the node down.
 */
async function ourRound(calls: number, casts: number): Promise<Round & { killDetectMs: number }> {
  const server = await startServer();
  try {
    const client = await startNode({
      name: 'benchclient',
      cookie: 'bench',
      seeds: [{ host: '127.0.0.1', port: server.port }],
    });
    try {
      await client.waitForPeer(server.name);
      for (let i = 0; i < 5000; i++) await client.system.call({ name: 'echo', node: server.name }, 'ping');
      const round = await workload(client, server.name, calls, casts);
      const down = new Promise<number>((resolve) => {
        const t0 = nowNs();
        client.onNodeDown(() => resolve((nowNs() - t0) / 1e6));
      });
      server.kill();
      return { ...round, killDetectMs: await down };
    } finally {
      await client.stop();
    }
  } finally {
    server.kill();
  }
}

const suite: Suite = async ({ quick, log }) => {
  const rounds = quick ? 3 : 5;
  const calls = quick ? 10_000 : 40_000;
  const casts = quick ? 100_000 : 400_000;
  const withErlang = erlangAvailable();
  const ours: Array<Round & { killDetectMs: number }> = [];
  const erlang: Array<Record<string, number>> = [];
  for (let r = 1; r <= rounds; r++) {
    log(`round ${r}/${rounds}: ours (${calls} calls, 16 callers, ${casts} casts, kill -9)`);
    ours.push(await ourRound(calls, casts));
    if (withErlang) {
      log(`round ${r}/${rounds}: the same on Erlang/OTP distribution`);
      erlang.push(await erlangRound(calls, casts));
    }
  }
  const peer = erlang.length > 0 ? 'Erlang/OTP distribution' : undefined;
  const ourMedian = (key: keyof Round | 'killDetectMs') => median(ours.map((round) => round[key]));
  const peerMedian = (key: string) =>
    erlang.length > 0 ? median(erlang.map((round) => round[key] ?? Number.NaN)) : undefined;
  const p = (r: BenchResult, v: number | undefined): BenchResult =>
    peer && v !== undefined ? { ...r, peer, peerValue: v } : r;
  return [
    p({ name: 'remote call p50', value: ourMedian('callP50Us'), unit: 'µs' }, peerMedian('callP50Us')),
    p({ name: 'remote call p99', value: ourMedian('callP99Us'), unit: 'µs' }, peerMedian('callP99Us')),
    p(
      {
        name: 'sequential remote calls',
        value: ourMedian('callsPerSec'),
        unit: 'calls/s',
        higherIsBetter: true,
      },
      peerMedian('callsPerSec'),
    ),
    p(
      {
        name: 'remote calls, 16 callers',
        value: ourMedian('calls16PerSec'),
        unit: 'calls/s',
        higherIsBetter: true,
      },
      peerMedian('calls16PerSec'),
    ),
    p(
      {
        name: 'casts, 100-byte payload',
        value: ourMedian('castsPerSec'),
        unit: 'msgs/s',
        higherIsBetter: true,
      },
      peerMedian('castsPerSec'),
    ),
    p({ name: 'kill -9 detected', value: ourMedian('killDetectMs'), unit: 'ms' }, peerMedian('killDetectMs')),
  ];
};

export default suite;
