/**
 * In-process Raft store clusters over real loopback TCP for the driver tests: each member is a
 * cluster node (`startNode`, port 0, seeded with the first) with a `RaftStore` on top.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClusterNode } from '../../packages/runtime/src/cluster/node.ts';
import { startNode } from '../../packages/runtime/src/cluster/node.ts';
import { testLogger } from '../test-logger.ts';
import type { RaftStore, RaftStoreOptions } from '../../packages/runtime/src/store/raft-store.ts';
import { startRaftStore } from '../../packages/runtime/src/store/raft-store.ts';
import { waitFor } from '../../packages/runtime/src/testing/wait-for.ts';

export const COOKIE = 'raft-driver-test-cookie';

export interface Member {
  readonly short: string;
  node: ClusterNode;
  store: RaftStore;
  readonly port: number;
  readonly dataDir: string | undefined;
}

export type StoreExtras = Partial<Omit<RaftStoreOptions, 'node' | 'voters' | 'dataDir'>>;

export interface TestCluster {
  readonly members: Member[];
  readonly voters: string[];
  readonly root: string;
  member(short: string): Member;
  leader(): Member;
  /** Stops member `short` (store, then node) without telling anyone. */
  stop(short: string): Promise<void>;
  /** Kills member `short`: its node stops first (connections drop), then its store is closed. */
  kill(short: string): Promise<void>;
  /** Starts a stopped member again on its port and data directory. */
  restart(short: string): Promise<void>;
  /** Starts a new node (not a founder) with a store that waits to be added. */
  join(short: string): Promise<Member>;
  close(): Promise<void>;
}

export async function startStoreCluster(
  names: string[],
  options: { durable?: boolean; extras?: StoreExtras } = {},
): Promise<TestCluster> {
  const root = await mkdtemp(join(tmpdir(), 'raft-driver-'));
  const durable = options.durable ?? true;
  const extras = options.extras ?? {};
  const first = await startNode({ name: names[0]!, cookie: COOKIE, logger: testLogger });
  const rest = await Promise.all(
    names
      .slice(1)
      .map((name) => startNode({ name, cookie: COOKIE, logger: testLogger, seeds: [first.address] })),
  );
  const nodes = [first, ...rest];
  const voters = nodes.map((n) => n.name);
  const members: Member[] = await Promise.all(
    nodes.map(async (node) => {
      const dataDir = durable ? join(root, node.shortName) : undefined;
      const store = await startRaftStore({ node, voters, ...(dataDir ? { dataDir } : {}), ...extras });
      return { short: node.shortName, node, store, port: node.address.port, dataDir };
    }),
  );
  const stopped = new Set<string>();
  const cluster: TestCluster = {
    members,
    voters,
    root,
    member(short) {
      const m = members.find((x) => x.short === short);
      if (m === undefined) throw new Error(`no member ${short}`);
      return m;
    },
    leader() {
      const leaders = members.filter((m) => !stopped.has(m.short) && m.store.role() === 'leader');
      if (leaders.length !== 1) throw new Error(`expected one leader, found ${leaders.length}`);
      return leaders[0]!;
    },
    async stop(short) {
      const m = cluster.member(short);
      stopped.add(short);
      await m.store.close();
      await m.node.stop();
    },
    async kill(short) {
      const m = cluster.member(short);
      stopped.add(short);
      await m.node.stop();
      await m.store.close();
    },
    async restart(short) {
      const m = cluster.member(short);
      const seeds = members
        .filter((x) => x.short !== short)
        .map((x) => ({ host: '127.0.0.1', port: x.port }));
      m.node = await startNode({ name: short, cookie: COOKIE, logger: testLogger, port: m.port, seeds });
      m.store = await startRaftStore({
        node: m.node,
        voters,
        ...(m.dataDir ? { dataDir: m.dataDir } : {}),
        ...extras,
      });
      stopped.delete(short);
    },
    async join(short) {
      const node = await startNode({
        name: short,
        cookie: COOKIE,
        logger: testLogger,
        seeds: [first.address],
      });
      const dataDir = durable ? join(root, short) : undefined;
      const store = await startRaftStore({ node, voters, ...(dataDir ? { dataDir } : {}), ...extras });
      const m: Member = { short, node, store, port: node.address.port, dataDir };
      members.push(m);
      return m;
    },
    async close() {
      try {
        await Promise.allSettled(
          members
            .filter((m) => !stopped.has(m.short))
            .map(async (m) => {
              await m.store.close();
              await m.node.stop();
            }),
        );
      } finally {
        await rm(root, { recursive: true, force: true });
      }
    },
  };
  try {
    await waitFor(() => members.every((m) => m.node.nodes().length === members.length - 1), 10_000, 'mesh');
    await waitFor(() => members.some((m) => m.store.role() === 'leader'), 10_000, 'a leader');
    await waitFor(() => members.every((m) => m.store.leader() !== null), 10_000, 'everyone knows the leader');
  } catch (err) {
    await cluster.close();
    throw err;
  }
  return cluster;
}

export { waitFor } from '../../packages/runtime/src/testing/wait-for.ts';

/** Resolves with the error a promise rejects with; fails if it resolves. */
export async function rejection(p: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}
