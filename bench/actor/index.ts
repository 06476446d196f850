/**
 * bench/actor: sequential local call latency and throughput, casts processed per second, spawn rate,
 * and memory per idle actor at 100k and 1M actors — with the same workload on Erlang/OTP's
 * gen_server when `escript` is installed.
 */
import type { Behaviour, CallResult, Pid } from '@superhero-dispatch/runtime/actor';
import { ActorSystem } from '@superhero-dispatch/runtime/actor';
import { runEscript } from '../lib/erlang.ts';
import { gc, nowNs, percentile, sortedCopy } from '../lib/stats.ts';
import type { BenchResult, Suite } from '../lib/types.ts';

type Msg = { t: 'inc'; by: number } | { t: 'get' };
const counter: Behaviour<number, number, Msg, number, Msg> = {
  init: (n) => n,
  handleCall: (msg, _from, state): CallResult<number, number> =>
    msg.t === 'inc' ? { reply: state + msg.by, state: state + msg.by } : { reply: state, state },
  handleCast: (msg, state) => (msg.t === 'inc' ? state + msg.by : state),
};
const INC: Msg = { t: 'inc', by: 1 };
const GET: Msg = { t: 'get' };

async function callLatency(system: ActorSystem, pid: Pid, n: number): Promise<{ p50: number; p99: number }> {
  const samples = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = nowNs();
    await system.call(pid, INC);
    samples[i] = nowNs() - t0;
  }
  const s = sortedCopy(samples);
  return { p50: percentile(s, 50) / 1000, p99: percentile(s, 99) / 1000 };
}

async function callRate(system: ActorSystem, pid: Pid, n: number): Promise<number> {
  const t0 = nowNs();
  for (let i = 0; i < n; i++) await system.call(pid, INC);
  return n / ((nowNs() - t0) / 1e9);
}

async function castRate(system: ActorSystem, pid: Pid, n: number): Promise<number> {
  const t0 = nowNs();
  for (let i = 0; i < n; i++) system.cast(pid, INC);
  await system.call(pid, GET, Number.POSITIVE_INFINITY);
  return n / ((nowNs() - t0) / 1e9);
}

async function spawnRate(n: number): Promise<number> {
  const system = new ActorSystem();
  const t0 = nowNs();
  for (let i = 0; i < n; i++) await system.spawn(counter, 0);
  const rate = n / ((nowNs() - t0) / 1e9);
  system.shutdownNow();
  return rate;
}

async function bytesPerIdle(n: number): Promise<number> {
  const system = new ActorSystem();
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < n; i++) await system.spawn(counter, 0);
  gc();
  const after = process.memoryUsage().heapUsed;
  const per = (after - before) / n;
  system.shutdownNow();
  return per;
}

const suite: Suite = async ({ quick, log }) => {
  const calls = quick ? 200_000 : 1_000_000;
  const casts = quick ? 1_000_000 : 5_000_000;
  const spawns = quick ? 100_000 : 500_000;
  const system = new ActorSystem();
  const pid = await system.spawn(counter, 0);
  await callRate(system, pid, 50_000); // warm-up
  log('measuring calls');
  const lat = await callLatency(system, pid, calls);
  const rate = await callRate(system, pid, calls);
  log('measuring casts');
  const cast = await castRate(system, pid, casts);
  log('measuring spawns');
  const spawn = await spawnRate(spawns);
  log('measuring memory per idle actor');
  const mem100k = await bytesPerIdle(100_000);
  const mem1m = quick ? undefined : await bytesPerIdle(1_000_000);
  log('running the same workload on Erlang/OTP (if installed)');
  const erl = runEscript('actor/peer.escript', [String(calls), String(casts), String(spawns), '100000']);
  const peer = erl ? 'Erlang/OTP gen_server' : undefined;
  const withPeer = (r: BenchResult, v: number | undefined): BenchResult =>
    peer && v !== undefined ? { ...r, peer, peerValue: v } : r;
  const results: BenchResult[] = [
    withPeer({ name: 'sequential call p50', value: lat.p50, unit: 'µs' }, erl?.callP50Us),
    withPeer({ name: 'sequential call p99', value: lat.p99, unit: 'µs' }, erl?.callP99Us),
    withPeer(
      { name: 'sequential calls', value: rate, unit: 'calls/s', higherIsBetter: true },
      erl?.callsPerSec,
    ),
    withPeer(
      { name: 'casts processed', value: cast, unit: 'msgs/s', higherIsBetter: true },
      erl?.castsPerSec,
    ),
    withPeer({ name: 'spawn rate', value: spawn, unit: 'actors/s', higherIsBetter: true }, erl?.spawnsPerSec),
    withPeer({ name: 'memory per idle actor (100k)', value: mem100k, unit: 'bytes' }, erl?.bytesPerIdle),
  ];
  if (mem1m !== undefined) results.push({ name: 'memory per idle actor (1M)', value: mem1m, unit: 'bytes' });
  system.shutdownNow();
  return results;
};

export default suite;
