/**
 * The `DispatchService` of a node in the cluster: heroes created through the store and placed by the
 * distributed supervisor, reads served from this node's hero directory (or the store for one hero),
 * chaos commands handed to the control channel.
 */
import { randomUUID } from 'node:crypto';
import type { Dest } from '../actor/index.ts';
import type { ClusterNode } from '../cluster/node.ts';
import { shortName } from '../cluster/protocol.ts';
import type { DistributedSupervisor } from '../placement/index.ts';
import { PlacementError } from '../placement/index.ts';
import type { Store } from '../store/types.ts';
import type { ClusterStatus } from './cluster-status.ts';
import { assignHeroTo, terminateHeroActor } from './hero-actor.ts';
import type { HeroDirectory } from './hero-directory.ts';
import type { HeroStore } from './hero-store.ts';
import type { ClusterView, DispatchEvent, Hero, Location, StoreMode } from './model.ts';
import { CITY_NAMES } from './model.ts';
import type { RaftStatusLike } from './app.ts';
import { heroName, newHero, pick } from './rules.ts';
import type { Rng } from './rules.ts';
import type { DispatchService, NodeAction } from './service.ts';
import { DispatchError, toDispatchError } from './service.ts';

export interface ClusterServiceDeps {
  readonly node: ClusterNode;
  readonly store: Store;
  readonly storeMode: StoreMode;
  readonly heroes: HeroStore;
  readonly directory: HeroDirectory;
  readonly placement: DistributedSupervisor;
  readonly status: ClusterStatus;
  /** Cities expected (listed while down); the cities up come from `status.liveCities()`. */
  readonly cities: readonly string[];
  readonly rng: Rng;
  /** Why this node cannot be written through yet; null when it can. */
  readonly notReady?: () => string | null;
  readonly raftStatus?: () => RaftStatusLike;
  /** Chaos commands (through the launcher's control channel when there is one). */
  readonly control: (node: string, action: NodeAction) => Promise<void>;
}

export class ClusterDispatchService implements DispatchService {
  readonly nodeName: string;
  private readonly d: ClusterServiceDeps;
  private readonly listeners = new Set<(e: DispatchEvent) => void>();

  constructor(deps: ClusterServiceDeps) {
    this.d = deps;
    this.nodeName = deps.node.shortName;
    deps.directory.onChange(({ id, hero }) =>
      this.emit(hero ? { type: 'hero', hero } : { type: 'hero-deleted', id }),
    );
    const clusterChanged = (): void =>
      void this.cluster().then((cluster) => this.emit({ type: 'cluster', cluster }));
    deps.node.onNodeUp((peer) => {
      this.log('info', `${shortName(peer)} is up`);
      clusterChanged();
    });
    deps.node.onNodeDown((peer, reason) => {
      this.log('warn', `${shortName(peer)} is down (${reason})`);
      clusterChanged();
    });
  }

  /** Push a line to every page's event log. */
  log(level: 'info' | 'warn' | 'error', message: string): void {
    this.emit({ type: 'log', level, message, at: Date.now() });
  }

  notifyCluster(): void {
    void this.cluster().then((cluster) => this.emit({ type: 'cluster', cluster }));
  }

  private emit(event: DispatchEvent): void {
    // A listener removed meanwhile is skipped; one added meanwhile sees this event too (harmless).
    for (const l of this.listeners) l(event);
  }

  private dest(id: string): Dest {
    return { via: this.d.placement, key: id };
  }

  listHeroes(): Promise<Hero[]> {
    return Promise.resolve(this.d.directory.all());
  }

  async getHero(id: string): Promise<Hero> {
    let stored;
    try {
      stored = await this.d.heroes.read(id);
    } catch (err) {
      throw toDispatchError(err);
    }
    if (!stored) throw new DispatchError('not_found', `no hero with id ${id}`);
    return stored.value;
  }

  async createHero(input: { name?: string }): Promise<Hero> {
    const id = randomUUID();
    const hero = newHero(id, input.name ?? heroName(this.d.rng), '', Date.now());
    try {
      await this.d.heroes.create(hero);
    } catch (err) {
      throw toDispatchError(err);
    }
    try {
      await this.d.placement.startChild({
        key: id,
        kind: 'hero',
        args: { location: 'home' },
        strategy: 'city',
      });
    } catch (err) {
      await this.d.heroes.remove(id).catch(() => undefined);
      throw toDispatchError(err);
    }
    this.log('info', `${hero.name} joined the force`);
    return this.d.directory.get(id) ?? hero;
  }

