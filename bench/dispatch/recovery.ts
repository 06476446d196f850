/**
 * The recovery campaign of the dispatch bench: a real Superhero Dispatch cluster (3 city nodes
 * under the launcher, `recovery-launcher.ts`) with `heroes` heroes, and fault after fault on
 * capitol: SIGSTOP for 2 s and for 15 s then SIGCONT, a partition healed after 3 s (the page's
 * partition and heal), kill -9 (the node stays down), a graceful shutdown (the page's shutdown), the
 * city destroyed four times in a row (the node gives up and exits), a restart after each of the last
 * three (the page's restart), and in raft mode the Raft leader killed and restarted. Per fault: the
 * time from its end (SIGCONT, heal, the restarted node seeing every node up, the destroyed node's
 * exit) — or its start, where the node stays down — until every live hero is hosted exactly once and
 * stays so, and the hero-seconds spent unhosted and duplicated from the fault's start on.
 *
 * Sampling: every `POLL_MS` the live heroes (`GET /api/heroes` on a node not under the fault) and
 * every running node's `GET /api/hosted` (a frozen or stopped node hosts nothing that runs); an
 * observation ends once the samples have been clean for `QUIET_MS`, or after `OBSERVE_MS` (then the
 * fault counts as not recovered: NaN). Times are as fine as the polling (one round of requests).
 */
import { connected, startLauncherCluster, type LauncherCluster } from './recovery-launcher.ts';
import { HostedTally, hostedSample, type HostedSample } from './recovery-count.ts';

export const DISPATCH_FAULTS = [
  'SIGSTOP 2 s → SIGCONT',
  'SIGSTOP 15 s → SIGCONT',
  'partition 3 s → heal',
  'kill -9 (node stays down)',
  'restart after kill -9',
  'graceful shutdown',
  'restart after shutdown',
  'city destroyed 4× (node exits)',
  'restart after it exited',
  'Raft leader kill -9',
  'restart of the old leader',
] as const;
export type DispatchFault = (typeof DISPATCH_FAULTS)[number];

export interface DispatchFaultRun {
  readonly fault: DispatchFault;
  readonly heroes: number;
  /** Fault end → every live hero hosted exactly once for good, ms; NaN if not within the observation. */
  readonly recoveredMs: number;
  readonly unhostedHeroSec: number;
  readonly duplicatedHeroSec: number;
}

/** Between two samples, ms. */
const POLL_MS = 100;
/** Clean this long ends an observation, ms: a restarted node takes its share back within it. */
const QUIET_MS = 3000;
const OBSERVE_MS = 40_000;
const VICTIM = 'capitol';

