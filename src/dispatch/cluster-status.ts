/**
 * Every node announces its status (role, store role, web URL, heroes hosted) on a pub/sub topic
 * once a second and on change (`announceSoon`: at most one per `coalesceMs` for bursts of changes);
 * each node keeps the latest announcement of every peer, so `GET /api/cluster` is answered locally.
 *
 * Any node name is a city: the cities are the nodes whose role is `city` — this one if it is, and
 * the connected peers that announced it (`liveCities`). Until a peer's first announcement arrives
 * its role is unknown and it counts as a city for placement (`mayHostHeroes`), as most nodes are.
 */
import type { ClusterNode } from '@superhero-dispatch/runtime/cluster';
import { every, shortName } from '@superhero-dispatch/runtime/cluster';
import type { Periodic } from '@superhero-dispatch/runtime/cluster';
import type { NodeRole, NodeView } from './model.ts';

export const STATUS_TOPIC = 'dispatch:status';

export interface NodeStatus {
  readonly name: string;
  readonly fullName: string;
  readonly role: NodeRole;
  readonly url: string;
  readonly storeRole: string;
  readonly heroesHosted: number;
}

export class ClusterStatus {
  private readonly peers = new Map<string, NodeStatus>();
  private readonly node: ClusterNode;
  private readonly self: () => NodeStatus;
  private readonly partitioned: () => boolean;
  private readonly coalesceMs: number;
  private timer: Periodic | undefined;
  private soon: ReturnType<typeof setTimeout> | undefined;

  /** `coalesceMs`: delay of an announcement asked for by `announceSoon`. Default 100 ms. */
  constructor(node: ClusterNode, self: () => NodeStatus, partitioned: () => boolean, coalesceMs = 100) {
    this.node = node;
    this.self = self;
    this.partitioned = partitioned;
    this.coalesceMs = coalesceMs;
  }

  start(onChange: () => void): void {
    this.node.pubsub.listen(STATUS_TOPIC, (msg) => {
      const s = msg as NodeStatus;
      if (s.fullName === this.node.name) return;
      const before = this.peers.get(s.name);
      this.peers.set(s.name, s);
      if (!before || before.storeRole !== s.storeRole || before.heroesHosted !== s.heroesHosted) onChange();
    });
    this.timer = every(1000, () => this.announce());
    this.node.onNodeUp(() => this.announce());
    this.announce();
  }

  announce(): void {
    if (this.soon) clearTimeout(this.soon);
    this.soon = undefined;
    this.node.pubsub.publish(STATUS_TOPIC, this.self());
  }

  /** Announce within `coalesceMs`; calls meanwhile share that one announcement. */
  announceSoon(): void {
    if (this.soon) return;
    this.soon = setTimeout(() => this.announce(), this.coalesceMs);
    this.soon.unref();
  }

  stop(): void {
    this.timer?.cancel();
    if (this.soon) clearTimeout(this.soon);
    this.soon = undefined;
  }

  /** Every node known, with its status as this node sees it. */
  views(knownCities: readonly string[]): NodeView[] {
    const connected = new Set(this.node.nodes().map(shortName));
    const self = this.self();
    const names = new Set<string>([self.name, ...knownCities, ...this.peers.keys()]);
    return [...names].map((name) => {
      if (name === self.name) {
        return {
          name,
          role: self.role,
          status: this.partitioned() ? 'partitioned' : 'up',
          url: self.url,
          heroesHosted: self.heroesHosted,
          storeRole: self.storeRole,
        };
      }
      const s = this.peers.get(name);
      const up = connected.has(name);
      return {
        name,
        role: s?.role ?? 'city',
        status: up ? 'up' : 'down',
        url: s?.url ?? '',
        heroesHosted: up ? (s?.heroesHosted ?? 0) : 0,
        storeRole: up ? (s?.storeRole ?? 'unknown') : 'none',
      } satisfies NodeView;
    });
  }

  /** Short names of the city nodes up now: this one (if a city) and connected city peers. */
  liveCities(): string[] {
    const connected = new Set(this.node.nodes().map(shortName));
    const self = this.self();
    const peers = [...this.peers.values()].filter((s) => s.role === 'city' && connected.has(s.name));
    return [...new Set([...(self.role === 'city' ? [self.name] : []), ...peers.map((s) => s.name)])];
  }

  /** Whether node `full` may host hero actors: a city, or a peer whose role is not known yet. */
  mayHostHeroes(full: string, selfRole: NodeRole): boolean {
    if (full === this.node.name) return selfRole === 'city';
    const s = this.peers.get(shortName(full));
    return s === undefined || s.fullName !== full || s.role === 'city';
  }

  /** Full name of the live node with this short name. */
  fullNameOf(name: string): string | undefined {
    if (name === this.self().name) return this.node.name;
    return this.node.nodes().find((n) => shortName(n) === name);
  }
}
