/**
 * In-process CRDT store clusters over real loopback TCP for the driver tests: each member is a
 * cluster node (`startNode`, port 0, seeded with the others) with a `CrdtStore` on top.
 */
import type { ClusterNode } from '../../packages/runtime/src/cluster/node.ts';
import { startNode } from '../../packages/runtime/src/cluster/node.ts';
import { testLogger } from '../test-logger.ts';
import { awaitConverged } from '../../packages/runtime/src/crdt/driver/index.ts';
import type { CrdtStore, CrdtStoreOptions } from '../../packages/runtime/src/store/crdt-store.ts';
import { startCrdtStore } from '../../packages/runtime/src/store/crdt-store.ts';
import { waitFor } from '../../packages/runtime/src/testing/wait-for.ts';

export const COOKIE = 'crdt-driver-test-cookie';

export interface Member {
  readonly short: string;
  node: ClusterNode;
  store: CrdtStore;
  readonly port: number;
  running: boolean;
}

export type StoreExtras = Partial<Omit<CrdtStoreOptions, 'node'>>;

export interface TestCluster {
  readonly members: Member[];
  member(short: string): Member;
  running(): Member[];
  /** Stops member `short`: its node first (peers see the connection drop), then its store. */
  kill(short: string): Promise<void>;
  /** Starts a new node with an empty store on the port `short` had. */
  restart(short: string): Promise<Member>;
  /** Cuts `side` off from every other running member, on every node's fault controller. */
  partition(side: readonly string[]): void;
  heal(): void;
  /** Every running store reports the same summary (throws `CrdtConvergeTimeoutError`). */
  converged(timeoutMs?: number): Promise<number>;
  /** Every running member is connected to every other one. */
  fullMesh(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startCrdtCluster(
  names: readonly string[],
  extras: StoreExtras = {},
): Promise<TestCluster> {
  const first = await startNode({ name: names[0]!, cookie: COOKIE, logger: testLogger });
  const rest = await Promise.all(
    names
      .slice(1)
      .map((name) => startNode({ name, cookie: COOKIE, logger: testLogger, seeds: [first.address] })),
  );
  const members: Member[] = await Promise.all(
    [first, ...rest].map(async (node) => ({
      short: node.shortName,
      node,
      store: await startCrdtStore({ node, ...extras }),
      port: node.address.port,
      running: true,
    })),
  );
  const cluster: TestCluster = {
    members,
    member(short) {
      const m = members.find((x) => x.short === short);
      if (m === undefined) throw new Error(`no member ${short}`);
      return m;
    },
    running: () => members.filter((m) => m.running),
    async kill(short) {
      const m = cluster.member(short);
      m.running = false;
      await m.node.stop();
      await m.store.close();
    },
    async restart(short) {
      const m = cluster.member(short);
      const seeds = members.filter((x) => x !== m).map((x) => ({ host: '127.0.0.1', port: x.port }));
      m.node = await startNode({ name: short, cookie: COOKIE, logger: testLogger, port: m.port, seeds });
      m.store = await startCrdtStore({ node: m.node, ...extras });
      m.running = true;
      return m;
    },
    partition(side) {
      const others = cluster
        .running()
        .map((m) => m.short)
        .filter((s) => !side.includes(s));
      for (const m of cluster.running()) m.node.faults.partition(side, others);
    },
    heal() {
      for (const m of cluster.running()) m.node.faults.heal();
    },
    converged: (timeoutMs = 10_000) =>
      awaitConverged(
        cluster.running().map((m) => m.store),
        timeoutMs,
      ),
    fullMesh: async (timeoutMs = 10_000) => {
      await waitFor(
        () => {
          const up = cluster.running();
          return up.every(
            (m) =>
              m.store.driver.peers().size === up.length - 1 &&
              up.every((o) => o === m || m.node.isConnected(o.node.name)),
          );
        },
        timeoutMs,
        'a full mesh of CRDT replicas',
      );
    },
    async close() {
      await Promise.all(
        cluster.running().map(async (m) => {
          m.running = false;
          await m.store.close();
          await m.node.stop();
        }),
      );
    },
  };
  return cluster;
}

export { waitFor } from '../../packages/runtime/src/testing/wait-for.ts';

/** The table's contents as one comparable string. */
export async function contents(store: CrdtStore, table: string): Promise<string> {
  return JSON.stringify(await store.table(table).list());
}
