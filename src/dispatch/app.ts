/**
 * One node of the Superhero Dispatch cluster, assembled on a running cluster node and store: the
 * hero directory, the distributed supervisor of hero actors (placed on their city's node while it is
 * up), the City actor under a supervisor with restart intensity 3 in 5 s, the status announcements
 * and the `DispatchService` the web layer serves.
 */
import type { Application } from '@superhero-dispatch/runtime/actor';
import { startApplication, worker } from '@superhero-dispatch/runtime/actor';
import type { ClusterNode } from '@superhero-dispatch/runtime/cluster';
import { shortName } from '@superhero-dispatch/runtime/cluster';
import type { DistributedSupervisor } from '@superhero-dispatch/runtime/placement';
import { rendezvous, startDistributedSupervisor } from '@superhero-dispatch/runtime/placement';
import type { GroupCommit, Store } from '@superhero-dispatch/runtime/store';
import { groupCommit } from '@superhero-dispatch/runtime/store';
import { CITY, cityBehaviour } from './city-actor.ts';
import { ClusterDispatchService } from './cluster-service.ts';
import { ClusterStatus } from './cluster-status.ts';
import { heroBehaviour, heroIn } from './hero-actor.ts';
import { HeroDirectory } from './hero-directory.ts';
import { HeroStore } from './hero-store.ts';
import type { EtcdView, NodeRole, StoreMode, RaftStatusLike } from './model.ts';
import type { PlacementSweep, PlacementSweepOptions } from './placement-sweep.ts';
import { startPlacementSweep } from './placement-sweep.ts';
import type { Rng } from './rules.ts';
import type { NodeAction } from './service.ts';

export interface DispatchAppOptions {
  readonly node: ClusterNode;
  readonly store: Store;
  readonly storeMode: StoreMode;
  readonly role: NodeRole;
  /** This node's page URL, announced to the others. */
  readonly url: string;
  readonly control: (node: string, action: NodeAction) => Promise<void>;
  /** The City's supervisor gave up (a 4th crash within 5 s): the node must go down. */
  readonly onGiveUp: () => void;
  readonly rng?: Rng;
  /** Game timing overrides for tests (ms). */
  readonly heroTickMs?: number;
  readonly cityTickMs?: number;
  /**
   * Cities expected in this cluster, listed in the nodes table even while down. Default none: the
   * table shows the nodes seen. The cities heroes can be assigned to are those up now.
   */
  readonly cities?: readonly string[];
  /** Why this node cannot be written through yet (Raft formation); null when it can. */
  readonly notReady?: () => string | null;
  /** The Raft member's status (raft mode), for the nodes table and `GET /api/cluster`. */
  readonly raftStatus?: () => RaftStatusLike;
  /** etcd mode: the etcd members and leader for the cluster view. */
  readonly etcdStatus?: () => EtcdView | undefined;
  /** Latency of each hero write, ms (metrics). */
  readonly observeWriteMs?: (ms: number) => void;
  /** Each hero step that changed nothing and so was not written (metrics). */
  readonly onUnchanged?: () => void;
  /**
   * Group the hero writes of this node into one store transaction per batch
   * (`store/group-commit.ts`), when the store has transactions (raft, etcd). Default false: one
   * store write per hero change.
   */
  readonly groupCommit?: boolean;
  /** Each restart of the City by its supervisor (metrics). */
  readonly onCityRestart?: () => void;
  /** Whether this node is cut off by the chaos controls (for the nodes table). */
  readonly partitioned?: () => boolean;
  /** Placement sweep timing (`placement-sweep.ts`); defaults there. */
  readonly sweep?: Pick<PlacementSweepOptions, 'intervalMs' | 'graceMs' | 'retentionMs'>;
}

export interface DispatchApp {
  readonly service: ClusterDispatchService;
  readonly placement: DistributedSupervisor;
  readonly directory: HeroDirectory;
  /** Groups hero writes (raft and etcd mode); undefined when each write goes alone. */
  readonly groupCommit: GroupCommit | undefined;
  readonly sweep: PlacementSweep;
  /** Graceful: hand heroes off to the other nodes, stop the city. */
  stop(): Promise<void>;
}

/** The store table of the heroes' placement records (the one truth of where each hero runs). */
const PLACEMENT_TABLE = 'placement';

export type { RaftStatusLike };

