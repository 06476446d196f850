/**
 * A cluster across separate hosts (network namespaces joined by a bridge, `netns.ts`), started
 * with the documented command line — the Kubernetes StatefulSet's own for DNS SRV discovery —
 * in raft and in crdt mode:
 *
 * - formation from unnamed static seeds (`host:port`), from DNS SRV records and from gossip:
 *   exactly one Raft group (one leader, the same voters everywhere) and one hero set;
 * - a real partition (a host's link taken down): in raft mode the cut-off host refuses writes
 *   while the others keep writing; in crdt mode both sides write and converge once it is back;
 * - `kill -9` of a host's node and its restart;
 * - a node with a new city name joining, becoming a voter (raft: autopilot replaces a voter that
 *   stayed down past the grace), hosting heroes, then leaving;
 * - no acknowledged write lost throughout.
 *
 * Skipped, with the reason, only where `ip netns` cannot be used (not root, no permission).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { waitFor } from '../../packages/runtime/src/testing/wait-for.ts';
import { startDnsServer } from '../cluster/dns-server.ts';
import type { TestDnsServer } from '../cluster/dns-server.ts';
import { statefulSetArgs, withArg } from '../deploy/manifests.ts';
import type { Member } from './cluster-client.ts';
import {
  Ledger,
  assertNoLoss,
  call,
  cluster,
  oneRaftGroup,
  waitReady,
  CLUSTER_PORT,
  WEB_PORT,
  WEB_TOKEN,
} from './cluster-client.ts';
import { createNet, kill9, netnsUnavailable, terminate } from './netns.ts';
import type { HostProc, Net } from './netns.ts';

const skip = netnsUnavailable();
const CITIES = ['gotham', 'metropolis', 'capitol'];
const NEW_CITY = 'krypton';
const ENV = { SUPERHERO_COOKIE: 'multihost-test-cookie-0123456789', SUPERHERO_WEB_TOKEN: WEB_TOKEN };
/** Seconds a Raft member may be down before autopilot replaces it (30 by default; short here). */
const GRACE_S = '4';
const SERVICE = 'superhero.multihost.test';

type Mode = 'raft' | 'crdt';

interface Run {
  net: Net;
  dataDir: string;
  procs: HostProc[];
  dns: TestDnsServer;
}

/** The documented command line for `superhero node` on host `i`, with static unnamed seeds. */
function staticArgs(
  net: Net,
  name: string,
  i: number,
  mode: Mode,
  dataDir: string,
  expect: boolean,
): string[] {
  const seeds = net.hosts
    .slice(0, CITIES.length)
    .filter((_, j) => j !== i)
    .map((h) => `${h.ip}:${CLUSTER_PORT}`)
    .join(',');
  return [
    'node',
    '--name',
    name,
    '--host',
    '0.0.0.0',
    '--port',
    String(CLUSTER_PORT),
    '--web-port',
    String(WEB_PORT),
    '--web-host',
    '0.0.0.0',
    '--seeds',
    seeds,
    ...(expect ? ['--expect', '3'] : []),
    '--store',
    mode,
    '--data-dir',
    join(dataDir, name),
    '--dead-member-grace',
    GRACE_S,
  ];
}

/** The StatefulSet's command line, pointed at the test's DNS server. */
function stsArgs(run: Run, name: string, mode: Mode): string[] {
  let args = statefulSetArgs({ POD_NAME: name, POD_NAMESPACE: 'multihost' });
  args = withArg(args, '--discovery', `dns:_cluster._tcp.${SERVICE}:srv`);
  args = withArg(args, '--store', mode);
  args = withArg(args, '--data-dir', join(run.dataDir, `sts-${name}`));
  return [...args, '--dns-servers', run.dns.address, '--dead-member-grace', GRACE_S];
}

function gossipArgs(run: Run, name: string, mode: Mode): string[] {
  return [
    'node',
    '--name',
    name,
    '--host',
    '0.0.0.0',
    '--web-host',
    '0.0.0.0',
    '--discovery',
    `gossip:45892:${run.net.broadcast}`,
    '--expect',
    '3',
    '--store',
    mode,
    '--data-dir',
    join(run.dataDir, `gossip-${name}`),
  ];
}

function start(run: Run, i: number, args: string[]): Member {
  const proc = run.net.spawn(i, args, ENV);
  run.procs.push(proc);
  return { name: args[args.indexOf('--name') + 1] as string, host: i, proc };
}

async function stopAll(members: readonly Member[]): Promise<void> {
  await Promise.all(members.map((m) => kill9(m.proc)));
}

