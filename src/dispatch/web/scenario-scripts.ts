/**
 * The steps of each guided scenario: chaos through the same `DispatchService` calls the chaos
 * routes make (`nodeAction`, `destroyCity`), then live measurements of what the cluster did (time
 * to a new leader, heroes moved and how long it took, writes refused on the minority, duplicates
 * after the heal). The runner (`scenario-runner.ts`) gives each script its context.
 *
 * ```ts
 * await SCRIPTS['split'](context); // narrates, partitions this node, probes writes, heals, measures
 * ```
 *
 * Every script leaves the cluster as it found it where it can (a node it shut down is restarted,
 * a partition healed, probe heroes terminated), and reports a measurement that did not happen in
 * time as "not within N s" rather than failing: that is a finding, not a crash.
 *
 * "Duplicates" are hero actors beyond one per live hero: the sum of the nodes' hosted counts minus
 * the heroes, once the cluster has settled.
 *
 * When not to use: these are demonstrations on a live cluster; the nemesis checks histories.
 */
import type { ClusterView, Hero } from '../model.ts';
import type { DispatchService } from '../service.ts';
import type { ScenarioId } from './scenario-plan.ts';
import { expectation } from './scenario-plan.ts';

export interface ScenarioContext {
  readonly service: DispatchService;
  readonly now: () => number;
  /** Narration: what the cluster should do. */
  expect(text: string): void;
  /** A chaos step taken. */
  did(text: string): void;
  /** Something observed. */
  saw(text: string): void;
  result(label: string, value: string): void;
  sleep(ms: number): Promise<void>;
  /** Polls `check` until it holds: the ms it took, or undefined after the timeout. */
  waitFor(check: () => Promise<boolean>): Promise<number | undefined>;
  readonly timeoutMs: number;
}

type Script = (context: ScenarioContext) => Promise<void>;

function leaderOf(view: ClusterView): string | null {
  return view.raft?.leader ?? view.nodes.find((n) => n.storeRole === 'leader')?.name ?? null;
}

function statusOf(view: ClusterView, node: string): string {
  return view.nodes.find((n) => n.name === node)?.status ?? 'unknown';
}

/** The up city node other than this one with the most heroes, if any hosts one. */
function busiestOther(view: ClusterView): string | undefined {
  const others = view.nodes
    .filter((n) => n.role === 'city' && n.status === 'up' && n.name !== view.self && n.heroesHosted > 0)
    .sort((a, b) => b.heroesHosted - a.heroesHosted);
  return others[0]?.name;
}

function ms(value: number | undefined, c: ScenarioContext): string {
  return value === undefined ? `not within ${Math.round(c.timeoutMs / 1000)} s` : `${value} ms`;
}

interface Census {
  readonly heroes: number;
  readonly hosted: number;
  readonly unplaced: number;
}

async function census(service: DispatchService): Promise<Census> {
  const [heroes, view] = await Promise.all([service.listHeroes(), service.cluster()]);
  const up = new Set(view.nodes.filter((n) => n.status === 'up').map((n) => n.name));
  const hosted = view.nodes.filter((n) => n.status === 'up').reduce((sum, n) => sum + n.heroesHosted, 0);
  return { heroes: heroes.length, hosted, unplaced: heroes.filter((h) => !up.has(h.node)).length };
}

/** Waits until every hero runs on an up node exactly once; reports the time and the duplicates. */
async function settle(c: ScenarioContext, label: string): Promise<void> {
  let last: Census | undefined;
  const took = await c.waitFor(async () => {
    last = await census(c.service);
    return last.unplaced === 0 && last.hosted === last.heroes;
  });
  c.result(label, ms(took, c));
  const duplicates = last === undefined ? 0 : Math.max(0, last.hosted - last.heroes);
  c.result('duplicates', String(duplicates));
  if (last !== undefined)
    c.saw(`${last.heroes} heroes, ${last.hosted} hosted on up nodes, ${last.unplaced} between nodes`);
}

/** Shuts `target` down, measures its heroes moving, restarts it. */
async function shutDownAndMeasure(c: ScenarioContext, target: string, measureLeader: boolean): Promise<void> {
  const before = await c.service.listHeroes();
  const onTarget = new Set(before.filter((h) => h.node === target).map((h) => h.id));
  c.saw(`${target} hosts ${onTarget.size} heroes`);
  await c.service.nodeAction(target, 'shutdown');
  c.did(`shut down ${target}`);
  if (measureLeader) {
    const took = await c.waitFor(async () => {
      const leader = leaderOf(await c.service.cluster());
      return leader !== null && leader !== target;
    });
    c.result('time to a new leader', ms(took, c));
    if (took !== undefined) c.saw(`new leader: ${leaderOf(await c.service.cluster()) ?? 'none'}`);
  }
  const moved = await c.waitFor(async () => {
    const view = await c.service.cluster();
    const up = new Set(view.nodes.filter((n) => n.status === 'up').map((n) => n.name));
    const heroes: Hero[] = await c.service.listHeroes();
    return heroes.every((h) => !onTarget.has(h.id) || (h.node !== target && up.has(h.node)));
  });
  c.result('heroes moved', `${onTarget.size} in ${ms(moved, c)}`);
  await settle(c, 'all heroes hosted once after');
  try {
    await c.service.nodeAction(target, 'restart');
    c.did(`restart ${target}`);
    const back = await c.waitFor(async () => statusOf(await c.service.cluster(), target) === 'up');
    c.result(`${target} back up after`, ms(back, c));
  } catch (err) {
    c.saw(`${target} was not restarted: ${(err as Error).message}`);
  }
}

