/**
 * The `DispatchService` of a node in the cluster: heroes created through the store and placed by the
 * distributed supervisor, reads served from this node's hero directory (or the store for one hero),
 * chaos commands handed to the control channel.
 *
 * Writes either take effect and resolve, or reject and leave no trace — except `outcome_unknown`
 * (504), when the store or the hero's actor could not say; a retry with the same idempotency key
 * then applies at most once (`hero-record.ts`). A create is acknowledged once the hero's record is
 * committed: its actor runs when the create answers, or soon after through the placement sweep
 * (`placement-sweep.ts`), never an orphan. A delete writes a tombstone (`dead_hero` from then on);
 * 404 is only for an id that never existed (or whose tombstone was collected). An id absent from a
 * crdt replica that is still refilling from its peers (restarted empty, or new: `Store.refilling`)
 * is not known never to have existed: 503 `unavailable` until the replica is filled. `node` is
 * derived from the placement record at read time.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { ClusterNode } from '@superhero-dispatch/runtime/cluster';
import { shortName } from '@superhero-dispatch/runtime/cluster';
import type { DistributedSupervisor, PlacedChildSpec } from '@superhero-dispatch/runtime/placement';
import { PlacementError } from '@superhero-dispatch/runtime/placement';
import type { Store, Versioned, Durability } from '@superhero-dispatch/runtime/store';
import { StoreError } from '@superhero-dispatch/runtime/store';
import type { ClusterStatus } from './cluster-status.ts';
import { CITY } from './city-actor.ts';
import type { HeroDest } from './hero-actor.ts';
import { assignHeroTo, heroIn, terminateHeroActor } from './hero-actor.ts';
import type { HeroDirectory } from './hero-directory.ts';
import type { HeroRecord, LiveRecord } from './hero-record.ts';
import { applied, heroIdFor, isTombstone, toApiHero, toTombstone, withRequest } from './hero-record.ts';
import type { HeroStore } from './hero-store.ts';
import type { ClusterView, DispatchEvent, EtcdView, Hero, Location, StoreMode } from './model.ts';
import { CITY_NAMES } from './model.ts';
import type { RaftStatusLike } from './model.ts';
import { heroName, newHero, pick } from './rules.ts';
import type { Rng } from './rules.ts';
import type { CreatedHero, DispatchService, NodeAction, WriteRequest } from './service.ts';
import { DispatchError, toDispatchError } from './service.ts';
import { CodedError } from '@superhero-dispatch/runtime';
import { toWriteError } from './write-error.ts';

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
  /** etcd mode: the etcd members and leader, as last polled. */
  readonly etcdStatus?: () => EtcdView | undefined;
  /** Chaos commands (through the launcher's control channel when there is one). */
  readonly control: (node: string, action: NodeAction) => Promise<void>;
  /**
   * How long a create waits for the new hero's actor to run before it answers anyway, ms. Default
   * 5 000. The hero is committed either way; the placement sweep starts an actor that is late. An
   * assign waits as long for an actor that is not running (just created, moving, restarting).
   */
  readonly startWaitMs?: number;
  /** Tells `listener` the key of each placement record that changed on this node (page events). */
  readonly placementChanges?: (listener: (key: string) => void) => void;
}

/** What the distributed supervisor places for a hero: on its city's node while that is up. */
export function heroSpec(id: string): PlacedChildSpec {
  return { key: id, kind: 'hero', args: { location: 'home' }, strategy: 'city' };
}

function deadHero(name: string): DispatchError {
  return new DispatchError('dead_hero', `${name} is dead: it cannot be read, assigned or terminated`);
}

export class ClusterDispatchService implements DispatchService {
  readonly nodeName: string;
  private readonly d: ClusterServiceDeps;
  private readonly listeners = new Set<(e: DispatchEvent) => void>();