export async function startDispatchApp(o: DispatchAppOptions): Promise<DispatchApp> {
  const rng = o.rng ?? Math.random;
  const commits = o.groupCommit === true ? groupCommit(o.store) : undefined;
  const heroes = new HeroStore(o.store, {
    ...(o.observeWriteMs ? { observeWriteMs: o.observeWriteMs } : {}),
    ...(commits ? { groupCommit: commits } : {}),
  });
  const directory = await HeroDirectory.load(heroes);
  // A live value beside a tombstone (a duplicate's write from the other side of a partition): write
  // the tombstone over it again, so the store's visible value agrees with the directory.
  directory.onResurrection((id, tomb) => {
    heroes
      .bury(tomb)
      .catch((err: unknown) =>
        o.node.log.warn(
          { hero: id, err: String(err) },
          'could not bury a resurrected hero; the sweep retries',
        ),
      );
  });
  let hosted: () => number = () => 0;
  const status = new ClusterStatus(
    o.node,
    () => ({
      name: o.node.shortName,
      fullName: o.node.name,
      role: o.role,
      url: o.url,
      storeRole: o.store.role(),
      heroesHosted: hosted(),
    }),
    o.partitioned ?? (() => false),
  );
  const placement = await startDistributedSupervisor({
    node: o.node,
    store: o.store,
    table: PLACEMENT_TABLE,
    kinds: {
      hero: heroBehaviour({
        heroes,
        rng,
        now: Date.now,
        localHeroes: () => hosted(),
        ...(o.onUnchanged ? { onUnchanged: o.onUnchanged } : {}),
        ...(o.heroTickMs ? { tickMs: o.heroTickMs } : {}),
      }),
    },
    eligible: (full) => status.mayHostHeroes(full, o.role),
    strategies: {
      // On the node of the hero's city while it is up; elsewhere by rendezvous hashing.
      city: (record, live) => {
        const location = (record.args as { location?: string } | null)?.location;
        const home = live.find((n) => shortName(n) === location);
        return home ?? rendezvous(record.key, live);
      },
    },
  });
  hosted = () => placement.localCount();
  const service = new ClusterDispatchService({
    node: o.node,
    store: o.store,
    storeMode: o.storeMode,
    heroes,
    directory,
    placement,
    status,
    cities: o.cities ?? [],
    ...(o.notReady ? { notReady: o.notReady } : {}),
    ...(o.raftStatus ? { raftStatus: o.raftStatus } : {}),
    ...(o.etcdStatus ? { etcdStatus: o.etcdStatus } : {}),
    rng,
    control: o.control,
    // A hero's `node` changes with its placement record: the page hears of it from that record's feed.
    placementChanges: (listener) => o.store.table(PLACEMENT_TABLE).subscribe((c) => listener(c.key)),
  });
  status.start(() => service.notifyCluster());
  const sweep = startPlacementSweep({
    directory,
    heroes,
    placement,
    writable: () => o.store.writable(),
    now: Date.now,
    log: (message) => o.node.log.warn(message),
    ...o.sweep,
  });
  // Heroes start and stop here many times a second under load: one announcement per burst.
  placement.onLocalChange(() => status.announceSoon());

  let app: Application | undefined;
  if (o.role === 'city') {
    const city = o.node.shortName;
    let stopping = false;
    app = await startApplication(
      o.node.system,
      {
        strategy: 'one_for_one',
        intensity: { maxRestarts: 3, periodMs: 5000 },
        children: [
          worker(
            'city',
            cityBehaviour({
              city,
              system: o.node.system,
              directory,
              heroDest: (id) => heroIn(placement, id),
              rng,
              ...(o.cityTickMs ? { patrolMs: o.cityTickMs, fightMs: o.cityTickMs } : {}),
            }),
            undefined,
            { spawn: { name: CITY } },
          ),
        ],
        onRestart: () => {
          o.onCityRestart?.();
          service.log('warn', `${city} was restarted by its supervisor`);
        },
      },
      {
        name: 'city_sup',
        onExit: (_reason, normal) => {
          if (normal || stopping) return;
          service.log('error', `${city} was destroyed too often: the node goes down`);
          o.onGiveUp();
        },
      },
    );
    const root = app;
    app = {
      ...root,
      stop: async (ms?: number) => {
        stopping = true;
        await root.stop(ms);
      },
    };
  }

  return {
    service,
    placement,
    directory,
    groupCommit: commits,
    sweep,
    async stop() {
      sweep.stop();
      await placement.stop({ handOff: true });
      await app?.stop();
      status.stop();
    },
  };
}
