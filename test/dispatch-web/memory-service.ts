/**
 * MemoryDispatchService: an in-memory `DispatchService` for testing the HTTP layer alone. It keeps
 * heroes, tombstones and nodes in maps and behaves like the cluster for every error the API maps:
 * an id that never existed → `not_found`, a dead (terminated or fallen) hero → `dead_hero` on read,
 * assign and terminate, no quorum → `no_quorum` on reads and writes, a down city → `unavailable`,
 * and any injected failure. Idempotency keys work as in the cluster: a create retried with its key
 * answers the same hero, an assign or terminate retried with its key is not applied again. It passes
 * the same conformance suite as the cluster service (`src/dispatch/conformance/dispatch-service.ts`).
 *
 * ```ts
 * const service = new MemoryDispatchService({ nodeName: 'gotham', seed: 7 });
 * const app = createWebServer(service);
 * service.writes; // write calls seen (including refused ones): proves bad input never got here
 * service.hasQuorum = false; // every read and write now fails with no_quorum
 * service.failNext('listHeroes', new Error('disk on fire')); // one-shot failure of one method
 * service.tick(id, { health: 40 }); // a game step: updates the hero and emits the event
 * await service.nodeAction('metropolis', 'shutdown'); // its heroes move to the nodes left
 * ```
 *
 * Ids and names come from a seeded PRNG, so runs repeat. Events are emitted synchronously.
 *
 * Chaos as the cluster shows it: the leader (raft) is the first node up; this node partitioned in
 * raft mode has no quorum until healed; a node shut down hands its heroes to the nodes up.
 *
 * When not to use: it has no actors, timers or replication; cluster behaviour is tested elsewhere.
 */
import { CITY_NAMES } from '../../src/dispatch/model.ts';
import type {
  ClusterView,
  DispatchEvent,
  Hero,
  Location,
  NodeView,
  StoreMode,
} from '../../src/dispatch/model.ts';
import { DispatchError } from '../../src/dispatch/service.ts';
import type { DispatchService, NodeAction, WriteRequest } from '../../src/dispatch/service.ts';
import { heroIdFor } from '../../src/dispatch/hero-record.ts';
import { seededRandom } from '../../packages/runtime/src/testing/sim/index.ts';

type Method = Exclude<keyof DispatchService, 'nodeName'>;
const WRITES: ReadonlySet<Method> = new Set([
  'createHero',
  'terminateHero',
  'assignHero',
  'destroyCity',
  'nodeAction',
]);

const PREFIXES = ['Captain', 'Doctor', 'Mister', 'Lady', 'Professor', 'Agent', 'Night', 'Iron'];
const NAMES = ['Falcon', 'Comet', 'Tempest', 'Quasar', 'Lynx', 'Nova', 'Harbor', 'Vector'];

export interface MemoryServiceOptions {
  /** This node's name. Default `gotham`. */
  readonly nodeName?: string;
  /** City nodes of the cluster. Default gotham, metropolis, capitol. */
  readonly nodes?: readonly string[];
  /** PRNG seed for ids, names and random cities. Default 1. */
  readonly seed?: number;
  /** Clock for `updatedAt` and log times. Default `Date.now`. */
  readonly clock?: () => number;
  readonly storeMode?: StoreMode;
}

interface NodeState {
  status: NodeView['status'];
  readonly role: NodeView['role'];
}

export class MemoryDispatchService implements DispatchService {
  readonly nodeName: string;
  readonly heroes = new Map<string, Hero>();
  readonly tombstones = new Set<string>();
  /** Idempotency keys applied per hero id (the cluster keeps them in the hero's record). */
  readonly #keys = new Map<string, Set<string>>();
  readonly nodes = new Map<string, NodeState>();
  /** Every call, in order: `{ method, args }`. */
  readonly calls: { method: Method; args: unknown[] }[] = [];
  hasQuorum = true;
  isReady = true;
  readonly #listeners = new Set<(event: DispatchEvent) => void>();
  readonly #failures = new Map<Method, unknown>();
  readonly #clock: () => number;
  readonly #storeMode: StoreMode;
  readonly #random: () => number;
  #placement = 0;

  constructor(options: MemoryServiceOptions = {}) {
    this.nodeName = options.nodeName ?? 'gotham';
    for (const name of options.nodes ?? ['gotham', 'metropolis', 'capitol'])
      this.nodes.set(name, { status: 'up', role: 'city' });
    this.#clock = options.clock ?? Date.now;
    this.#storeMode = options.storeMode ?? 'raft';
    this.#random = seededRandom(options.seed ?? 1);
  }

  /** Write calls seen so far, refused ones included. */
  get writes(): number {
    return this.calls.filter((c) => WRITES.has(c.method)).length;
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }

  /** The next call of `method` throws `error` (once). */
  failNext(method: Method, error: unknown): void {
    this.#failures.set(method, error);
  }

  async listHeroes(): Promise<Hero[]> {
    this.#enter('listHeroes', [], true);
    return [...this.heroes.values()];
  }

