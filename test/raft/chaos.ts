// Shared helper of the Raft property tests: drives a ScriptedCluster through a seeded random
// sequence of ticks, proposals, lossy deliveries, partitions, crashes, restarts and compactions,
// feeding the SafetyMonitor after every step. Each property test asserts its own invariant.
import type { Entry } from '../../packages/runtime/src/raft/core/types.ts';
import { SafetyMonitor, ScriptedCluster } from '../../packages/runtime/src/testing/raft-sim/index.ts';
import { SimRandom } from '../../packages/runtime/src/testing/sim/index.ts';

export interface ChaosRun {
  readonly cluster: ScriptedCluster;
  readonly monitor: SafetyMonitor;
  /** Per member: the entries it applied, across restarts, in order (index -> entry). */
  readonly appliedByMember: Map<string, Map<number, Entry>>;
}

export function chaos(seed: number, ids: readonly string[], rounds: number): ChaosRun {
  const rng = new SimRandom(seed);
  const cluster = new ScriptedCluster(ids, {
    seed,
    raft: { compactionTrailingEntries: rng.pick([0, 2, 10]) },
  });
  const monitor = new SafetyMonitor();
  const incarnation = new Map<string, number>(ids.map((id) => [id, 0]));
  const seen = new Map<string, number>(ids.map((id) => [id, 0]));
  const appliedByMember = new Map<string, Map<number, Entry>>(ids.map((id) => [id, new Map()]));
  let dropRate = 0;
  let proposals = 0;

  const observe = (): void => {
    for (const id of ids) {
      const n = cluster.node(id);
      if (!n.alive) continue;
      for (const e of n.applied.slice(seen.get(id))) {
        monitor.onApply(id, e);
        appliedByMember.get(id)!.set(e.index, e);
      }
      seen.set(id, n.applied.length);
      monitor.checkNode(id, incarnation.get(id)!, n.raw);
    }
    monitor.checkLogMatching(ids.map((id) => cluster.node(id)).filter((n) => n.alive));
  };

  cluster.filter = () => !rng.chance(dropRate);
  for (let r = 0; r < rounds; r++) {
    const roll = rng.next();
    if (roll < 0.45) {
      for (const id of ids) if (rng.chance(0.7)) cluster.tick(id);
    } else if (roll < 0.7) {
      const leaders = cluster.leaders();
      const target = leaders.length > 0 && rng.chance(0.8) ? rng.pick(leaders) : rng.pick(ids);
      if (cluster.node(target).alive) cluster.propose(target, `p${++proposals}`);
    } else if (roll < 0.78) {
      cluster.isolate(rng.pick(ids));
    } else if (roll < 0.84) {
      cluster.heal();
      cluster.filter = () => !rng.chance(dropRate);
    } else if (roll < 0.88) {
      dropRate = rng.pick([0, 0.1, 0.3]);
    } else if (roll < 0.92) {
      const id = rng.pick(ids);
      if (cluster.node(id).alive) {
        cluster.crash(id);
        cluster.dropWhere((m) => m.to === id);
      } else {
        cluster.restart(id);
        incarnation.set(id, incarnation.get(id)! + 1);
        seen.set(id, 0);
      }
    } else if (roll < 0.95) {
      const id = rng.pick(ids);
      const n = cluster.node(id);
      if (n.alive && n.raw.appliedIndex > (n.raw.snapshot()?.index ?? 0)) cluster.compact(id);
    }
    cluster.deliver();
    observe();
  }
  return { cluster, monitor, appliedByMember };
}

/** Violations of one kind (by message prefix). */
export function violationsOf(run: ChaosRun, prefix: string): string[] {
  return run.monitor.violations.filter((v) => v.startsWith(prefix));
}