const now = (): number => performance.now();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function dispatchRecoveryCampaign(
  store: 'raft' | 'crdt',
  heroes: number,
  cycles: number,
  log: (line: string) => void,
): Promise<DispatchFaultRun[]> {
  const c = await startLauncherCluster(store);
  const runs: DispatchFaultRun[] = [];
  /** Nodes whose heroes do not run: frozen, or with no process. */
  const still = new Set<string>();
  try {
    await createHeroes(c, heroes, log);
    const observe = async (
      fault: DispatchFault,
      act: () => Promise<{ start: number; end: number }>,
      reader = (c.names.find((n) => n !== VICTIM) ?? 'gotham') as string,
    ): Promise<void> => {
      await topUp(c, heroes, log);
      const tally = new HostedTally();
      let previous: HostedSample | undefined;
      let acting = true;
      const started = now();
      const window = act().finally(() => (acting = false));
      let end = Number.NaN;
      let recovered = Number.NaN;
      for (;;) {
        const s = await sample(c, reader, still, previous);
        const t = now();
        if (s) tally.add(s, t);
        previous = s ?? previous;
        if (!acting && Number.isNaN(end)) end = (await window).end;
        if (!Number.isNaN(end) && tally.cleanSince !== undefined && t - tally.cleanSince >= QUIET_MS) {
          recovered = Math.max(0, tally.cleanSince - end);
          break;
        }
        if (!acting && t - end > OBSERVE_MS) break;
        await sleep(POLL_MS);
      }
      await window;
      const spread = await Promise.all(
        c.names.map(async (n) => {
          if (still.has(n)) return `${n} -`;
          const r = await c.api(n, 'GET', '/api/hosted', undefined, 3000);
          return `${n} ${r.status === 200 ? (r.json as { heroes: string[] }).heroes.length : '?'}`;
        }),
      );
      const u = tally.lastUnclean;
      const lastOff = u
        ? `last off ${(u.t - end).toFixed(0)} ms after the end: ${u.s.unhosted} unhosted, ${u.s.extra} extra of ${u.s.live}`
        : 'never off';
      runs.push({
        fault,
        heroes,
        recoveredMs: recovered,
        unhostedHeroSec: tally.unhostedHeroMs / 1000,
        duplicatedHeroSec: tally.duplicatedHeroMs / 1000,
      });
      log(
        `  ${fault}: ${Number.isNaN(recovered) ? 'NOT recovered' : `${recovered.toFixed(0)} ms`}, ` +
          `unhosted ${(tally.unhostedHeroMs / 1000).toFixed(1)} hero-s, duplicated ${(tally.duplicatedHeroMs / 1000).toFixed(1)} hero-s` +
          ` (${((now() - started) / 1000).toFixed(1)} s observed; ${lastOff}; hosted ${spread.join(', ')})`,
      );
    };
    const pause = (ms: number) => async (): Promise<{ start: number; end: number }> => {
      c.signal(VICTIM, 'SIGSTOP');
      still.add(VICTIM);
      const start = now();
      await sleep(ms);
      c.signal(VICTIM, 'SIGCONT');
      still.delete(VICTIM);
      return { start, end: now() };
    };
    const restart = (node: string, via: string) => async (): Promise<{ start: number; end: number }> => {
      const start = now();
      await c.api(via, 'POST', `/api/nodes/${node}/restart`, {});
      await until(() => c.pidOf(node) !== undefined, 30_000, `${node} to be started again`);
      still.delete(node);
      await until(() => connected(c, node), 60_000, `${node} to see every node up`);
      return { start, end: now() };
    };
    for (let cycle = 0; cycle < cycles; cycle++) {
      log(`${store} ${heroes} heroes: recovery cycle ${cycle + 1}/${cycles}`);
      await observe('SIGSTOP 2 s → SIGCONT', pause(2000));
      if (cycle === 0 || cycles > 2) await observe('SIGSTOP 15 s → SIGCONT', pause(15_000));
      await observe('partition 3 s → heal', async () => {
        const start = now();
        await c.api('gotham', 'POST', `/api/nodes/${VICTIM}/partition`, {});
        await sleep(3000);
        await c.api('gotham', 'POST', `/api/nodes/${VICTIM}/heal`, {});
        return { start, end: now() };
      });
      await observe('kill -9 (node stays down)', () => {
        c.signal(VICTIM, 'SIGKILL');
        still.add(VICTIM);
        const t = now();
        return Promise.resolve({ start: t, end: t });
      });
      await observe('restart after kill -9', restart(VICTIM, 'gotham'));
      await observe('graceful shutdown', async () => {
        const t = now();
        await c.api('gotham', 'POST', `/api/nodes/${VICTIM}/shutdown`, {});
        await until(() => c.pidOf(VICTIM) === undefined, 30_000, `${VICTIM} to exit`);
        still.add(VICTIM);
        return { start: t, end: t };
      });
      await observe('restart after shutdown', restart(VICTIM, 'gotham'));
      await observe('city destroyed 4× (node exits)', async () => {
        const start = now();
        // Four crashes within 5 s take the node down; a destroy that reaches the city while it
        // restarts is lost, so destroy again until the node exits.
        for (let i = 0; i < 40 && c.pidOf(VICTIM) !== undefined; i++) {
          await c.api('gotham', 'POST', `/api/cities/${VICTIM}/destroy`, {});
          await sleep(250);
        }
        await until(() => c.pidOf(VICTIM) === undefined, 30_000, `${VICTIM} to give up and exit`);
        still.add(VICTIM);
        return { start, end: now() };
      });
      await observe('restart after it exited', restart(VICTIM, 'gotham'));
      if (store === 'raft') {
        const view = (await c.api('gotham', 'GET', '/api/cluster')).json as {
          raft?: { leader: string | null };
        };
        const leader = view.raft?.leader;
        if (leader) {
          const reader = c.names.find((n) => n !== leader) as string;
          await observe(
            'Raft leader kill -9',
            () => {
              c.signal(leader, 'SIGKILL');
              still.add(leader);
              const t = now();
              return Promise.resolve({ start: t, end: t });
            },
            reader,
          );
          await observe('restart of the old leader', restart(leader, reader), reader);
        }
      }
    }
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${c.output()}`, { cause: err });
  } finally {
    await c.stop();
  }
  return runs;
}

async function liveIds(c: LauncherCluster, reader: string): Promise<Set<string> | undefined> {
  const list = await c.api(reader, 'GET', '/api/heroes', undefined, 3000);
  if (list.status !== 200) return undefined;
  return new Set(((list.json as { heroes: { id: string }[] }).heroes ?? []).map((h) => h.id));
}

/**
 * One sample: the hero list before and after every running node's hosted list (heroes die in
 * fights all the time; one that died in between counts neither way); undefined when a list could
 * not be read. `before`: the previous sample (see `hostedSample`).
 */
async function sample(
  c: LauncherCluster,
  reader: string,
  still: ReadonlySet<string>,
  before?: HostedSample,
): Promise<HostedSample | undefined> {
  const running = c.names.filter((n) => !still.has(n));
  const first = await liveIds(c, reader);
  const hosted = await Promise.all(running.map((n) => c.api(n, 'GET', '/api/hosted', undefined, 3000)));
  const second = await liveIds(c, reader);
  if (!first || !second) return undefined;
  return hostedSample(
    [...first].filter((id) => second.has(id)),
    hosted.map((h) => (h.status === 200 ? (h.json as { heroes: string[] }).heroes : [])),
    before?.missing ?? new Set(),
  );
}

/** Heroes die in fights: create new ones until `target` are alive again (outside any observation). */
async function topUp(c: LauncherCluster, target: number, log: (l: string) => void): Promise<void> {
  const reader = c.names.find((n) => n !== VICTIM) ?? 'gotham';
  const list = await c.api(reader, 'GET', '/api/heroes', undefined, 10_000);
  if (list.status !== 200) return;
  const alive = (list.json as { heroes: unknown[] }).heroes.length;
  if (alive < target) await createHeroes(c, target - alive, log);
}

async function createHeroes(c: LauncherCluster, total: number, log: (l: string) => void): Promise<void> {
  const began = now();
  const up = c.names.filter((n) => c.pidOf(n) !== undefined);
  let next = 0;
  let failed = 0;
  const lane = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      const node = up[i % up.length] as string;
      const r = await c.api(node, 'POST', '/api/heroes', {}, 30_000);
      if (r.status !== 201) failed++;
    }
  };
  await Promise.all(Array.from({ length: 32 }, lane));
  log(`  ${total} heroes created in ${((now() - began) / 1000).toFixed(1)} s (${failed} failed)`);
  if (failed > total / 100) throw new Error(`${failed} of ${total} hero creations failed`);
  // Settled: every live hero hosted exactly once for a while.
  const tally = new HostedTally();
  let previous: HostedSample | undefined;
  await until(
    async () => {
      const s = await sample(c, up[0] ?? 'gotham', new Set(), previous);
      previous = s ?? previous;
      if (s) tally.add(s, now());
      return tally.cleanSince !== undefined && now() - tally.cleanSince >= QUIET_MS;
    },
    120_000,
    'every hero hosted exactly once after creation',
  );
}

async function until(pred: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = now() + timeoutMs;
  while (!(await pred())) {
    if (now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(POLL_MS);
  }
}
