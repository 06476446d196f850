/**
 * bench/dispatch-sweep: the dispatch population sweep — where the cluster stops keeping up. One
 * Superhero Dispatch cluster (gotham, metropolis, capitol; raft mode, the mode the cluster's bar is
 * set in) is grown to 1,000, 5,000, 10,000 and 25,000 heroes in turn, and each population is held
 * and measured as in bench/dispatch (same load generator, windows, figures and keep-up verdict).
 * Its rows carry plot points, so the report draws CPU per node and loop steps achieved (and due)
 * against heroes.
 *
 * ```sh
 * npm run bench -- dispatch-sweep --quick --report   # every population for 8 s; ~4 minutes
 * npm run bench -- dispatch-sweep                    # every population for 20 s; ~8.5 minutes
 * ```
 *
 * Bounded in time: each growth phase stops at its limit or when the population stops growing
 * (`plan.ts`), and the stage is then measured at what was reached.
 *
 * When not to use: to compare the store modes (bench/dispatch runs raft, crdt and etcd side by side).
 */
import type { Suite } from '../lib/types.ts';
import { startBenchCluster } from './cluster.ts';
import { CITIES, runMode } from './index.ts';
import { Budget, SWEEP_FULL_BUDGET_MS, SWEEP_QUICK_BUDGET_MS, sweepStages } from './plan.ts';

const suite: Suite = async ({ quick, log }) => {
  const budget = new Budget(quick ? SWEEP_QUICK_BUDGET_MS : SWEEP_FULL_BUDGET_MS);
  const stages = sweepStages(quick);
  log(`starting ${CITIES.join(', ')} in raft mode; populations ${stages.map((s) => s.heroes).join(', ')}`);
  const cluster = await startBenchCluster({ names: [...CITIES], store: 'raft' });
  return runMode(cluster, stages, budget.modeDeadline(1), log);
};

export default suite;
