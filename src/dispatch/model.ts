/**
 * The dispatch application's data: heroes, cities, nodes, and the events the page shows live.
 * Plain data only, so every shape crosses the wire, the store and the HTTP API unchanged.
 */

/** The city nodes, in the order of their web ports (4900, 4901, …). */
export const CITY_NAMES = ['gotham', 'metropolis', 'capitol', 'smallville', 'asgard'] as const;
export type CityName = (typeof CITY_NAMES)[number];
export type Location = 'home' | CityName;

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

export type StoreMode = 'raft' | 'crdt';
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
}

export interface ClusterView {
  readonly self: string;
  readonly storeMode: StoreMode;
  readonly nodes: readonly NodeView[];
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
