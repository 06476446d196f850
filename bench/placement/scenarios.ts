/**
 * The measured scenarios of bench/placement, each on a fresh 3-process cluster (`cluster.ts`):
 * starting children, lookups, kill -9 of a node, duplicates after a healed AP partition, and a CP
 * partition (the minority stops its children, the majority restarts them).
 */
import { percentile, sortedCopy } from '../lib/stats.ts';
import { BenchCluster, nowMs, sleep, type ChildEvent, type StoreMode } from './cluster.ts';

export interface Spread {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly n: number;
}

export function spread(samples: readonly number[]): Spread {
  const s = sortedCopy(samples);
  return { p50: percentile(s, 50), p99: percentile(s, 99), max: s[s.length - 1] ?? Number.NaN, n: s.length };
}

export interface FailoverResult {
  readonly startsPerSec: number;
  readonly startFailed: number;
  readonly lookupNs: Spread;
  readonly lookupMisses: number;
  readonly callMs: Spread;
  /** Killed node, and its Raft role before the kill. */
  readonly victim: string;
  readonly victimRole: string;
  readonly lost: number;
  /** Per lost child: kill → running again on a survivor, ms. */
  readonly restart: Spread;
  /** Per lost child: kill → `whereis` resolves it again on every survivor, ms. */
  readonly resolved: Spread;
  /** Lost children not running anywhere at the end. */
  readonly missing: number;
  /** Lost children started more than once on the survivors, or any key running twice at the end. */
  readonly duplicates: number;
}

const keysOf = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

/** Every key runs on exactly one live node. */
function settled(c: BenchCluster, keys: readonly string[]): boolean {
  return keys.every((k) => c.copies(k) === 1);
}

/** Start `total` children, a third from each node at once; returns children per second. */
async function startAll(c: BenchCluster, keys: string[]): Promise<{ perSec: number; failed: number }> {
  const third = Math.ceil(keys.length / c.procs.length);
  const answers = await Promise.all(
    c.procs.map((p, i) => p.call('start', { keys: keys.slice(i * third, (i + 1) * third), concurrency: 64 })),
  );
  const t0 = Math.min(...answers.map((a) => a['t0'] as number));
  const t1 = Math.max(...answers.map((a) => a['t1'] as number));
  const failed = answers.reduce((n, a) => n + (a['failed'] as number), 0);
  return { perSec: (keys.length / (t1 - t0)) * 1000, failed };
}

export async function failover(
  mode: StoreMode,
  total: number,
  kill: 'leader' | 'follower',
  log: (l: string) => void,
): Promise<FailoverResult> {
  const c = await BenchCluster.start(mode);
  try {
    const keys = keysOf('c', total);
    const started = await startAll(c, keys);
    log(`  started ${total} at ${Math.round(started.perSec)}/s (${started.failed} failed)`);
    await c.until(() => settled(c, keys), 60_000, 'every child running once');
    await sleep(300); // records (pids) reach every node
    const [p1] = c.procs;
    const look = await p1!.call('lookup', { rounds: Math.max(1, Math.floor(20_000 / total)) });
    const roles = await Promise.all(c.procs.map(async (p) => (await p.call('peers'))['role'] as string));
    let vi =
      mode === 'raft' ? roles.findIndex((r) => (kill === 'leader' ? r === 'leader' : r !== 'leader')) : 2;
    if (vi < 0) vi = 2;
    const victim = c.procs[vi]!;
    const lost = (await victim.call('local'))['keys'] as string[];
    const from = c.events.length;
    const watches = c.procs
      .filter((p) => p !== victim)
      .map((p) => p.call('watch', { keys: lost, victim: victim.full, timeoutMs: 30_000 }));
    const t0 = c.kill(victim.short);
    await c.within(() => lost.every((k) => c.copies(k) >= 1), 30_000);
    const seen = (await Promise.all(watches)).map((w) => w['t'] as (number | null)[]);
    const resolved = lost.map((_k, i) => Math.max(...seen.map((t) => (t[i] ?? Infinity) - t0)));
    await sleep(1500); // a late second start would show up here
    const firstStart = new Map<string, number>();
    const starts = new Map<string, number>();
    for (const e of c.events.slice(from)) {
      if (!e.running || e.node === victim.short || e.t < t0) continue;
      if (!firstStart.has(e.key)) firstStart.set(e.key, e.t - t0);
      starts.set(e.key, (starts.get(e.key) ?? 0) + 1);
    }
    const missing = lost.filter((k) => c.copies(k) === 0).length;
    const duplicates =
      lost.filter((k) => (starts.get(k) ?? 0) > 1).length + keys.filter((k) => c.copies(k) > 1).length;
    return {
      startsPerSec: started.perSec,
      startFailed: started.failed,
      lookupNs: spread(look['ns'] as number[]),
      lookupMisses: (look['ns'] as number[]).length - (look['found'] as number),
      callMs: spread(look['callMs'] as number[]),
      victim: victim.short,
      victimRole: roles[vi] ?? '',
      lost: lost.length,
      restart: spread([...firstStart.values()]),
      resolved: spread(resolved),
      missing,
      duplicates,
    };
  } finally {
    c.close();
  }
}