  async getHero(id: string): Promise<Hero> {
    this.#enter('getHero', [id], true);
    return this.#live(id);
  }

  async createHero(input: { name?: string }, request: WriteRequest = {}): Promise<Hero> {
    this.#enter('createHero', request.idempotencyKey === undefined ? [input] : [input, request], true);
    const key = request.idempotencyKey;
    const id = key === undefined ? this.#uuid() : heroIdFor(key);
    if (key !== undefined && (this.heroes.has(id) || this.tombstones.has(id))) return this.#live(id);
    const node = this.#placeHero();
    this.#remember(id, key);
    const hero: Hero = {
      id,
      name: input.name ?? `${this.#pick(PREFIXES)} ${this.#pick(NAMES)}`,
      location: 'home',
      node,
      isPatrolling: false,
      health: 100,
      fightsWon: 0,
      fightsLost: 0,
      updatedAt: this.#clock(),
    };
    this.heroes.set(hero.id, hero);
    this.#emit({ type: 'hero', hero });
    this.#log('info', `${hero.name} joined the roster on ${node}`);
    this.#emitCluster();
    return hero;
  }

  async terminateHero(id: string, request: WriteRequest = {}): Promise<void> {
    this.#enter('terminateHero', request.idempotencyKey === undefined ? [id] : [id, request], true);
    if (this.#applied(id, request.idempotencyKey)) return;
    const hero = this.#live(id);
    this.#remember(id, request.idempotencyKey);
    this.heroes.delete(id);
    this.tombstones.add(id);
    this.#emit({ type: 'hero-deleted', id });
    this.#log('warn', `${hero.name} was terminated`);
    this.#emitCluster();
  }

  async assignHero(id: string, location: Location, request: WriteRequest = {}): Promise<Hero> {
    this.#enter(
      'assignHero',
      request.idempotencyKey === undefined ? [id, location] : [id, location, request],
      true,
    );
    const hero = this.#live(id);
    if (this.#applied(id, request.idempotencyKey)) return hero;
    if (location !== 'home') {
      const city = this.nodes.get(location);
      if (city === undefined || city.status !== 'up') {
        const up = [...this.nodes].filter(([, n]) => n.status === 'up').map(([name]) => name);
        throw new DispatchError(
          'city_down',
          `${location} is not a city up in the cluster; the cities up are ${up.length > 0 ? up.sort().join(', ') : 'none'} (or home)`,
        );
      }
    }
    this.#remember(id, request.idempotencyKey);
    const updated: Hero = {
      ...hero,
      location,
      node: location === 'home' ? hero.node : location,
      isPatrolling: false,
      health: Math.min(100, hero.health + 20),
      updatedAt: this.#clock(),
    };
    this.heroes.set(id, updated);
    this.#emit({ type: 'hero', hero: updated });
    this.#log('info', `${hero.name} assigned to ${location}`);
    if (updated.node !== hero.node) this.#emitCluster();
    return updated;
  }

  async cluster(): Promise<ClusterView> {
    this.#enter('cluster', [], false);
    return this.#view();
  }

  async destroyCity(city: string): Promise<string> {
    this.#enter('destroyCity', [city], false);
    let target = city;
    if (city === 'random') {
      const up = [...this.nodes].filter(([, s]) => s.status === 'up' && s.role === 'city').map(([n]) => n);
      if (up.length === 0) throw new DispatchError('unavailable', 'no city is up');
      target = this.#pick(up);
    }
    const state = this.nodes.get(target);
    if (state === undefined) throw new DispatchError('not_found', `no city ${target}`);
    if (state.status !== 'up') throw new DispatchError('unavailable', `${target} is ${state.status}`);
    this.#log('error', `${target} is being bombed!`);
    return target;
  }

  async nodeAction(node: string, action: NodeAction): Promise<void> {
    this.#enter('nodeAction', [node, action], false);
    const state = this.nodes.get(node);
    if (state === undefined) throw new DispatchError('not_found', `no node ${node}`);
    state.status = action === 'shutdown' ? 'stopped' : action === 'partition' ? 'partitioned' : 'up';
    this.#log('warn', `${node}: ${action}`);
    // As in the cluster: a raft node cut off is a minority (no quorum); a stopped node's heroes
    // start again on the nodes left.
    if (node === this.nodeName && this.#storeMode === 'raft') this.hasQuorum = state.status !== 'partitioned';
    if (state.status === 'stopped') this.#failOver(node);
    this.#emitCluster();
  }

  subscribe(listener: (event: DispatchEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  ready(): boolean {
    return this.isReady;
  }

  /** A game step: patch a live hero, bump `updatedAt`, emit the upsert. */
  tick(id: string, patch: Partial<Omit<Hero, 'id'>>): Hero {
    const hero = this.heroes.get(id);
    if (hero === undefined) throw new Error(`tick: no hero ${id}`);
    const updated: Hero = { ...hero, ...patch, id, updatedAt: patch.updatedAt ?? this.#clock() };
    this.heroes.set(id, updated);
    this.#emit({ type: 'hero', hero: updated });
    return updated;
  }

  /** A hero dies in a fight: the record goes, the id is tombstoned. */
  kill(id: string): void {
    const hero = this.heroes.get(id);
    if (hero === undefined) return;
    this.heroes.delete(id);
    this.tombstones.add(id);
    this.#emit({ type: 'hero-deleted', id });
    this.#log('error', `${hero.name} has fallen`);
  }

  /** Emits any event, as the cluster would. */
  emit(event: DispatchEvent): void {
    this.#emit(event);
  }

  #enter(method: Method, args: unknown[], needsQuorum: boolean): void {
    this.calls.push({ method, args });
    const failure = this.#failures.get(method);
    if (failure !== undefined) {
      this.#failures.delete(method);
      throw failure;
    }
    if (needsQuorum && !this.hasQuorum) {
      throw new DispatchError('no_quorum', 'no quorum: this node is on the minority side of a partition');
    }
  }

  #live(id: string): Hero {
    if (this.tombstones.has(id)) throw new DispatchError('dead_hero', `hero ${id} is dead`);
    const hero = this.heroes.get(id);
    if (hero === undefined) throw new DispatchError('not_found', `no hero ${id}`);
    return hero;
  }

  #applied(id: string, key: string | undefined): boolean {
    return key !== undefined && this.#keys.get(id)?.has(key) === true;
  }

  #remember(id: string, key: string | undefined): void {
    if (key === undefined) return;
    const keys = this.#keys.get(id) ?? new Set<string>();
    keys.add(key);
    this.#keys.set(id, keys);
  }

  #placeHero(): string {
    const up = [...this.nodes].filter(([, s]) => s.status === 'up' && s.role === 'city').map(([n]) => n);
    if (up.length === 0) throw new DispatchError('unavailable', 'no node can host a hero');
    return up[this.#placement++ % up.length] ?? this.nodeName;
  }

  #view(): ClusterView {
    const hosted = new Map<string, number>();
    for (const hero of this.heroes.values()) hosted.set(hero.node, (hosted.get(hero.node) ?? 0) + 1);
    const names = [...this.nodes.keys()];
    const order = (n: string): number => {
      const i = (CITY_NAMES as readonly string[]).indexOf(n);
      return i < 0 ? CITY_NAMES.length : i;
    };
    names.sort((a, b) => order(a) - order(b) || (a < b ? -1 : 1));
    const leader = names.find((n) => this.nodes.get(n)?.status === 'up');
    return {
      self: this.nodeName,
      storeMode: this.#storeMode,
      nodes: names.map((name, i) => {
        const state = this.nodes.get(name) ?? { status: 'down' as const, role: 'city' as const };
        return {
          name,
          role: state.role,
          status: state.status,
          url: `http://127.0.0.1:${4900 + i}`,
          heroesHosted: hosted.get(name) ?? 0,
          storeRole: this.#storeMode === 'crdt' ? 'replica' : name === leader ? 'leader' : 'follower',
        };
      }),
    };
  }