function setup(): Run {
  const net = createNet(CITIES.length + 1);
  return { net, dataDir: mkdtempSync(join(tmpdir(), 'multihost-')), procs: [], dns: undefined as never };
}

async function withRun(
  t: { diagnostic: (s: string) => void },
  body: (run: Run) => Promise<void>,
): Promise<void> {
  const run = setup();
  try {
    run.dns = await startDnsServer(run.net.bridgeIp);
    run.dns.set(
      'SRV',
      `_cluster._tcp.${SERVICE}`,
      CITIES.map((c) => ({
        type: 'SRV' as const,
        name: `_cluster._tcp.${SERVICE}`,
        ttl: 5,
        data: { priority: 0, weight: 10, port: CLUSTER_PORT, target: `${c}.${SERVICE}` },
      })),
    );
    CITIES.forEach((c, i) =>
      run.dns.set('A', `${c}.${SERVICE}`, [
        { type: 'A', name: `${c}.${SERVICE}`, ttl: 5, data: run.net.hosts[i]?.ip ?? '' },
      ]),
    );
    await body(run);
  } catch (err) {
    for (const p of run.procs)
      t.diagnostic(`--- host ${p.host} ${p.args.slice(0, 3).join(' ')}\n${p.output.slice(-3000)}`);
    throw err;
  } finally {
    await Promise.all(run.procs.map((p) => kill9(p)));
    await run.dns?.close();
    run.net.destroy();
    rmSync(run.dataDir, { recursive: true, force: true });
  }
}

/** Formation only: three nodes, one group (raft), one hero set, then stopped. */
async function formOnly(
  run: Run,
  mode: Mode,
  args: (name: string, i: number) => string[],
  ledger: Ledger,
): Promise<void> {
  const members = CITIES.map((c, i) => start(run, i, args(c, i)));
  await waitReady(run.net, members);
  if (mode === 'raft') {
    const raft = await oneRaftGroup(run.net, members);
    assert.deepEqual([...(raft?.voters ?? [])].sort(), [...CITIES].sort());
  }
  await ledger.create(run.net, members[0] as Member);
  await ledger.converged(run.net, members, run.procs);
  assertNoLoss(await ledger.lost(run.net, members[1] as Member, run.procs));
  await stopAll(members);
}

test(
  'raft mode across hosts: one group from any discovery; partition, kill -9, a new city; nothing lost',
  { skip: skip ?? false, timeout: 600_000 },
  async (t) => {
    await withRun(t, async (run) => {
      const ledger = new Ledger();
      const { net } = run;
      t.diagnostic('formation from DNS SRV (the StatefulSet command line)');
      await formOnly(run, 'raft', (c) => stsArgs(run, c, 'raft'), new Ledger());
      t.diagnostic('formation from gossip');
      await formOnly(run, 'raft', (c) => gossipArgs(run, c, 'raft'), new Ledger());

      t.diagnostic('formation from unnamed static seeds');
      const [gotham, metropolis, capitol] = CITIES.map((c, i) =>
        start(run, i, staticArgs(net, c, i, 'raft', run.dataDir, true)),
      ) as [Member, Member, Member];
      const all = [gotham, metropolis, capitol];
      await waitReady(net, all);
      await oneRaftGroup(net, all);
      for (const m of all) await ledger.create(net, m);
      await ledger.converged(net, all, run.procs);

      t.diagnostic("partition: capitol's link down");
      net.linkDown(capitol.host);
      const seen: number[] = [];
      await waitFor(
        async () => seen[seen.push(await ledger.tryCreate(net, capitol)) - 1] === 503,
        60_000,
        'capitol refuses writes with 503 no quorum',
        500,
      ).catch((err: unknown) => {
        throw new Error(`${String(err)}; statuses seen: ${seen.join(',')}`);
      });
      await ledger.create(net, gotham);
      net.linkUp(capitol.host);
      await waitReady(net, all);
      await oneRaftGroup(net, all);
      await ledger.converged(net, all, run.procs);

      t.diagnostic('kill -9 metropolis, write, restart it');
      await kill9(metropolis.proc);
      await ledger.create(net, gotham);
      net.restart(metropolis.proc);
      await waitReady(net, all);
      await ledger.converged(net, all, run.procs);

      t.diagnostic('a new city joins as a learner');
      const krypton = start(run, 3, [...staticArgs(net, NEW_CITY, 3, 'raft', run.dataDir, false)]);
      await waitReady(net, [krypton]);
      await waitFor(
        async () => (await cluster(net, gotham))?.raft?.learners.includes(NEW_CITY) ?? false,
        30_000,
        'krypton a learner',
        250,
      );

      t.diagnostic('capitol killed: past the grace autopilot replaces it with krypton');
      await kill9(capitol.proc);
      const live = [gotham, metropolis, krypton];
      await waitFor(
        async () => {
          const raft = (await cluster(net, gotham))?.raft;
          return raft !== undefined && raft.voters.includes(NEW_CITY) && !raft.voters.includes('capitol');
        },
        60_000,
        'krypton a voter in place of capitol',
        500,
      );
      await oneRaftGroup(net, live);
      const id = await ledger.create(net, krypton);
      assert.equal(
        (await call(net, gotham.host, 'POST', `/api/heroes/${id}/assign`, { location: NEW_CITY })).status,
        200,
      );
      await waitFor(
        async () =>
          ((await call(net, gotham.host, 'GET', `/api/heroes/${id}`)).json as { node?: string })?.node ===
          NEW_CITY,
        30_000,
        'the hero runs on krypton',
        500,
      );
      await ledger.converged(net, live, run.procs);

      t.diagnostic('krypton leaves; capitol comes back and is a voter again');
      await terminate(krypton.proc);
      net.restart(capitol.proc);
      await waitFor(
        async () => {
          const raft = (await cluster(net, gotham))?.raft;
          return raft !== undefined && [...raft.voters].sort().join(',') === 'capitol,gotham,metropolis';
        },
        90_000,
        'capitol a voter again, krypton removed',
        500,
      );
      await waitReady(net, all);
      await oneRaftGroup(net, all);
      await ledger.create(net, capitol);
      await ledger.converged(net, all, run.procs);
      assertNoLoss(await ledger.lost(net, gotham, run.procs));
      t.diagnostic(`acknowledged writes: ${ledger.acked.size}, lost: 0; raft groups formed per cluster: 1`);
    });
  },
);