/** Per key: the first time (after `t0`) its number of running copies drops to `target` or below. */
function firstDropTo(
  events: readonly ChildEvent[],
  keys: readonly string[],
  start: Map<string, number>,
  t0: number,
): Map<string, number> {
  const count = new Map(start);
  const when = new Map<string, number>();
  const wanted = new Set(keys);
  for (const e of [...events].sort((a, b) => a.t - b.t)) {
    if (!wanted.has(e.key)) continue;
    const n = (count.get(e.key) ?? 0) + (e.running ? 1 : -1);
    count.set(e.key, n);
    if (n <= 1 && e.t >= t0 && !when.has(e.key)) when.set(e.key, e.t - t0);
  }
  return when;
}

export interface DuplicateResult {
  readonly keys: number;
  /** Keys that ran on both sides before the heal. */
  readonly doubled: number;
  /** Per doubled key: heal → one copy left, ms. */
  readonly resolve: Spread;
  /** Keys not running exactly once at the end. */
  readonly wrong: number;
}

/** AP: cut p1 from p2+p3, start the same keys on both sides, heal, time until one copy remains. */
export async function duplicatesAfterHeal(n: number, log: (l: string) => void): Promise<DuplicateResult> {
  const c = await BenchCluster.start('crdt');
  try {
    const cut = { a: ['p1'], b: ['p2', 'p3'] };
    await Promise.all(c.procs.map((p) => p.call('partition', cut)));
    await c.until(
      async () => {
        const peers = await Promise.all(c.procs.map(async (p) => (await p.call('peers'))['peers'] as number));
        return peers[0] === 0 && peers[1] === 1 && peers[2] === 1;
      },
      20_000,
      'the partition to be detected',
    );
    const keys = keysOf('d', n);
    await Promise.all([
      c.proc('p1').call('start', { keys, concurrency: 64 }),
      c.proc('p2').call('start', { keys, concurrency: 64 }),
    ]);
    await c.within(() => keys.every((k) => c.copies(k) === 2), 10_000);
    const before = new Map(keys.map((k) => [k, c.copies(k)]));
    const doubled = keys.filter((k) => before.get(k) === 2);
    log(`  ${doubled.length} of ${n} keys running on both sides; healing`);
    const from = c.events.length;
    const t0 = nowMs();
    await Promise.all(c.procs.map((p) => p.call('heal')));
    await c.within(() => doubled.every((k) => c.copies(k) <= 1), 30_000);
    const when = firstDropTo(c.events.slice(from), doubled, before, t0);
    await c.within(() => settled(c, keys), 10_000);
    return {
      keys: n,
      doubled: doubled.length,
      resolve: spread([...when.values()]),
      wrong: keys.filter((k) => c.copies(k) !== 1).length,
    };
  } finally {
    c.close();
  }
}

export interface CpPartitionResult {
  readonly lost: number;
  /** Per child of the cut-off node: cut → running on the majority, ms. */
  readonly restart: Spread;
  /** Per child of the cut-off node: cut → stopped there (quorum lost), ms. */
  readonly minorityStop: Spread;
  /** Longest time any child ran on both sides, ms (what epoch fencing guards). */
  readonly overlapMax: number;
  /** Keys not running exactly once after the heal. */
  readonly wrong: number;
}

/** CP: cut a follower off, time its children's restart on the majority and their stop on it; heal. */
export async function cpPartition(n: number): Promise<CpPartitionResult> {
  const c = await BenchCluster.start('raft');
  try {
    const keys = keysOf('q', n);
    await startAll(c, keys);
    await c.until(() => settled(c, keys), 60_000, 'every child running once');
    const roles = await Promise.all(c.procs.map(async (p) => (await p.call('peers'))['role'] as string));
    const victim = c.procs[roles.findIndex((r) => r !== 'leader')]!;
    const others = c.procs.filter((p) => p !== victim).map((p) => p.short);
    const lost = (await victim.call('local'))['keys'] as string[];
    const from = c.events.length;
    const t0 = nowMs();
    await Promise.all(c.procs.map((p) => p.call('partition', { a: [victim.short], b: others })));
    await c.within(
      () =>
        lost.every(
          (k) => !c.running.get(victim.short)!.has(k) && others.some((o) => c.running.get(o)!.has(k)),
        ),
      30_000,
    );
    const restart = new Map<string, number>();
    const stop = new Map<string, number>();
    for (const e of c.events.slice(from)) {
      if (e.node === victim.short && !e.running && !stop.has(e.key)) stop.set(e.key, e.t - t0);
      if (e.node !== victim.short && e.running && !restart.has(e.key)) restart.set(e.key, e.t - t0);
    }
    let overlapMax = 0;
    for (const k of lost)
      overlapMax = Math.max(overlapMax, (stop.get(k) ?? 0) - (restart.get(k) ?? Infinity));
    await Promise.all(c.procs.map((p) => p.call('heal')));
    await c.within(() => settled(c, keys), 15_000);
    return {
      lost: lost.length,
      restart: spread([...restart.values()]),
      minorityStop: spread([...stop.values()]),
      overlapMax: Math.max(0, overlapMax),
      wrong: keys.filter((k) => c.copies(k) !== 1).length,
    };
  } finally {
    c.close();
  }
}
