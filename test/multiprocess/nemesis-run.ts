/**
 * One nemesis run against a real cluster of node processes: clients on every node create, read,
 * assign and delete heroes through the HTTP API while the nemesis partitions a node, kill -9s and
 * restarts one, and destroys a city four times in a row (its supervisor gives up and the node goes
 * down; the nemesis restarts it). Afterwards every fault is healed, every node restarted, and the
 * end state read from every node. Seeded: the same seed gives the same choices (not the same
 * timings).
 *
 * ```ts
 * const result = await runNemesis({ store: 'raft', seconds: 60, seed: 42, log: console.log });
 * ```
 */
import { heroIdFor } from '../../src/dispatch/hero-record.ts';
import { HttpNoAnswerError, request } from '../../src/dispatch/conformance/dispatch-http-client.ts';
import { seededRandom } from '../../packages/runtime/src/testing/sim/index.ts';
import type { DispatchCluster } from './dispatch-cluster.ts';
import { startDispatchCluster } from './dispatch-cluster.ts';
import type { FinalAnswer, HeroInput, HeroOp, HeroOutput } from './nemesis-history.ts';
import type { NodeProc } from './procs.ts';
import { launch, waitFor } from './procs.ts';

const NAMES = ['gotham', 'metropolis', 'capitol'];
const LOCATIONS = ['home', ...NAMES];

export interface NemesisOptions {
  readonly store: 'raft' | 'crdt';
  readonly seconds: number;
  readonly seed: number;
  /** Clients per node. Default 2. */
  readonly clientsPerNode?: number;
  readonly log: (line: string) => void;
}

export interface NemesisResult {
  readonly history: HeroOp[];
  readonly faults: string[];
  /** When each fault struck, s from the start, and its victim (to explain a lost create). */
  readonly faultTimes: { at: number; node: string; fault: string }[];
  /** Where and when (s from the start) each acknowledged create was answered. */
  readonly acked: Map<string, { node: string; at: number; local: boolean }>;
  /** The node each operation was sent to (to explain a history the checker refuses). */
  readonly sentTo: Map<HeroOp, string>;
  /** When the run started (performance.now), to print times relative to it. */
  readonly started: number;
  /** Per hero id, what each node answered at the end. */
  readonly finals: Map<string, FinalAnswer[]>;
  /** Per node at the end: its heroes (id → node running it) and the actors it hosts. */
  readonly views: { name: string; heroes: Map<string, string>; hosted: number }[];
  readonly statuses: Map<string, number>;
}

type Rng = () => number;
const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const base = (p: NodeProc): string => `http://127.0.0.1:${p.webPort}`;
const alive = (p: NodeProc): boolean => p.child.exitCode === null && p.child.signalCode === null;

export async function runNemesis(o: NemesisOptions): Promise<NemesisResult> {
  const cluster = await startDispatchCluster(NAMES, o.store);
  try {
    return await run(cluster, o);
  } finally {
    await cluster.stop();
  }
}

