// A whole-cluster restart loses nothing acknowledged, in either store mode: three node processes
// take creates and assignments through the HTTP API while every one of them is killed with
// SIGKILL at the same moment (a power cut, a host crash), then all start again on the same data
// directories. Every hero whose create was answered 201 is there, on every node, at the location
// of its last assignment answered 200 (or of the one still unanswered at the kill, whose outcome
// is unknown). A hero may die of its fights meanwhile; only one whose death its node logged may be
// missing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CITY_NAMES } from '../../src/dispatch/model.ts';
import {
  api,
  heroes,
  startDispatchCluster,
  type DispatchCluster,
  type HeroJson,
} from './dispatch-cluster.ts';
import { launch, stopProcs, waitFor } from './procs.ts';

const NAMES = ['gotham', 'metropolis', 'capitol'];
const HEROES_PER_NODE = 8;
const LOCATIONS = ['home', ...CITY_NAMES] as const;

interface Tracked {
  readonly id: string;
  /** Location of the last assignment answered 200 ('home' after the create). */
  acked: string;
  /** Assignments since then with no answer (a cut connection): each may or may not have happened. */
  readonly unknown: string[];
}

/** Hero ids whose death a node logged (the hero actor logs it after deleting the record). */
function deathsLogged(cluster: DispatchCluster): Set<string> {
  const dead = new Set<string>();
  for (const p of cluster.procs) {
    for (const line of p.output.split('\n')) {
      if (!line.includes('"hero died"')) continue;
      const m = /"hero":"([0-9a-f-]+)"/.exec(line);
      if (m !== null) dead.add(m[1]!);
    }
  }
  return dead;
}

async function wholeClusterRestart(mode: 'raft' | 'crdt', t: test.TestContext): Promise<void> {
  const cluster = await startDispatchCluster(NAMES, mode, ['--log-level', 'info']);
  t.after(() => cluster.stop());
  const tracked: Tracked[] = [];
  await Promise.all(
    cluster.procs.map(async (p) => {
      for (let i = 0; i < HEROES_PER_NODE; i++) {
        const r = await api(p, 'POST', '/api/heroes', { name: `${p.name} ${i}` });
        assert.equal(r.status, 201, `create on ${p.name}: ${JSON.stringify(r.json)}`);
        tracked.push({ id: (r.json as HeroJson).id, acked: 'home', unknown: [] });
      }
    }),
  );
  // Assignments go on, one at a time per hero, on every node, until the cluster is killed.
  let killed = false;
  let answered = 0;
  const workers = cluster.procs.map(async (p, w) => {
    const mine = tracked.filter((_, i) => i % cluster.procs.length === w);
    for (let round = 0; !killed; round++) {
      const hero = mine[round % mine.length]!;
      const location = LOCATIONS[(round + w) % LOCATIONS.length]!;
      hero.unknown.push(location);
      const r = await api(p, 'POST', `/api/heroes/${hero.id}/assign`, { location });
      if (r.status === 200) {
        hero.acked = location;
        hero.unknown.length = 0;
        answered++;
      } else if (r.status !== 0) {
        // An error answer writes nothing (a dead hero's 404/409 included); only a cut connection
        // or a client timeout leaves the outcome unknown.
        hero.unknown.pop();
      }
    }
  });
  await waitFor(() => answered >= 60, 60_000, '60 assignments answered');
  killed = true;
  await stopProcs(cluster.procs);
  await Promise.all(workers);
  t.diagnostic(`${mode}: ${tracked.length} heroes, ${answered} assignments answered before the kill`);

  for (const p of cluster.procs) launch(p);
  await Promise.all(
    cluster.procs.map((p) =>
      waitFor(async () => (await api(p, 'GET', '/readyz')).status === 200, 60_000, `${p.name} ready again`),
    ),
  );
  let problems: string[] = [];
  await waitFor(
    async () => {
      problems = [];
      const dead = deathsLogged(cluster);
      for (const p of cluster.procs) {
        const byId = new Map((await heroes(p)).map((h) => [h.id, h]));
        for (const hero of tracked) {
          const found = byId.get(hero.id);
          if (found === undefined) {
            if (!dead.has(hero.id)) problems.push(`${p.name}: ${hero.id} missing`);
          } else if (found.location !== hero.acked && !hero.unknown.includes(found.location)) {
            problems.push(`${p.name}: ${hero.id} at ${found.location}, acknowledged ${hero.acked}`);
          }
        }
      }
      return problems.length === 0;
    },
    60_000,
    'every acknowledged hero back at its acknowledged location',
  ).catch((err: unknown) => {
    throw new Error(`${(err as Error).message}: ${problems.slice(0, 10).join('; ')}`);
  });
  const dead = [...deathsLogged(cluster)].filter((id) => tracked.some((h) => h.id === id));
  t.diagnostic(`${mode}: acknowledged heroes lost 0 (${dead.length} died in fights)`);
}

test(
  'raft mode: a whole-cluster kill -9 and restart loses no acknowledged create or assignment',
  { timeout: 240_000 },
  (t) => wholeClusterRestart('raft', t),
);

test(
  'crdt mode: a whole-cluster kill -9 and restart loses no acknowledged create or assignment',
  { timeout: 240_000 },
  (t) => wholeClusterRestart('crdt', t),
);
