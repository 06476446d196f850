/**
 * Measurements of a replication protocol in the CRDT simulator, for benchmarks and docs (not for
 * timed tests): convergence time after a write, bytes per update per peer, and idle
 * anti-entropy traffic. All figures are in simulated time and MessagePack-encoded bytes, so they
 * are deterministic for a seed and independent of the machine.
 *
 * Example:
 * ```ts
 * measureConvergence(deltaProtocol(), { replicas: 50, writes: 200, seed: 1 });
 * // { p50: 1.4, p99: 2.0, max: 2.1, pending: 0 }   (ms)
 * measureUpdateBytes(deltaProtocol(), { records: 10_000, updates: 200, seed: 1 });
 * measureIdleBytes(deltaProtocol(), { replicas: 50, records: 1000, seconds: 30, seed: 1 });
 * ```
 *
 * API: `measureConvergence`, `measureUpdateBytes`, `measureIdleBytes`, `heroRecord`,
 * `percentile`.
 *
 * When not to use: these do not measure CPU time or real network latency; the simulated
 * latency is an input (`network.latencyMs`).
 */
import type { SimProtocol } from './adapters.ts';
import { CrdtSim } from './simulator.ts';
import type { NetworkOptions } from './network.ts';
import { SimRandom } from '../sim/index.ts';

/** A record shaped like the app's hero (~150 B as JSON). */
export function heroRecord(rng: SimRandom, id: string): Record<string, unknown> {
  return {
    id,
    name: `Captain ${rng.pick(['Nova', 'Bolt', 'Echo', 'Flux', 'Onyx'])}`,
    location: rng.pick(['home', 'gotham', 'metropolis', 'capitol']),
    node: `n${rng.int(0, 50)}`,
    isPatrolling: rng.chance(0.5),
    health: rng.int(1, 101),
    fightsWon: rng.int(0, 501),
    fightsLost: rng.int(0, 501),
    updatedAt: 1_700_000_000_000 + rng.int(0, 1e9 + 1),
  };
}

function uuid(rng: SimRandom): string {
  const hex = (n: number): string =>
    Array.from({ length: n }, () => '0123456789abcdef'[rng.int(0, 16)]).join('');
  return `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
}

/** Replica ids like `n3#1732242342123`: incarnations are start times in ms in practice. */
const REALISTIC_INCARNATION = 1_732_242_342_000;

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/**
 * Time from a write until every replica has it, over `writes` writes spaced `gapMs` apart (so
 * they do not coalesce), from rotating writers. `network` defaults to 0.2..2 ms latency.
 */
export function measureConvergence(
  protocol: SimProtocol,
  o: {
    replicas: number;
    writes: number;
    seed: number;
    gapMs?: number;
    network?: NetworkOptions;
    maxWaitMs?: number;
  },
): { p50: number; p99: number; max: number; pending: number } {
  const rng = new SimRandom(o.seed);
  const sim = new CrdtSim({ seed: o.seed, replicas: o.replicas, network: o.network ?? {} }, protocol);
  sim.runFor(3000); // membership and bootstrap settle
  for (let i = 0; i < o.writes; i++) {
    const node = sim.nodes[i % sim.nodes.length]!;
    const id = uuid(rng);
    sim.track(sim.put(node, id, heroRecord(rng, id)));
    sim.runFor(o.gapMs ?? 50);
  }
  sim.runUntil(() => sim.latencies().pending === 0, o.maxWaitMs ?? 600_000, 50);
  const done = [...sim.latencies().done].sort((a, b) => a - b);
  return {
    p50: percentile(done, 50),
    p99: percentile(done, 99),
    max: done.at(-1) ?? NaN,
    pending: sim.latencies().pending,
  };
}

/**
 * Bytes sent per update per receiving peer, with `records` records in the map: first the map is
 * filled and settled, then `updates` overwrites of random records are made one at a time.
 */
export function measureUpdateBytes(
  protocol: SimProtocol,
  o: { records: number; updates: number; seed: number; replicas?: number },
): { bytesPerUpdatePerPeer: number; recordBytes: number; keyBytes: number; byType: Record<string, number> } {
  const rng = new SimRandom(o.seed);
  const replicas = o.replicas ?? 3;
  const sim = new CrdtSim(
    { seed: o.seed, replicas, measureBytes: true, incarnationBase: REALISTIC_INCARNATION },
    protocol,
  );
  const ids: string[] = [];
  for (let i = 0; i < o.records; i++) {
    const id = uuid(rng);
    ids.push(id);
    sim.put(sim.nodes[i % replicas]!, id, heroRecord(rng, id));
    if (i % 500 === 499) sim.runFor(10);
  }
  sim.runUntil(() => sim.converged(), 600_000, 100);
  sim.runFor(1500);
  sim.resetStats();
  let recordBytes = 0;
  for (let i = 0; i < o.updates; i++) {
    const id = rng.pick(ids);
    const record = heroRecord(rng, id);
    recordBytes += JSON.stringify(record).length;
    sim.put(sim.nodes[i % replicas]!, id, record);
    sim.runFor(20);
  }
  // Only the update traffic itself: anti-entropy summaries are idle cost, measured separately.
  const pushes = sim.stats.byType.get('deltas') ?? sim.stats.byType.get('baselineState');
  const byType: Record<string, number> = {};
  for (const [type, v] of sim.stats.byType) byType[type] = v.bytes;
  return {
    bytesPerUpdatePerPeer: (pushes?.bytes ?? 0) / o.updates / (replicas - 1),
    recordBytes: recordBytes / o.updates,
    keyBytes: 36,
    byType,
  };
}

/** Bytes per second per replica when nothing is written, after the map has settled. */
export function measureIdleBytes(
  protocol: SimProtocol,
  o: { replicas: number; records: number; seconds: number; seed: number },
): { bytesPerSecondPerReplica: number; messagesPerSecondPerReplica: number } {
  const rng = new SimRandom(o.seed);
  const sim = new CrdtSim(
    { seed: o.seed, replicas: o.replicas, measureBytes: true, incarnationBase: REALISTIC_INCARNATION },
    protocol,
  );
  for (let i = 0; i < o.records; i++) {
    const id = uuid(rng);
    sim.put(sim.nodes[i % o.replicas]!, id, heroRecord(rng, id));
    if (i % 500 === 499) sim.runFor(10);
  }
  sim.runUntil(() => sim.converged(), 600_000, 100);
  sim.runFor(3000);
  sim.resetStats();
  sim.runFor(o.seconds * 1000);
  return {
    bytesPerSecondPerReplica: sim.stats.bytes / o.seconds / o.replicas,
    messagesPerSecondPerReplica: sim.stats.messages / o.seconds / o.replicas,
  };
}
