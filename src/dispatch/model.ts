/**
 * The dispatch application's data: heroes, cities, nodes, and the events the page shows live.
 * Plain data only, so every shape crosses the wire, the store and the HTTP API unchanged.
 */
import type { ConsensusGroup } from '@superhero-dispatch/runtime/store';

/**
 * The city nodes `npm start` runs, in the order of their web ports (4900, 4901, …). Any node name
 * is a city: these are the local demo's, and the order the page lists them in.
 */
export const CITY_NAMES = ['gotham', 'metropolis', 'capitol', 'smallville', 'asgard'] as const;
export type CityName = (typeof CITY_NAMES)[number];
/** `home` or the name of a city node (any node name; only cities up in the cluster are accepted). */
export type Location = string;
/** A node name as `--name` accepts it; also what a location must look like. */
export const NODE_NAME = /^[a-z][a-z0-9_-]{0,63}$/;

export interface Hero {
  /** UUID v4. */
  readonly id: string;
  /** "Prefix Name", e.g. "Captain Falcon". */
  readonly name: string;
  readonly location: Location;
  /** Node name (`gotham`, …) where the hero's actor runs now; empty while it is not running. */
  readonly node: string;
  readonly isPatrolling: boolean;
  /** 0..100; a new hero has 100. At ≤ 0 the hero dies. */
  readonly health: number;
  readonly fightsWon: number;
  readonly fightsLost: number;
  /** Unix ms of the last change. */
  readonly updatedAt: number;
}

export type StoreMode = 'raft' | 'etcd' | 'crdt';
export type NodeRole = 'city' | 'dispatch';

export interface NodeView {
  /** Short name: gotham, metropolis, … */
  readonly name: string;
  readonly role: NodeRole;
  readonly status: 'up' | 'down' | 'partitioned' | 'stopped';
  /** Web UI / API base URL. */
  readonly url: string;
  readonly heroesHosted: number;
  /** raft: leader | follower | candidate | learner | none; crdt: replica. */
  readonly storeRole: string;
  /** raft: whether the node votes in the group's configuration (as this node knows it). */
  readonly raftMember?: 'voter' | 'learner' | 'none';
}

/** The Raft group as this node sees it (raft mode). Names are short names. */
export interface RaftView {
  readonly term: number;
  readonly leader: string | null;
  readonly voters: readonly string[];
  readonly learners: readonly string[];
}

/** The etcd cluster as this node last saw it (etcd mode). */
export interface EtcdView {
  readonly members: readonly { readonly name: string; readonly leader: boolean }[];
  /** Name of the etcd leader; null when none is known. */
  readonly leader: string | null;
  readonly term: number;
  readonly revision: number;
}

export interface ClusterView {
  readonly self: string;
  readonly storeMode: StoreMode;
  readonly nodes: readonly NodeView[];
  /** raft mode only. */
  readonly raft?: RaftView;
  /** etcd mode only. */
  readonly etcd?: EtcdView;
}

export type DispatchEvent =
  | { readonly type: 'hero'; readonly hero: Hero }
  | { readonly type: 'hero-deleted'; readonly id: string }
  | { readonly type: 'cluster'; readonly cluster: ClusterView }
  | {
      readonly type: 'log';
      readonly level: 'info' | 'warn' | 'error';
      readonly message: string;
      readonly at: number;
    };

/** What the cluster view needs of the Raft member's status: the store's view of its group. */
export type RaftStatusLike = ConsensusGroup;