async function run(cluster: DispatchCluster, o: NemesisOptions): Promise<NemesisResult> {
  const rng = seededRandom(o.seed);
  const history: HeroOp[] = [];
  const faults: string[] = [];
  const faultTimes: NemesisResult['faultTimes'] = [];
  const acked: NemesisResult['acked'] = new Map();
  const sentTo: NemesisResult['sentTo'] = new Map();
  const strike = (fault: string, node: string): void => {
    faults.push(`${fault} ${node}`);
    faultTimes.push({ at: (performance.now() - started) / 1000, node, fault });
  };
  const statuses = new Map<string, number>();
  const known: string[] = [];
  const started = performance.now();
  const until = started + o.seconds * 1000;
  let nextClient = 0;
  let keys = 0;

  const client = async (home: NodeProc, crng: Rng): Promise<void> => {
    let clientId = nextClient++;
    while (performance.now() < until) {
      const roll = crng();
      const target = crng() < 0.7 ? home : pick(crng, cluster.procs);
      let input: HeroInput;
      let method: string;
      let path: string;
      let body: unknown;
      let key: string | undefined;
      if (roll < 0.25 || known.length === 0) {
        key = `nemesis-${o.seed}-${keys++}`;
        input = { op: 'create', id: heroIdFor(key) };
        [method, path, body] = ['POST', '/api/heroes', {}];
      } else {
        // Mostly recent heroes, so operations on one hero overlap.
        const id = known[Math.max(0, known.length - 1 - Math.floor(crng() * Math.min(known.length, 12)))]!;
        if (roll < 0.6) {
          input = { op: 'read', id };
          [method, path] = ['GET', `/api/heroes/${id}`];
        } else if (roll < 0.88) {
          const location = pick(crng, LOCATIONS);
          input = { op: 'assign', id, location };
          [method, path, body] = ['POST', `/api/heroes/${id}/assign`, { location }];
        } else {
          input = { op: 'delete', id };
          [method, path] = ['DELETE', `/api/heroes/${id}`];
        }
      }
      if (input.op === 'create') known.push(input.id);
      const call = performance.now();
      let output: HeroOutput | undefined;
      let local = false;
      try {
        const answer = await request(base(target), method, path, {
          ...(body === undefined ? {} : { body }),
          ...(key === undefined ? {} : { key }),
          timeoutMs: 10_000,
        });
        const code = errorCode(answer.body);
        const tag = `${input.op} ${answer.status}${code === undefined ? '' : ` ${code}`}`;
        statuses.set(tag, (statuses.get(tag) ?? 0) + 1);
        output = toOutput(answer.status, answer.body);
        local = (answer.body as { durability?: string } | undefined)?.durability === 'local';
      } catch (err) {
        if (!(err instanceof HttpNoAnswerError)) throw err;
        const refused = /ECONNREFUSED/.test(String((err.cause as { cause?: unknown })?.cause ?? err.cause));
        const tag = `${input.op} ${refused ? 'refused' : 'no answer'}`;
        statuses.set(tag, (statuses.get(tag) ?? 0) + 1);
        // A refused connection never reached the node: nothing was written.
        output = refused ? { kind: 'failed', status: 0 } : undefined;
      }
      const ret = performance.now();
      const op: HeroOp = { clientId, input, call, return: output === undefined ? Infinity : ret, output };
      history.push(op);
      sentTo.set(op, target.name);
      if (input.op === 'create' && output?.kind === 'ok')
        acked.set(input.id, { node: target.name, at: (ret - started) / 1000, local });
      if (output === undefined) clientId = 1_000_000 + nextClient++; // its request may still be in flight
      if (output?.kind === 'failed') await sleep(50); // the node is down or cut off: do not spin
    }
  };

  const nemesis = async (): Promise<void> => {
    while (performance.now() < until - 4000) {
      await sleep(1500 + rng() * 2000);
      const victim = pick(rng, cluster.procs);
      const kind = rng();
      if (!alive(victim)) continue;
      if (kind < 0.4) {
        strike('partition', victim.name);
        o.log(`${t()} partition ${victim.name}`);
        await request(base(victim), 'POST', `/api/nodes/${victim.name}/partition`, { timeoutMs: 5000 }).catch(
          note,
        );
        await sleep(2000 + rng() * 4000);
        await request(base(victim), 'POST', `/api/nodes/${victim.name}/heal`, { timeoutMs: 5000 }).catch(
          note,
        );
        o.log(`${t()} heal ${victim.name}`);
      } else if (kind < 0.75) {
        strike('kill -9', victim.name);
        o.log(`${t()} kill -9 ${victim.name}`);
        await kill(victim);
        await sleep(1000 + rng() * 3000);
        await restart(victim);
      } else {
        const from = pick(
          rng,
          cluster.procs.filter((p) => alive(p)),
        );
        strike('destroy x4', victim.name);
        o.log(`${t()} destroy ${victim.name} four times in a row (from ${from.name})`);
        for (let i = 0; i < 4; i++) {
          await request(base(from), 'POST', `/api/cities/${victim.name}/destroy`, { timeoutMs: 5000 }).catch(
            note,
          );
          await sleep(150);
        }
        const down = await waitFor(() => !alive(victim), 8000, `${victim.name} gives up`).then(
          () => true,
          () => false,
        );
        o.log(`${t()} ${victim.name} ${down ? 'went down' : 'survived (a destroy missed its city)'}`);
        if (down) {
          await sleep(500 + rng() * 1500);
          await restart(victim);
        }
      }
    }
  };

  const t = (): string => `${((performance.now() - started) / 1000).toFixed(1)}s`;
  const note = (err: unknown): void => o.log(`${t()} nemesis request failed: ${String(err)}`);
  const kill = async (p: NodeProc): Promise<void> => {
    if (!alive(p)) return;
    const exited = new Promise<void>((r) => p.child.once('exit', () => r()));
    p.child.kill('SIGKILL');
    await exited;
  };
  const restart = async (p: NodeProc): Promise<void> => {
    if (alive(p)) return;
    launch(p);
    await waitFor(
      async () =>
        (await request(base(p), 'GET', '/readyz', { timeoutMs: 2000 }).catch(() => undefined))?.status ===
        200,
      60_000,
      `${p.name} ready after restart`,
    );
    o.log(`${t()} ${p.name} restarted`);
  };

  const clients: Promise<void>[] = [];
  for (const [i, p] of cluster.procs.entries())
    for (let c = 0; c < (o.clientsPerNode ?? 2); c++)
      clients.push(client(p, seededRandom(o.seed * 100 + i * 10 + c)));
  await Promise.all([...clients, nemesis()]);

  // Heal everything: every node up and reconnected.
  for (const p of cluster.procs) {
    if (!alive(p)) await restart(p);
    await request(base(p), 'POST', `/api/nodes/${p.name}/heal`, { timeoutMs: 5000 }).catch(note);
  }
  o.log(`${t()} healed; waiting for the nodes to agree`);
  const views = await settle(cluster);
  const finals = new Map<string, FinalAnswer[]>();
  const ids = [...new Set(history.map((op) => op.input.id))];
  for (const id of ids) {
    const answers: FinalAnswer[] = [];
    for (const p of cluster.procs) {
      const a = await request(base(p), 'GET', `/api/heroes/${id}`, { timeoutMs: 10_000 }).catch(
        () => undefined,
      );
      answers.push(
        a?.status === 200 ? 'live' : a?.status === 409 ? 'dead' : a?.status === 404 ? 'absent' : 'error',
      );
    }
    finals.set(id, answers);
  }
  return { history, faults, faultTimes, acked, finals, views, statuses, sentTo, started };
}