const killLeader: Script = async (c) => {
  const view = await c.service.cluster();
  c.expect(expectation('kill-leader', view.storeMode));
  // Only in raft mode is the leader an application node; otherwise a busy node goes instead.
  if (view.storeMode !== 'raft') {
    const target =
      busiestOther(view) ?? view.nodes.find((n) => n.name !== view.self && n.status === 'up')?.name;
    if (target === undefined) return c.saw('no other node is up: nothing to shut down');
    return shutDownAndMeasure(c, target, false);
  }
  const leader = leaderOf(view);
  if (leader === null) return c.saw('no leader right now: nothing to kill');
  if (leader === view.self) {
    c.saw(`${leader} (this node) leads: shutting it down would take this page with it`);
    c.result('time to a new leader', 'not measured: open another node’s page to kill this one');
    return;
  }
  return shutDownAndMeasure(c, leader, true);
};

const PROBE_NAME = 'Probe Minority';
const PROBE = /^Probe Minority \d$/;

async function probeWrite(c: ScenarioContext, i: number): Promise<Hero | Error> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Error>((resolve) => {
    timer = setTimeout(() => resolve(new Error('no answer')), Math.min(c.timeoutMs, 10_000));
  });
  try {
    return await Promise.race([
      c.service.createHero({ name: `${PROBE_NAME} ${i}` }).catch((err: unknown) => err as Error),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const split: Script = async (c) => {
  const view = await c.service.cluster();
  c.expect(expectation('split', view.storeMode));
  const self = view.self;
  const before = new Set((await c.service.listHeroes()).map((h) => h.id));
  await c.service.nodeAction(self, 'partition');
  c.did(`cut ${self} (this node) off from the others`);
  await c.waitFor(async () => statusOf(await c.service.cluster(), self) === 'partitioned');
  if (view.storeMode === 'raft') {
    await c.waitFor(async () => {
      const leader = leaderOf(await c.service.cluster());
      return leader !== self;
    });
  }
  let refused = 0;
  for (let i = 1; i <= 3; i++) {
    const outcome = await probeWrite(c, i);
    if (outcome instanceof Error) {
      refused++;
      c.saw(`write ${i} on the minority refused: ${outcome.message}`);
    } else {
      c.saw(`write ${i} on the minority accepted (${outcome.name})`);
    }
  }
  c.result('writes refused on the minority', `${refused} of 3`);
  await c.service.nodeAction(self, 'heal');
  c.did(`healed ${self}`);
  const healed = await c.waitFor(async () => statusOf(await c.service.cluster(), self) === 'up');
  c.result('reconnected after', ms(healed, c));
  await settle(c, 'converged after');
  // A refused write whose outcome was unknown may have applied after all: clean up by name.
  const probes = (await c.service.listHeroes()).filter((h) => !before.has(h.id) && PROBE.test(h.name));
  for (const probe of probes) {
    try {
      await c.service.terminateHero(probe.id);
    } catch (err) {
      c.saw(`probe ${probe.name} not terminated: ${(err as Error).message}`);
    }
  }
};

const destroyFour: Script = async (c) => {
  const view = await c.service.cluster();
  c.expect(expectation('destroy-four', view.storeMode));
  const cities: string[] = [];
  for (let i = 1; i <= 4; i++) {
    const city = await c.service.destroyCity('random');
    cities.push(city);
    c.did(`destroyed ${city} (${i} of 4)`);
    await c.sleep(1000);
  }
  c.result('cities destroyed', cities.join(', '));
  await settle(c, 'all heroes hosted once after');
};

const shutdownNode: Script = async (c) => {
  const view = await c.service.cluster();
  c.expect(expectation('shutdown-node', view.storeMode));
  const target = busiestOther(view);
  if (target === undefined) return c.saw('no other node hosts heroes: create some first');
  return shutDownAndMeasure(c, target, false);
};

export const SCRIPTS: Readonly<Record<ScenarioId, Script>> = {
  'kill-leader': killLeader,
  split,
  'destroy-four': destroyFour,
  'shutdown-node': shutdownNode,
};
