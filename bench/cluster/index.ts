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
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import type { ClusterNode } from '@superhero-dispatch/runtime/cluster';
import { startNode } from '@superhero-dispatch/runtime/cluster';
import { erlangAvailable } from '../lib/erlang.ts';
import { median, nowNs, percentile, sortedCopy } from '../lib/stats.ts';
import type { BenchResult, Suite } from '../lib/types.ts';

/** One round of ours, with the kill -9 at its end. */
type Killed = Round & { killDetectMs: number; socketClosedMs: number; rssMb: number };

interface Round {
  callP50Us: number;
  callP99Us: number;
  callsPerSec: number;
  calls16PerSec: number;
  castsPerSec: number;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BUILD_DIR = join(ROOT, '.tmp', 'bench-cluster');

/**
 * Compiles the server with `tsc` (as a deployment runs compiled JavaScript) and returns the
 * script to run. Running it through the `tsx` loader instead adds a loader thread and ~30 MB of
 * resident memory, which the kernel unmaps before it closes the sockets of a killed process:
 * that alone would add ~3 ms to the kill -9 figure.
 */
function buildServer(): string {
  rmSync(BUILD_DIR, { recursive: true, force: true });
  mkdirSync(BUILD_DIR, { recursive: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  // As `npm run build`: the runtime into packages/runtime/dist, which the compiled server's
  // imports of '@superhero-dispatch/runtime/…' reach through node_modules; then the server,
  // against the runtime's declarations (`paths` cleared).
  execFileSync(process.execPath, [tsc, '-p', join(ROOT, 'packages', 'runtime', 'tsconfig.json')], {
    stdio: 'inherit',
  });
  writeFileSync(
    join(BUILD_DIR, 'tsconfig.json'),
    JSON.stringify({
      extends: '../../tsconfig.json',
      compilerOptions: {
        noEmit: false,
        outDir: '.',
        rootDir: '../..',
        declaration: false,
        sourceMap: false,
        paths: {},
      },
      files: ['../../bench/cluster/server.ts'],
      include: [],
    }),
  );
  execFileSync(process.execPath, [tsc, '-p', join(BUILD_DIR, 'tsconfig.json')], { stdio: 'inherit' });
  return join(BUILD_DIR, 'bench', 'cluster', 'server.js');
}

/** Resident memory of a process, MB (Linux; NaN elsewhere). */
function residentMb(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? Number.NaN : Number(kb) / 1024;
  } catch {
    return Number.NaN;
  }
}

async function startServer(
  script: string,
): Promise<{ name: string; port: number; pid: number; kill: () => void }> {
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve) =>
    child.stdout.once('data', (d: Buffer) => resolve(d.toString())),
  );
  const info = JSON.parse(line) as { name: string; port: number };
  return { ...info, pid: child.pid ?? 0, kill: () => child.kill('SIGKILL') };
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
  if (code !== 0) throw new Error(`peer.escript exited with ${code}: ${(err + out).trim()}`);
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
 * node, a warm-up, the workload, then kill -9 of the server and the time until the client sees
 * the node down.
 */
async function ourRound(script: string, calls: number, casts: number): Promise<Killed> {
  const server = await startServer(script);
  try {
    const client = await startNode({
      name: 'benchclient',
      cookie: 'bench-cluster-cookie',
      seeds: [{ host: '127.0.0.1', port: server.port }],
    });
    try {
      await client.waitForPeer(server.name);
      // Warm-up: both processes are fresh, and V8 optimises the call path only after some
      // thousands of calls (BEAM needs none; its script warms up with 5 000 calls).
      const echo = { name: 'echo', node: server.name };
      for (let i = 0; i < 20_000; i++) await client.system.call(echo, 'ping');
      for (let i = 0; i < 20_000; i++) client.system.cast(echo, 'warm-up');
      await client.system.call(echo, 'count', 60_000);
      const round = await workload(client, server.name, calls, casts);
      // A bare TCP connection to the server shows when the kernel closes the killed process's
      // sockets: the floor under any detector's figure.
      const bystander = net.connect({ host: '127.0.0.1', port: server.port });
      bystander.on('error', () => undefined);
      await new Promise((resolve) => bystander.once('connect', resolve));
      const rssMb = residentMb(server.pid);
      const t0 = nowNs();
      const down = new Promise<number>((resolve) => client.onNodeDown(() => resolve((nowNs() - t0) / 1e6)));
      // The first sign that its far end is gone (EOF or a reset): 'close' comes later still.
      const closed = new Promise<number>((resolve) => {
        const seen = () => resolve((nowNs() - t0) / 1e6);
        bystander.once('end', seen);
        bystander.once('error', seen);
        bystander.once('close', seen);
      });
      server.kill();
      return { ...round, killDetectMs: await down, socketClosedMs: await closed, rssMb };
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
  log('compiling the server process with tsc');
  const script = buildServer();
  const ours: Array<Killed> = [];
  const erlang: Array<Record<string, number>> = [];
  for (let r = 1; r <= rounds; r++) {
    log(`round ${r}/${rounds}: ours (${calls} calls, 16 callers, ${casts} casts, kill -9)`);
    const round = await ourRound(script, calls, casts);
    log(
      `  kill -9: node down after ${round.killDetectMs.toFixed(2)} ms, a bare socket closed after ` +
        `${round.socketClosedMs.toFixed(2)} ms; the server was resident at ${round.rssMb.toFixed(0)} MB`,
    );
    ours.push(round);
    if (withErlang) {
      log(`round ${r}/${rounds}: the same on Erlang/OTP distribution`);
      try {
        erlang.push(await erlangRound(calls, casts));
      } catch (err) {
        // The peer's script gives up on a call after 5 s; on a loaded machine that happens.
        log(`Erlang round failed, retrying once: ${String(err).split('\n')[0]}`);
        erlang.push(await erlangRound(calls, casts));
      }
    }
  }
  const peer = erlang.length > 0 ? 'Erlang/OTP distribution' : undefined;
  const ourMedian = (key: keyof Round | 'killDetectMs' | 'socketClosedMs') =>
    median(ours.map((round) => round[key]));
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
    {
      name: 'kill -9: the kernel closes its sockets (floor)',
      value: ourMedian('socketClosedMs'),
      unit: 'ms',
    },
  ];
};

export default suite;
