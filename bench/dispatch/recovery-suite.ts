/**
 * `npm run bench -- dispatch-recovery [--quick]`: recovery of a real Superhero Dispatch cluster
 * after every fault of `recovery.ts`, in both store modes. Per fault: the time from its end (or
 * start, where the node stays down) until every live hero is hosted exactly once — p50, p99 and max
 * over the runs — and the unhosted and duplicated hero-seconds (median over the runs). The bar is
 * checked and printed: p99 ≤ 1 s from the fault's end, every observation recovered.
 *
 * Bounded: each observation ends 3 s after every live hero was last seen hosted exactly once, or
 * 40 s after the fault's end. `--quick`: 1,000 heroes, one cycle per mode (about 4 min per mode);
 * full: 1,000 heroes, three cycles per mode, then 10,000 heroes, one cycle per mode.
 */
import { recoveryRows } from '../lib/recovery-rows.ts';
import type { BenchResult, Suite } from '../lib/types.ts';
import { DISPATCH_FAULTS, dispatchRecoveryCampaign, type DispatchFaultRun } from './recovery.ts';

const LABEL = { crdt: 'AP', raft: 'CP' } as const;
const BAR_MS = 1000;

const suite: Suite = async ({ quick, log: print }) => {
  const began = performance.now();
  const log = (line: string): void => print(`[${((performance.now() - began) / 1000).toFixed(1)} s] ${line}`);
  const results: BenchResult[] = [];
  const checks: string[] = [];
  const plan: [number, number][] = quick
    ? [[1000, 1]]
    : [
        [1000, 3],
        [10_000, 1],
      ];
  for (const [heroes, cycles] of plan) {
    for (const mode of ['crdt', 'raft'] as const) {
      const runs = await dispatchRecoveryCampaign(mode, heroes, cycles, log);
      for (const fault of DISPATCH_FAULTS) {
        const of: DispatchFaultRun[] = runs.filter((r) => r.fault === fault);
        if (of.length === 0) continue;
        const tag = `${LABEL[mode]} ${heroes / 1000}k ${fault}`;
        const s = recoveryRows(
          results,
          tag,
          of.map((r) => ({ ...r, unhostedSec: r.unhostedHeroSec, duplicatedSec: r.duplicatedHeroSec })),
          'hero-s',
        );
        const failed = s.failed;
        const ok = failed === 0 && s.p99 <= BAR_MS;
        checks.push(
          `${ok ? 'PASS' : 'FAIL'} ${tag}: p99 ${s.p99.toFixed(0)} ms ≤ ${BAR_MS} ms, max ${s.max.toFixed(0)} ms; ${failed} of ${of.length} runs not recovered within the observation`,
        );
      }
    }
  }
  for (const c of checks) print(c);
  return results;
};

export default suite;
