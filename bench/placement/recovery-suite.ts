/**
 * `npm run bench -- placement-recovery [--quick]`: recovery of the distributed supervisor after
 * every fault of `recovery.ts`, in both store modes, 1,000 children on 3 node processes. Per fault:
 * the time from its end (or start, where the node stays down) until every child runs exactly
 * once — p50, p99 and max over the runs — and the unhosted and duplicated child-seconds (median
 * over the runs). The bar is checked and printed: p99 ≤ 1 s in both modes, no child left
 * not running exactly once at the end of any observation, and nothing repaired by the full sweep.
 *
 * Bounded: each observation ends 2 s after the last start or stop, or after 30 s. `--quick`: two
 * cycles per mode (the 15-s pause once); full run: five cycles per mode.
 */
import { recoveryRows } from '../lib/recovery-rows.ts';
import type { BenchResult, Suite } from '../lib/types.ts';
import type { StoreMode } from './cluster.ts';
import { FAULTS, recoveryCampaign, type FaultRun } from './recovery.ts';

const LABEL: Record<StoreMode, string> = { crdt: 'AP', raft: 'CP' };
const CHILDREN = 1000;
const BAR_MS = 1000;

const suite: Suite = async ({ quick, log: print }) => {
  const began = performance.now();
  const log = (line: string): void => print(`[${((performance.now() - began) / 1000).toFixed(1)} s] ${line}`);
  const results: BenchResult[] = [];
  const checks: string[] = [];
  for (const mode of ['crdt', 'raft'] as const) {
    const runs = await recoveryCampaign(mode, CHILDREN, quick ? 2 : 5, log);
    const m = LABEL[mode];
    for (const fault of FAULTS) {
      const of: FaultRun[] = runs.filter((r) => r.fault === fault);
      if (of.length === 0) continue;
      const tag = `${m} ${fault}`;
      const s = recoveryRows(
        results,
        tag,
        of.map((r) => ({ ...r, unhostedSec: r.unhostedChildSec, duplicatedSec: r.duplicatedChildSec })),
        'child-s',
      );
      const failed = s.failed;
      const wrong = of.reduce((n, r) => n + r.wrongAtEnd, 0);
      const swept = of.reduce((n, r) => n + r.sweepRepairs, 0);
      const ok = failed === 0 && wrong === 0 && swept === 0 && s.p99 <= BAR_MS;
      checks.push(
        `${ok ? 'PASS' : 'FAIL'} ${tag}: p99 ${s.p99.toFixed(0)} ms ≤ ${BAR_MS} ms, max ${s.max.toFixed(0)} ms; ${failed} of ${of.length} runs not recovered within the observation; ${wrong} children wrong at the end; ${swept} repaired by the full sweep`,
      );
    }
  }
  for (const c of checks) print(c);
  return results;
};

export default suite;
