import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CrdtSim,
  deltaProtocol,
  type DeltaSimReplica,
  seedFromEnv,
} from '../../packages/runtime/src/testing/crdt-sim/index.ts';
import { SimRandom } from '../../packages/runtime/src/testing/sim/index.ts';
import { WriteOracle } from './oracle.ts';

// Seeded whole-cluster runs: a steady write load while partitions come and go, nodes crash and
// restart empty, clocks are skewed, and the network drops, duplicates and reorders. After the
// faults stop, every replica must converge to exactly what the write history implies. A failure
// names its seed; `CRDT_SIM_SEED=<n>` replays that run alone.

interface Scenario {
  readonly replicas: number;
  readonly keys: number;
  readonly writeEveryMs: number;
  readonly faultyMs: number;
  readonly skewMs: number;
  /** Clock of node n0 this far ahead (beyond the HLC drift bound when > 60 s). */
  readonly fastClockMs: number;
}

function runScenario(
  seed: number,
  s: Scenario,
): { healMs: number; lost: number; writes: number; drift: number } {
  const where = `CRDT_SIM_SEED=${seed}`;
  const rng = new SimRandom(seed ^ 0x5eed);
  const skews = Array.from({ length: s.replicas }, (_, i) =>
    i === 0 ? s.fastClockMs : rng.between(-s.skewMs, s.skewMs),
  );
  const sim = new CrdtSim(
    {
      seed,
      replicas: s.replicas,
      clockSkewMs: skews,
      detectMs: 300,
      network: { dropRate: 0.05, duplicateRate: 0.02, reorderRate: 0.1, reorderDelayMs: 80 },
    },
    deltaProtocol({ logPerOrigin: 256, maxSnapshotKeys: 100, buckets: 64 }),
  );
  let drift = 0;
  sim.onEffect((_node, _id, effect) => {
    if (effect.type === 'clockDrift') drift++;
  });
  const oracle = new WriteOracle(sim);
  let writes = 0;
  const write = (): void => {
    const node = rng.pick(sim.nodes);
    const key = `hero-${rng.int(0, s.keys)}`;
    if (rng.chance(0.2)) oracle.delete(node, key);
    else oracle.put(node, key, { health: rng.int(0, 101), at: sim.now });
    writes++;
  };
  const fault = (): void => {
    const roll = rng.next();
    if (roll < 0.4) {
      const cut = sim.nodes.filter(() => rng.chance(0.4));
      if (cut.length > 0 && cut.length < sim.nodes.length)
        sim.partition([cut, sim.nodes.filter((n) => !cut.includes(n))]);
    } else if (roll < 0.7) {
      sim.heal();
    } else {
      sim.restart(rng.pick(sim.nodes), rng.int(0, 1001));
    }
  };
  let nextFault = rng.int(500, 2001);
  for (let t = 0; t < s.faultyMs; t += s.writeEveryMs) {
    write();
    if (t >= nextFault) {
      fault();
      nextFault = t + rng.int(500, 2501);
    }
    sim.runFor(s.writeEveryMs);
    if (t % 250 < s.writeEveryMs) oracle.checkNoResurrection(where);
  }
  for (const n of sim.nodes) sim.start(n);
  sim.heal();
  sim.network.options = { ...sim.network.options, dropRate: 0, duplicateRate: 0 };
  const healMs = sim.runUntil(
    () => {
      oracle.checkNoResurrection(where);
      return sim.converged();
    },
    30_000,
    100,
  );
  assert.ok(healMs !== undefined, `${where}: no convergence within 30 s after the faults stopped`);
  assert.ok(sim.converged(true), `${where}: equal hashes but different states`);
  const lost = oracle.checkFinal(where, true);
  for (const n of sim.nodes) {
    const r = sim.replica(n) as DeltaSimReplica;
    assert.equal(
      r.replicator.map.context.cloudOf(r.id).length,
      0,
      `${where}: ${n} has a gap in its own dots`,
    );
  }
  return { healMs, lost, writes, drift };
}

function seeds(base: number, count: number): number[] {
  const fixed = process.env['CRDT_SIM_SEED'];
  if (fixed !== undefined && fixed !== '') return [seedFromEnv(process.env, base)];
  return Array.from({ length: count }, (_, i) => base + i);
}

function withSeed<T>(seed: number, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof Error && !error.message.includes('CRDT_SIM_SEED'))
      error.message = `CRDT_SIM_SEED=${seed}: ${error.message}`;
    throw error;
  }
}

const FIFTY: Scenario = {
  replicas: 50,
  keys: 200,
  writeEveryMs: 20,
  faultyMs: 8000,
  skewMs: 2000,
  fastClockMs: 0,
};

/**
 * Seeds of the 50-replica scenario that once failed, kept as regular tests under what they found.
 * 5001: n4, restarted empty just before the faults stop, showed while it caught up a value that a
 * write already counted as received had overwritten. It adopted a snapshot's context over an entry
 * that had joined from a catch-up delta after it sent its hashes, in a bucket the snapshot skipped
 * (scripted in regressions.test.ts and catch-up.props.test.ts).
 * 5089: the same with a deleted value (n29, restarted empty, shows a value n6 deleted), as seed
 * 5037 did with the former generator (sfc32).
 */
const KEPT_SEEDS_50: ReadonlyMap<number, string> = new Map([
  [5001, 'a replica restarted empty shows no overwritten value while a snapshot and deltas refill it'],
  [5089, 'a replica restarted empty shows no deleted value while a snapshot and deltas refill it'],
]);

describe('Seeded simulations of the delta replicator', () => {
  it('3 replicas: partitions, restarts, skewed clocks and a lossy network always converge to the history', () => {
    let lost = 0;
    let writes = 0;
    for (const seed of seeds(3000, 20)) {
      const r = withSeed(seed, () =>
        runScenario(seed, {
          replicas: 3,
          keys: 20,
          writeEveryMs: 40,
          faultyMs: 15_000,
          skewMs: 2000,
          fastClockMs: 0,
        }),
      );
      lost += r.lost;
      writes += r.writes;
    }
    assert.ok(lost < writes * 0.1, `lost ${lost} of ${writes} writes to crashes: too many for the scenario`);
  });

  it('3 replicas with one clock 90 s fast: writes still converge and the drift is reported', () => {
    for (const seed of seeds(3100, 3)) {
      const r = withSeed(seed, () =>
        runScenario(seed, {
          replicas: 3,
          keys: 10,
          writeEveryMs: 50,
          faultyMs: 6000,
          skewMs: 500,
          fastClockMs: 90_000,
        }),
      );
      assert.ok(r.drift > 0, `CRDT_SIM_SEED=${seed}: no clockDrift effect was reported`);
    }
  });

  it('50 replicas: partitions, restarts, skewed clocks and a lossy network converge to the history', () => {
    for (const seed of seeds(5000, 4)) {
      if (KEPT_SEEDS_50.has(seed) && process.env['CRDT_SIM_SEED'] === undefined) continue;
      withSeed(seed, () => runScenario(seed, FIFTY));
    }
  });

  for (const [seed, what] of KEPT_SEEDS_50) {
    it(`50 replicas, CRDT_SIM_SEED=${seed}: ${what}`, () => {
      withSeed(seed, () => runScenario(seed, FIFTY));
    });
  }
});