test(
  'crdt mode across hosts: formation from DNS SRV and gossip; partition and heal converge; kill -9; a new city; nothing lost',
  { skip: skip ?? false, timeout: 600_000 },
  async (t) => {
    await withRun(t, async (run) => {
      const ledger = new Ledger();
      const { net } = run;
      t.diagnostic('formation from gossip');
      await formOnly(run, 'crdt', (c) => gossipArgs(run, c, 'crdt'), new Ledger());

      t.diagnostic('formation from DNS SRV (the StatefulSet command line)');
      const [gotham, metropolis, capitol] = CITIES.map((c, i) => start(run, i, stsArgs(run, c, 'crdt'))) as [
        Member,
        Member,
        Member,
      ];
      const all = [gotham, metropolis, capitol];
      await waitReady(net, all);
      for (const m of all) await ledger.create(net, m);
      await ledger.converged(net, all, run.procs);

      t.diagnostic('partition: both sides keep writing, and converge after the link is back');
      net.linkDown(capitol.host);
      await waitFor(
        async () => ((await cluster(net, capitol))?.nodes.filter((n) => n.status === 'up').length ?? 0) === 1,
        30_000,
        'capitol sees itself alone',
        500,
      );
      await ledger.create(net, capitol);
      await ledger.create(net, gotham);
      net.linkUp(capitol.host);
      await ledger.converged(net, all, run.procs);

      t.diagnostic('kill -9 metropolis, write, restart it');
      await kill9(metropolis.proc);
      await ledger.create(net, gotham);
      net.restart(metropolis.proc);
      await waitReady(net, all);
      await ledger.converged(net, all, run.procs);

      t.diagnostic('a new city joins, hosts a hero, leaves');
      const krypton = start(run, 3, [...staticArgs(net, NEW_CITY, 3, 'crdt', run.dataDir, false)]);
      await waitReady(net, [krypton]);
      const id = await ledger.create(net, gotham);
      await waitFor(
        async () =>
          (await call(net, gotham.host, 'POST', `/api/heroes/${id}/assign`, { location: NEW_CITY }))
            .status === 200,
        30_000,
        'assigned to krypton',
        500,
      );
      await waitFor(
        async () =>
          ((await call(net, gotham.host, 'GET', `/api/heroes/${id}`)).json as { node?: string })?.node ===
          NEW_CITY,
        30_000,
        'the hero runs on krypton',
        500,
      );
      await terminate(krypton.proc);
      await ledger.converged(net, all, run.procs);
      assertNoLoss(await ledger.lost(net, gotham, run.procs));
      t.diagnostic(`acknowledged writes: ${ledger.acked.size}, lost: 0`);
    });
  },
);