  #failOver(node: string): void {
    const up = [...this.nodes]
      .filter(([, n]) => n.status === 'up' && n.role === 'city')
      .map(([name]) => name);
    if (up.length === 0) return; // no node can host them: the heroes wait, as in the cluster
    for (const hero of [...this.heroes.values()]) {
      if (hero.node === node) this.tick(hero.id, { node: up[this.#placement++ % up.length] ?? hero.node });
    }
  }

  #emitCluster(): void {
    this.#emit({ type: 'cluster', cluster: this.#view() });
  }

  #log(level: 'info' | 'warn' | 'error', message: string): void {
    this.#emit({ type: 'log', level, message, at: this.#clock() });
  }

  #emit(event: DispatchEvent): void {
    for (const listener of [...this.#listeners]) listener(event);
  }

  #pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.#random() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  #uuid(): string {
    const bytes: number[] = [];
    for (let i = 0; i < 16; i++) bytes.push(Math.floor(this.#random() * 256));
    bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
    bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
    const hex = bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
}

/**
 * The same service seen as another node: every call goes to `service`, only `nodeName` differs.
 * Two web servers over one memory service stand in for two nodes of one cluster.
 */
export function asNode(service: DispatchService, nodeName: string): DispatchService {
  return {
    nodeName,
    listHeroes: () => service.listHeroes(),
    getHero: (id) => service.getHero(id),
    createHero: (input, request) => service.createHero(input, request),
    terminateHero: (id, request) => service.terminateHero(id, request),
    assignHero: (id, location, request) => service.assignHero(id, location, request),
    cluster: async () => ({ ...(await service.cluster()), self: nodeName }),
    destroyCity: (city) => service.destroyCity(city),
    nodeAction: (node, action) => service.nodeAction(node, action),
    subscribe: (listener) =>
      service.subscribe((event) =>
        listener(
          event.type === 'cluster' ? { ...event, cluster: { ...event.cluster, self: nodeName } } : event,
        ),
      ),
    ready: () => service.ready(),
  };
}