/** The API's error code in an error answer's body (`{"error": {"code": …}}`), if any. */
function errorCode(body: unknown): string | undefined {
  const code = (body as { error?: { code?: unknown } } | undefined)?.error?.code;
  return typeof code === 'string' ? code : undefined;
}

export function toOutput(status: number, body: unknown): HeroOutput | undefined {
  if (status === 200 || status === 201)
    return { kind: 'ok', location: (body as { location: string }).location };
  if (status === 204) return { kind: 'ok' };
  const code = errorCode(body);
  // 409 is a fact about the hero only as dead_hero; city_down (assigned to a city that is not up)
  // is a refusal that wrote nothing.
  if (status === 409 && code === 'dead_hero') return { kind: 'dead' };
  if (status === 404) return { kind: 'absent' };
  if (status === 504) return undefined;
  // The code goes with it, so a refused history names which refusal it was.
  return code === undefined ? { kind: 'failed', status } : { kind: 'failed', status, code };
}

/**
 * Waits until every node lists the same heroes, each running on a node, and the nodes' own
 * hosted counts add up to the number of heroes; returns the last views (the caller asserts).
 */
async function settle(cluster: DispatchCluster): Promise<NemesisResult['views']> {
  let views: NemesisResult['views'] = [];
  const agree = async (): Promise<boolean> => {
    views = [];
    for (const p of cluster.procs) {
      const list = await request(base(p), 'GET', '/api/heroes', { timeoutMs: 10_000 }).catch(() => undefined);
      const view = await request(base(p), 'GET', '/api/cluster', { timeoutMs: 10_000 }).catch(
        () => undefined,
      );
      const heroes = new Map(
        ((list?.body as { heroes?: { id: string; node: string }[] } | undefined)?.heroes ?? []).map((h) => [
          h.id,
          h.node,
        ]),
      );
      const nodes = (
        view?.body as { self: string; nodes: { name: string; heroesHosted: number }[] } | undefined
      )?.nodes;
      views.push({
        name: p.name,
        heroes,
        hosted: nodes?.find((n) => n.name === p.name)?.heroesHosted ?? NaN,
      });
    }
    const [first] = views;
    if (!first) return false;
    const ids = [...first.heroes.keys()].sort().join();
    const hosted = views.reduce((s, v) => s + v.hosted, 0);
    return (
      views.every((v) => [...v.heroes.keys()].sort().join() === ids) &&
      [...first.heroes.values()].every((n) => n !== '') &&
      hosted === first.heroes.size
    );
  };
  await waitFor(agree, 120_000, 'all nodes agree', 1000).catch(() => undefined);
  return views;
}
