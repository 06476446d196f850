/**
 * The recovery campaign of bench/placement: on one 3-process cluster, fault after fault, the time
 * from the fault's end — or its start, where the node stays down — until every child runs exactly
 * once (and keeps doing so), with the child-seconds spent unhosted and duplicated meanwhile
 * (`timeline.ts`). Faults: SIGSTOP for 2 s and 15 s then SIGCONT, a partition of one node healed
 * after 3 s, kill -9, a graceful shutdown (children handed off), a node stopping itself without a
 * hand-off (what a city destroyed four times does to its node), a restart after each of those (from
 * the moment the new process has rejoined the mesh: its supervisor then starts and takes its share
 * back), and in CP mode the Raft leader killed.
 *
 * Each observation ends once every child has run exactly once for `QUIET_MS` with no start or stop
 * anywhere, or after `OBSERVE_MS` (then the fault counts as not recovered: NaN).
 */
import { BenchCluster, nowMs, sleep, type StoreMode } from './cluster.ts';
import { recoveryOf, type Recovery } from './timeline.ts';

/** Faults, in the order a cycle runs them. */
export const FAULTS = [
  'SIGSTOP 2 s → SIGCONT',
  'SIGSTOP 15 s → SIGCONT',
  'partition 3 s → heal',
  'kill -9 (node stays down)',
  'restart after kill -9',
  'graceful shutdown',
  'restart after shutdown',
  'node stops itself (city destroyed 4×)',
  'restart after it stopped',
  'Raft leader kill -9',
  'restart of the old leader',
] as const;
export type Fault = (typeof FAULTS)[number];

export interface FaultRun extends Recovery {
  readonly fault: Fault;
  /** Children the supervisors' full sweep found work for during the observation (live nodes). */
  readonly sweepRepairs: number;
}

/**
 * Quiet this long (every child once, no start or stop anywhere) ends an observation. 2 s: a CP
 * node restarting may catch its Raft log up for over a second before it takes its share back.
 */
const QUIET_MS = 2000;
const OBSERVE_MS = 30_000;
const VICTIM = 'p3';

export async function recoveryCampaign(
  mode: StoreMode,
  total: number,
  cycles: number,
  log: (l: string) => void,
): Promise<FaultRun[]> {
  const c = await BenchCluster.start(mode, ['p1', 'p2', 'p3'], true);
  const runs: FaultRun[] = [];
  try {
    const keys = Array.from({ length: total }, (_, i) => `r${i}`);
    const third = Math.ceil(keys.length / 3);
    await Promise.all(
      c.procs.map((p, i) =>
        p.call('start', { keys: keys.slice(i * third, (i + 1) * third), concurrency: 64 }),
      ),
    );
    await quiet(c, keys);
    const observe = async (
      fault: Fault,
      act: () => Promise<{ start: number; end: number }>,
    ): Promise<void> => {
      const from = c.events.length;
      const marksFrom = c.marks.length;
      const start = new Map([...c.running].map(([n, s]) => [n, new Set(s)] as const));
      const active = new Set(
        c
          .live()
          .filter((p) => !p.paused)
          .map((p) => p.short),
      );
      const repairsBefore = await sweepRepairs(c);
      const window = await act();
      await quiet(c, keys);
      const repaired = (await sweepRepairs(c)) - repairsBefore;
      await sleep(50); // the last events on their way
      const r = recoveryOf({
        keys,
        start,
        active,
        events: c.events.slice(from),
        marks: c.marks.slice(marksFrom),
        window: { ...window, until: nowMs() },
      });
      runs.push({ fault, ...r, sweepRepairs: Math.max(0, repaired) });
      log(
        `  ${fault}: ${Number.isNaN(r.recoveredMs) ? 'NOT recovered' : `${r.recoveredMs.toFixed(0)} ms`}, ` +
          `unhosted ${r.unhostedChildSec.toFixed(1)} child-s, duplicated ${r.duplicatedChildSec.toFixed(1)} child-s, ` +
          `${repaired} swept`,
      );
    };
    const restart = (fault: Fault): Promise<void> =>
      observe(fault, async () => {
        const t = await c.restart(VICTIM);
        return { start: t.spawned, end: t.joined };
      });
    for (let cycle = 0; cycle < cycles; cycle++) {
      log(`${mode === 'raft' ? 'CP' : 'AP'} ${total / 1000}k: recovery cycle ${cycle + 1}/${cycles}`);
      await observe('SIGSTOP 2 s → SIGCONT', async () => {
        const start = c.pause(VICTIM);
        await sleep(2000);
        return { start, end: c.resume(VICTIM) };
      });
      if (cycle === 0 || cycles > 2)
        await observe('SIGSTOP 15 s → SIGCONT', async () => {
          const start = c.pause(VICTIM);
          await sleep(15_000);
          return { start, end: c.resume(VICTIM) };
        });
      await observe('partition 3 s → heal', async () => {
        const start = nowMs();
        const cut = { a: [VICTIM], b: c.procs.map((p) => p.short).filter((s) => s !== VICTIM) };
        await Promise.all(c.procs.map((p) => p.call('partition', cut)));
        await sleep(3000);
        await Promise.all(c.procs.map((p) => p.call('heal')));
        return { start, end: nowMs() };
      });
      await observe('kill -9 (node stays down)', () => {
        const t = c.kill(VICTIM);
        return Promise.resolve({ start: t, end: t });
      });
      await restart('restart after kill -9');
      await observe('graceful shutdown', async () => {
        const t = await c.stopNode(VICTIM, 'leave');
        return { start: t, end: t };
      });
      await restart('restart after shutdown');
      await observe('node stops itself (city destroyed 4×)', async () => {
        const t = await c.stopNode(VICTIM, 'halt');
        return { start: t, end: t };
      });
      await restart('restart after it stopped');
      if (mode === 'raft') {
        const roles = await Promise.all(c.procs.map(async (p) => (await p.call('peers'))['role'] as string));
        const leader = c.procs[roles.indexOf('leader')];
        if (leader) {
          await observe('Raft leader kill -9', () => {
            const t = c.kill(leader.short);
            return Promise.resolve({ start: t, end: t });
          });
          await observe('restart of the old leader', async () => {
            const t = await c.restart(leader.short);
            return { start: t.spawned, end: t.joined };
          });
        }
      }
    }
  } finally {
    c.close();
  }
  return runs;
}

/** Until every child has run exactly once for `QUIET_MS` with no event anywhere; false after `OBSERVE_MS`. */
async function quiet(c: BenchCluster, keys: readonly string[]): Promise<boolean> {
  const deadline = nowMs() + OBSERVE_MS;
  let since: number | undefined;
  let seen = c.events.length;
  while (nowMs() < deadline) {
    const once = keys.every((k) => c.copies(k) === 1);
    if (!once || c.events.length !== seen) since = undefined;
    else since ??= nowMs();
    seen = c.events.length;
    if (since !== undefined && nowMs() - since >= QUIET_MS) return true;
    await sleep(20);
  }
  return false;
}

/**
 * The sweep repairs counted by the live supervisors (a node that went down takes its count along;
 * a restarted one starts at 0, so the difference may undercount, never overcount, across them).
 */
async function sweepRepairs(c: BenchCluster): Promise<number> {
  const answers = await Promise.all(
    c
      .live()
      .filter((p) => !p.paused)
      .map((p) => p.call('peers')),
  );
  return answers.reduce((n, a) => n + ((a['sweepRepairs'] as number | undefined) ?? 0), 0);
}