  async terminateHero(id: string): Promise<void> {
    const known = this.d.directory.get(id) ?? (await this.getHero(id));
    try {
      await terminateHeroActor(this.d.node.system, this.dest(id));
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code !== 'noproc') throw toDispatchError(err);
      // Not running anywhere right now: delete the record; the placement record follows.
      try {
        await this.d.heroes.remove(id);
        await this.d.placement.stopChild(id).catch((e: unknown) => {
          if (!(e instanceof PlacementError && e.code === 'not_found')) throw e;
        });
      } catch (e) {
        throw toDispatchError(e);
      }
    }
    this.log('info', `${known.name} was terminated`);
  }

  async assignHero(id: string, location: Location): Promise<Hero> {
    if (location !== 'home') {
      const up = this.d.status.liveCities();
      if (!up.includes(location)) {
        throw new DispatchError(
          'city_down',
          `${location} is not a city up in the cluster; the cities up are ${up.length > 0 ? up.sort().join(', ') : 'none'} (or home)`,
        );
      }
    }
    const known = this.d.directory.get(id) ?? (await this.getHero(id));
    if (known.health <= 0)
      throw new DispatchError('dead_hero', `${known.name} is dead and cannot be assigned`);
    let hero: Hero;
    try {
      hero = await assignHeroTo(this.d.node.system, this.dest(id), location);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'noproc')
        throw new DispatchError(
          'unavailable',
          `${known.name}'s actor is not running right now (moving or restarting); try again`,
        );
      throw toDispatchError(err);
    }
    // The actor follows its location: placement hands it (and its state) to the city's node.
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await this.d.placement.updateChild(id, { location });
        break;
      } catch (err) {
        if (attempt === 2)
          this.log('warn', `${hero.name} stays on its node for now: ${(err as Error).message}`);
      }
    }
    this.log('info', `${hero.name} assigned to ${location}`);
    return hero;
  }

  cluster(): Promise<ClusterView> {
    const raft = this.d.raftStatus?.();
    const voters = new Set(raft?.voters.map(shortName));
    const learners = new Set(raft?.learners.map(shortName));
    const nodes = this.d.status
      .views(this.d.cities)
      .map((n) =>
        raft === undefined
          ? n
          : { ...n, raftMember: voters.has(n.name) ? 'voter' : learners.has(n.name) ? 'learner' : 'none' },
      )
      .sort((a, b) => order(a.name) - order(b.name) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const view: ClusterView = {
      self: this.nodeName,
      storeMode: this.d.storeMode,
      nodes: nodes as ClusterView['nodes'],
      ...(raft === undefined
        ? {}
        : {
            raft: {
              term: raft.term,
              leader: raft.leader === null ? null : shortName(raft.leader),
              voters: [...voters].sort(),
              learners: [...learners].sort(),
            },
          }),
    };
    return Promise.resolve(view);
  }

  async destroyCity(city: string): Promise<string> {
    let target = city;
    if (city === 'random') {
      const live = this.d.status.liveCities();
      const chosen = pick(live, this.d.rng);
      if (!chosen) throw new DispatchError('unavailable', 'no city is up');
      target = chosen;
    } else if (!this.d.status.liveCities().includes(city) && !this.d.cities.includes(city)) {
      throw new DispatchError('not_found', `unknown city ${city}`);
    }
    const full = this.d.status.fullNameOf(target);
    if (!full) throw new DispatchError('unavailable', `${target} is down`);
    this.d.node.system.cast({ name: 'city', node: full }, { type: 'destroy' });
    this.log('warn', `${target} has been destroyed`);
    return target;
  }

  async nodeAction(node: string, action: NodeAction): Promise<void> {
    if (!this.d.status.views(this.d.cities).some((n) => n.name === node))
      throw new DispatchError('not_found', `unknown node ${node}`);
    await this.d.control(node, action);
    this.log('warn', `${action} requested for ${node}`);
  }

  subscribe(listener: (event: DispatchEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  ready(): boolean {
    return this.notReadyReason() === null;
  }

  notReadyReason(): string | null {
    if (this.d.storeMode === 'crdt') return null;
    const formation = this.d.notReady?.() ?? null;
    if (formation !== null) return formation;
    return this.d.store.writable() ? null : 'no raft leader reachable (no quorum)';
  }
}

function order(name: string): number {
  const i = (CITY_NAMES as readonly string[]).indexOf(name);
  return i < 0 ? 99 : i;
}
