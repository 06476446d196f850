/**
 * bench/cluster: between two node processes on loopback — sequential remote call latency and
 * calls/s, calls/s with 16 concurrent callers, casts/s with 100-byte payloads, and the time from
 * kill -9 of the other process to node-down — with the same workload on Erlang distribution when
 * `escript` is installed.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startNode } from '../../src/cluster/node.ts';
import { runEscript } from '../lib/erlang.ts';
import { nowNs, percentile, sortedCopy } from '../lib/stats.ts';
import type { BenchResult, Suite } from '../lib/types.ts';

async function startServer(): Promise<{ name: string; port: number; kill: () => void; pid: number }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('./server.ts', import.meta.url))],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const line = await new Promise<string>((resolve) =>
    child.stdout.once('data', (d: Buffer) => resolve(d.toString())),
  );
  const info = JSON.parse(line) as { name: string; port: number };
  return { ...info, kill: () => child.kill('SIGKILL'), pid: child.pid as number };
}

const suite: Suite = async ({ quick, log }) => {
  const calls = quick ? 20_000 : 100_000;
  const casts = quick ? 200_000 : 1_000_000;
  const server = await startServer();
  const client = await startNode({
    name: 'benchclient',
    cookie: 'bench',
    seeds: [{ host: '127.0.0.1', port: server.port }],
  });
  await client.waitForPeer(server.name);
  const echo = { name: 'echo', node: server.name };
  const sys = client.system;
  for (let i = 0; i < 5000; i++) await sys.call(echo, 'ping');
  log('sequential calls');
  const samples = new Float64Array(calls);
  for (let i = 0; i < calls; i++) {
    const t0 = nowNs();
    await sys.call(echo, 'ping');
    samples[i] = nowNs() - t0;
  }
  const sorted = sortedCopy(samples);
  let t = nowNs();
  for (let i = 0; i < calls; i++) await sys.call(echo, 'ping');
  const seq = calls / ((nowNs() - t) / 1e9);
  log('16 concurrent callers');
  const per = Math.floor(calls / 16);
  t = nowNs();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let i = 0; i < per; i++) await sys.call(echo, 'ping');
    }),
  );
  const conc = (per * 16) / ((nowNs() - t) / 1e9);
  log('casts with 100-byte payloads');
  const payload = 'x'.repeat(100);
  t = nowNs();
  for (let i = 0; i < casts; i++) {
    sys.cast(echo, payload);
    if (i % 10_000 === 0) await new Promise((r) => setImmediate(r));
  }
  await sys.call(echo, 'count', 60_000);
  const castRate = casts / ((nowNs() - t) / 1e9);
  log('kill -9 detection');
  const down = new Promise<number>((resolve) => {
    const t0 = nowNs();
    client.onNodeDown(() => resolve((nowNs() - t0) / 1e6));
  });
  server.kill();
  const detectMs = await down;
  await client.stop();
  log('running the same workload on Erlang/OTP distribution (if installed)');
  const erl = runEscript('cluster/peer.escript', [String(calls), String(casts)]);
  const peer = erl ? 'Erlang/OTP distribution' : undefined;
  const p = (r: BenchResult, v: number | undefined): BenchResult =>
    peer && v !== undefined ? { ...r, peer, peerValue: v } : r;
  return [
    p({ name: 'remote call p50', value: percentile(sorted, 50) / 1000, unit: 'µs' }, erl?.callP50Us),
    p({ name: 'remote call p99', value: percentile(sorted, 99) / 1000, unit: 'µs' }, erl?.callP99Us),
    p(
      { name: 'sequential remote calls', value: seq, unit: 'calls/s', higherIsBetter: true },
      erl?.callsPerSec,
    ),
    p(
      { name: 'remote calls, 16 callers', value: conc, unit: 'calls/s', higherIsBetter: true },
      erl?.calls16PerSec,
    ),
    p(
      { name: 'casts, 100-byte payload', value: castRate, unit: 'msgs/s', higherIsBetter: true },
      erl?.castsPerSec,
    ),
    p({ name: 'kill -9 detected', value: detectMs, unit: 'ms' }, erl?.killDetectMs),
  ];
};

export default suite;
