/**
 * The multi-host test's view of a cluster: HTTP calls to each host's node, the checks that there
 * is one Raft group and one hero set, and the ledger of acknowledged writes (a hero whose create
 * was answered 201 must never be lost: at the end it is on every node, or it died in the game and
 * a node logged its death).
 */
import assert from 'node:assert/strict';
import { waitFor } from '../../packages/runtime/src/testing/wait-for.ts';
import type { HostProc, Net } from './netns.ts';

export const WEB_PORT = 4900;
export const CLUSTER_PORT = 4370;
/** The bearer token every node's HTTP API asks for (the web port is not on loopback). */
export const WEB_TOKEN = 'multihost-web-token-0123456789abcdef';

export interface NodeJson {
  name: string;
  status: string;
  role: string;
  storeRole: string;
  raftMember?: 'voter' | 'learner' | 'none';
  heroesHosted: number;
}
export interface ClusterJson {
  self: string;
  nodes: NodeJson[];
  raft?: { term: number; leader: string | null; voters: string[]; learners: string[] };
}
export interface HeroJson {
  id: string;
  name: string;
  node: string;
  location: string;
}

export interface Member {
  readonly name: string;
  readonly host: number;
  proc: HostProc;
}

export async function call(
  net: Net,
  host: number,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  try {
    const res = await fetch(`http://${net.hosts[host]?.mgmtIp}:${WEB_PORT}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${WEB_TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    return { status: res.status, json: text ? (JSON.parse(text) as unknown) : undefined };
  } catch (err) {
    return { status: 0, json: { error: String(err) } };
  }
}

export async function cluster(net: Net, m: Member): Promise<ClusterJson | undefined> {
  const r = await call(net, m.host, 'GET', '/api/cluster');
  return r.status === 200 ? (r.json as ClusterJson) : undefined;
}

export async function heroIds(net: Net, m: Member): Promise<Set<string> | undefined> {
  const r = await call(net, m.host, 'GET', '/api/heroes');
  return r.status === 200 ? new Set((r.json as { heroes: HeroJson[] }).heroes.map((h) => h.id)) : undefined;
}

export async function waitReady(net: Net, members: readonly Member[], ms = 90_000): Promise<void> {
  await Promise.all(
    members.map((m) =>
      waitFor(
        async () => (await call(net, m.host, 'GET', '/readyz')).status === 200,
        ms,
        `${m.name} ready`,
        250,
      ),
    ),
  );
}

/** Exactly one Raft group: every member names the same leader and voters, one member leads. */
export async function oneRaftGroup(net: Net, members: readonly Member[]): Promise<ClusterJson['raft']> {
  let last = '';
  await waitFor(
    async () => {
      const views = await Promise.all(members.map((m) => cluster(net, m)));
      const groups = new Set(
        views.map((v) => (v?.raft ? `${v.raft.leader} | ${[...v.raft.voters].sort().join(',')}` : 'none')),
      );
      const leaders = views.filter((v) => v?.nodes.find((n) => n.name === v.self)?.storeRole === 'leader');
      last = `${[...groups].join(' ; ')} (${leaders.length} leading)`;
      return groups.size === 1 && !groups.has('none') && leaders.length === 1;
    },
    30_000,
    'one raft group',
    250,
  ).catch((err: unknown) => {
    throw new Error(`${String(err)}: last seen ${last}`);
  });
  return (await cluster(net, members[0] as Member))?.raft;
}

export class Ledger {
  readonly acked = new Map<string, string>();

  /** Creates a hero on `m`, retrying until a 201 (each 201 is an acknowledged write). */
  async create(net: Net, m: Member, ms = 30_000): Promise<string> {
    let id = '';
    await waitFor(
      async () => {
        const r = await call(net, m.host, 'POST', '/api/heroes', {});
        if (r.status !== 201) return false;
        const hero = r.json as HeroJson;
        this.acked.set(hero.id, hero.name);
        id = hero.id;
        return true;
      },
      ms,
      `a hero created on ${m.name}`,
      250,
    );
    return id;
  }

  /** Tries once; a 201 is recorded. Returns the status. */
  async tryCreate(net: Net, m: Member): Promise<number> {
    const r = await call(net, m.host, 'POST', '/api/heroes', {});
    if (r.status === 201) this.acked.set((r.json as HeroJson).id, (r.json as HeroJson).name);
    return r.status;
  }

  /** One hero set: every member lists the same heroes, and holds every acknowledged one alive. */
  async converged(
    net: Net,
    members: readonly Member[],
    procs: readonly HostProc[],
    ms = 60_000,
  ): Promise<void> {
    let last = '';
    await waitFor(
      async () => {
        const sets = await Promise.all(members.map((m) => heroIds(net, m)));
        if (sets.some((s) => s === undefined)) return false;
        const keys = new Set(sets.map((s) => [...(s as Set<string>)].sort().join(',')));
        const missing = [...this.acked.keys()].filter(
          (id) => !(sets[0] as Set<string>).has(id) && !died(procs, id),
        );
        last = `${keys.size} hero sets, missing ${missing.join(',') || 'none'}`;
        return keys.size === 1 && missing.length === 0;
      },
      ms,
      'one hero set',
      500,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}: ${last}`);
    });
  }

  /** Acknowledged heroes neither listed nor logged dead: lost writes. */
  async lost(net: Net, m: Member, procs: readonly HostProc[]): Promise<string[]> {
    const ids = (await heroIds(net, m)) ?? new Set<string>();
    return [...this.acked.keys()].filter((id) => !ids.has(id) && !died(procs, id));
  }
}

/** A node logged this hero's death (the game deletes dead heroes; that is not a lost write). */
function died(procs: readonly HostProc[], id: string): boolean {
  return procs.some((p) => p.output.split('\n').some((l) => l.includes(id) && l.includes('hero died')));
}

export function assertNoLoss(lost: string[]): void {
  assert.deepEqual(lost, [], 'acknowledged writes lost');
}