  constructor(deps: ClusterServiceDeps) {
    this.d = deps;
    this.nodeName = deps.node.shortName;
    deps.directory.onChange(({ id, hero }) =>
      this.emit(hero ? this.heroEvent(hero) : { type: 'hero-deleted', id }),
    );
    deps.placementChanges?.((id) => {
      const hero = deps.directory.get(id);
      if (hero) this.emit(this.heroEvent(hero));
    });
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

  private dest(id: string): HeroDest {
    return heroIn(this.d.placement, id);
  }

  /**
   * A hero event whose `hero` is made when a listener first reads it (then kept): every node
   * applies every hero write, and most have no page or stream that reads hero events — only the
   * event log's ring, which skips them — so they no longer look up the placement of each hero
   * that changed (a fifth of the change feed's time at 10,000 heroes). Listeners read it while
   * they handle the event (every one does); one that kept the event and read it later would see
   * the hero's node as it is then.
   */
  private heroEvent(record: LiveRecord): DispatchEvent {
    let hero: Hero | undefined;
    const make = (): Hero => (hero ??= this.toHero(record));
    return {
      type: 'hero',
      get hero(): Hero {
        return make();
      },
    };
  }

  /** The API's hero: `node` from the placement record (where the actor runs now), '' while it does not. */
  private toHero(record: LiveRecord): Hero {
    const pid = this.d.placement.whereis(record.id);
    return toApiHero(record, pid ? shortName(pid.node) : '');
  }

  listHeroes(): Promise<Hero[]> {
    return Promise.resolve(this.d.directory.all().map((r) => this.toHero(r)));
  }

  /**
   * The record that counts (linearizable in raft mode); `not_found` for an id that never existed,
   * `unavailable` for one absent from a replica still refilling (it cannot tell yet).
   */
  private async record(id: string): Promise<Versioned<HeroRecord>> {
    const refillingBefore = this.refilling();
    let stored;
    try {
      stored = await this.d.heroes.read(id);
    } catch (err) {
      throw toDispatchError(err);
    }
    if (stored) return stored;
    // Refilling at either end of the read (a refill may complete, or a restart empty happen, while
    // it resolves): the read may have met the replica before it held the record.
    if (refillingBefore || this.refilling()) {
      throw new DispatchError(
        'unavailable',
        `hero ${id} is not in this node's replica, which is still refilling from its peers; try again`,
      );
    }
    throw new DispatchError('not_found', `no hero with id ${id}`);
  }

  /** This node's replica started empty and has not been filled by a peer yet (crdt mode). */
  private refilling(): boolean {
    return this.d.store.refilling?.() === true;
  }

  async getHero(id: string): Promise<Hero> {
    const stored = await this.record(id);
    if (isTombstone(stored.value)) throw deadHero(stored.value.name);
    return this.toHero(stored.value);
  }

  async createHero(input: { name?: string }, request: WriteRequest = {}): Promise<CreatedHero> {
    const key = request.idempotencyKey;
    const id = key === undefined ? randomUUID() : heroIdFor(key);
    const record = withRequest(newHero(id, input.name ?? heroName(this.d.rng), '', Date.now()), key);
    let durability: Durability;
    try {
      ({ durability } = await this.d.heroes.create(record));
    } catch (err) {
      if (!(err instanceof StoreError && err.code === 'conflict' && key !== undefined))
        throw toWriteError(err);
      // A retry of a create that was applied: answer as the first time.
      const stored = await this.record(id);
      if (isTombstone(stored.value)) throw deadHero(stored.value.name);
      return this.toHero(stored.value);
    }
    // The hero is committed: from here on it is acknowledged whatever happens. Its actor starts
    // now, or later through the placement sweep if placing it fails here.
    try {
      await this.d.placement.startChild(heroSpec(id), this.d.startWaitMs ?? 5000);
    } catch (err) {
      if (!(err instanceof PlacementError && err.code === 'already_started'))
        this.log('warn', `${record.name} is created; its actor starts shortly (${(err as Error).message})`);
    }
    this.log('info', `${record.name} joined the force`);
    const hero = this.toHero(this.d.directory.get(id) ?? record);
    // Say so when only this node's replica held the hero when it was acknowledged (crdt mode).
    return durability === 'local' ? { ...hero, durability } : hero;
  }

  async terminateHero(id: string, request: WriteRequest = {}): Promise<void> {
    const key = request.idempotencyKey;
    const stored = await this.record(id);
    if (isTombstone(stored.value)) {
      if (applied(stored.value, key)) return;
      throw deadHero(stored.value.name);
    }
    const name = stored.value.name;
    try {
      await terminateHeroActor(this.d.node.system, this.dest(id), key);
    } catch (err) {
      if (!isNoProc(err)) throw toWriteError(err);
      // Not running anywhere reachable: bury the record here; the placement record follows, and a
      // copy running out of reach stops at its next write (the tombstone wins).
      await this.buryHere(stored, key);
      this.log('info', `${name} was terminated`);
      return;
    }
    await this.seeOwnDelete(id, key);
    this.log('info', `${name} was terminated`);
  }

  /**
   * The actor buried the hero on its node; where the replica here has not heard yet (crdt mode),
   * write the same tombstone here too, so this node answers `dead_hero` at once (read your delete).
   * A tombstone beside a tombstone changes nothing; a conflict means the news arrived meanwhile.
   */
  private async seeOwnDelete(id: string, key: string | undefined): Promise<void> {
    try {
      const local = await this.d.heroes.read(id, true);
      if (!local || isTombstone(local.value)) return;
      await this.d.heroes.bury(toTombstone(local.value, Date.now(), key), local.version);
    } catch (err) {
      // The delete is done either way: the actor's tombstone reaches this replica shortly.
      if (!(err instanceof StoreError && err.code === 'conflict'))
        this.log('warn', `hero ${id} is terminated; this node hears of it shortly (${String(err)})`);
    }
  }

  private async buryHere(stored: Versioned<HeroRecord>, key: string | undefined): Promise<void> {
    try {
      await this.d.heroes.bury(toTombstone(stored.value, Date.now(), key), stored.version);
    } catch (err) {
      if (err instanceof StoreError && err.code === 'conflict') {
        const now = await this.record(stored.key);
        if (isTombstone(now.value)) {
          if (applied(now.value, key)) return;
          throw deadHero(now.value.name);
        }
        throw new DispatchError('unavailable', `${now.value.name} changed meanwhile; try again`);
      }
      throw toWriteError(err);
    }
    try {
      await this.d.placement.stopChild(stored.key);
    } catch (err) {
      // The placement sweep removes the placement record of a buried hero; nothing is lost.
      if (!(err instanceof PlacementError && err.code === 'not_found'))
        this.log('warn', `placement of ${stored.value.name} is removed later: ${(err as Error).message}`);
    }
  }

  async assignHero(id: string, location: Location, request: WriteRequest = {}): Promise<Hero> {
    if (location !== 'home') {
      const up = this.d.status.liveCities();
      if (!up.includes(location)) {
        throw new DispatchError(
          'city_down',
          `${location} is not a city up in the cluster; the cities up are ${up.length > 0 ? up.sort().join(', ') : 'none'} (or home)`,
        );
      }
    }
    const tomb = this.d.directory.tombstone(id);
    if (tomb) throw deadHero(tomb.name);
    if (!this.d.directory.get(id)) {
      const stored = await this.record(id);
      if (isTombstone(stored.value)) throw deadHero(stored.value.name);
    }
    const hero = await this.assignWhenRunning(id, location, request.idempotencyKey);
    // The actor follows its location. With fencing (CP) its own transaction moved it already (the
    // placement record given to the city's node); in AP mode placement moves it once the location
    // is in its placement record, written here.
    if (!this.d.placement.fencing) await this.placeAt(id, hero.name, location);
    this.log('info', `${hero.name} assigned to ${location}`);
    return this.toHero(hero);
  }

  /** AP: the hero's location into its placement record (placement then hands the actor over). */
  private async placeAt(id: string, name: string, location: Location): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.d.placement.updateChild(id, { location });
        return;
      } catch (err) {
        if (attempt === 3) {
          this.log('warn', `${name} stays on its node for now: ${(err as Error).message}`);
          return;
        }
      }
    }
  }

  /**
   * Hands the assignment to the hero's actor. An actor that is not running right now (just created,
   * moving or restarting) never received the message, so asking again is safe: the service asks
   * until the actor answers or `startWaitMs` has passed, then answers `unavailable` (503).
   */
  private async assignWhenRunning(
    id: string,
    location: Location,
    key: string | undefined,
  ): Promise<LiveRecord> {
    const giveUpAt = Date.now() + (this.d.startWaitMs ?? 5_000);
    for (let pause = 25; ; pause = Math.min(pause * 2, 400)) {
      try {
        return await assignHeroTo(this.d.node.system, this.dest(id), location, key);
      } catch (err) {
        if (!isNoProc(err)) throw toWriteError(err);
        if (Date.now() + pause > giveUpAt)
          throw new DispatchError(
            'unavailable',
            `hero ${id}'s actor is not running right now (moving or restarting); try again`,
          );
      }
      await delay(pause);
      const tomb = this.d.directory.tombstone(id);
      if (tomb) throw deadHero(tomb.name);
    }
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
    const etcd = this.d.etcdStatus?.();
    const view: ClusterView = {
      ...(etcd === undefined ? {} : { etcd }),
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
    this.d.node.system.ref({ name: CITY, node: full }).cast({ type: 'destroy' });
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
    if (this.d.store.writable()) return null;
    return this.d.storeMode === 'etcd'
      ? 'no etcd lease (etcd unreachable or without quorum)'
      : 'no raft leader reachable (no quorum)';
  }
}

function order(name: string): number {
  const i = (CITY_NAMES as readonly string[]).indexOf(name);
  return i < 0 ? 99 : i;
}

/** The actor asked for does not run (locally, or on the node its name resolved to). */
function isNoProc(err: unknown): boolean {
  return err instanceof CodedError && err.code === 'noproc';
}
