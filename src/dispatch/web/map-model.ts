/**
 * The cluster map's model: one card per node (its state, its store role, its heroes) built from the
 * newest cluster view and every live hero of a page stream. A card draws one mark per hero up to
 * `markLimit`, and counts by health above that, so the map costs the same at 10,000 heroes as at 50.
 *
 * ```ts
 * const tracker = new MapTracker();
 * tracker.died(hero, now); // a hero deleted: its mark stays, fading, for ghostMs
 * const map = tracker.build(cluster, index.values(), now); // → renderMap(map) in map-view.ts
 * ```
 *
 * A hero belongs to the card of the node its actor runs on (`hero.node`); a hero between nodes (no
 * node, or a node not in the view) sits on an "unplaced" card. A mark whose node changed since the
 * previous `build` is `moved` for `ghostMs` (the page animates its arrival; a card in counts mode
 * still draws its arrivals, so an assigned hero can be seen landing at 10,000 heroes); a hero that
 * died is `dying` on the
 * first build after and `dead` (faded) until a build after `ghostMs` have passed.
 *
 * Pure: time is the `now` argument. When not to use: programs read `GET /api/cluster` and
 * `GET /api/heroes`.
 */
import type { ClusterView, Hero, NodeView } from '../model.ts';

export type HealthBand = 'high' | 'mid' | 'low';
export type MarkState = 'steady' | 'moved' | 'dying' | 'dead';

export interface MapMark {
  readonly id: string;
  readonly name: string;
  readonly band: HealthBand;
  readonly state: MarkState;
}

export interface MapCard {
  /** Node name, or `''` for the unplaced card. */
  readonly name: string;
  readonly status: NodeView['status'] | 'unplaced';
  /** leader / follower / learner / candidate / replica / none; `''` for the unplaced card. */
  readonly storeRole: string;
  readonly self: boolean;
  /** Live heroes on this card. */
  readonly heroes: number;
  readonly bands: Readonly<Record<HealthBand, number>>;
  /** One per hero (ghosts included) while `heroes <= markLimit`; otherwise undefined (counts only). */
  readonly marks: readonly MapMark[] | undefined;
  /** In counts mode: the heroes that arrived within `ghostMs` (at most `arrivalLimit`). */
  readonly arrivals: readonly MapMark[];
}

export interface MapModel {
  readonly storeMode: ClusterView['storeMode'] | undefined;
  readonly cards: readonly MapCard[];
}

export interface MapTrackerOptions {
  /** Marks drawn per card before it shows counts instead. Default 48: four rows of twelve. */
  readonly markLimit?: number;
  /**
   * How long a dead hero's mark stays, faded, and an arrived hero's mark stays `moved`, in ms.
   * Default 3,000: long enough to be seen.
   */
  readonly ghostMs?: number;
  /** Arrived heroes drawn on a card in counts mode. Default 12: one row. */
  readonly arrivalLimit?: number;
}

/** Red at 20 or less (the seeds' health warning), amber to 50, green above; as in the table. */
export function bandOf(health: number): HealthBand {
  return health <= 20 ? 'low' : health <= 50 ? 'mid' : 'high';
}

interface Ghost {
  readonly hero: Hero;
  readonly diedAt: number;
  shown: boolean;
}

interface Bucket {
  heroes: number;
  bands: Record<HealthBand, number>;
  marks: MapMark[];
  arrivals: MapMark[];
}

export class MapTracker {
  readonly #markLimit: number;
  readonly #ghostMs: number;
  readonly #arrivalLimit: number;
  /** When each recently moved hero arrived on its card (Unix ms). */
  readonly #arrivedAt = new Map<string, number>();
  /** Card each hero's mark was on at the previous build. */
  #lastCard = new Map<string, string>();
  readonly #ghosts = new Map<string, Ghost>();

  constructor(options: MapTrackerOptions = {}) {
    this.#markLimit = Math.max(0, options.markLimit ?? 48);
    this.#ghostMs = Math.max(0, options.ghostMs ?? 3000);
    this.#arrivalLimit = Math.max(0, options.arrivalLimit ?? 12);
  }

  died(hero: Hero, now: number): void {
    this.#ghosts.set(hero.id, { hero, diedAt: now, shown: false });
  }

  build(cluster: ClusterView | undefined, heroes: Iterable<Hero>, now: number): MapModel {
    const nodes = cluster?.nodes ?? [];
    const known = new Set(nodes.map((n) => n.name));
    const buckets = new Map<string, Bucket>();
    const bucket = (card: string): Bucket => {
      let b = buckets.get(card);
      if (b === undefined) {
        b = { heroes: 0, bands: { high: 0, mid: 0, low: 0 }, marks: [], arrivals: [] };
        buckets.set(card, b);
      }
      return b;
    };
    const nextCard = new Map<string, string>();
    for (const hero of heroes) {
      const card = known.has(hero.node) ? hero.node : '';
      const b = bucket(card);
      const band = bandOf(hero.health);
      b.heroes++;
      b.bands[band]++;
      const last = this.#lastCard.get(hero.id);
      nextCard.set(hero.id, card);
      if (last !== undefined && last !== card) this.#arrivedAt.set(hero.id, now);
      const arrived = this.#arrivedAt.get(hero.id);
      const moved = arrived !== undefined && now - arrived <= this.#ghostMs;
      if (arrived !== undefined && !moved) this.#arrivedAt.delete(hero.id);
      const mark: MapMark = { id: hero.id, name: hero.name, band, state: moved ? 'moved' : 'steady' };
      if (b.heroes <= this.#markLimit) b.marks.push(mark);
      if (moved && b.arrivals.length < this.#arrivalLimit) b.arrivals.push(mark);
    }
    this.#lastCard = nextCard;
    for (const id of this.#arrivedAt.keys()) if (!nextCard.has(id)) this.#arrivedAt.delete(id);
    for (const [id, ghost] of this.#ghosts) {
      if (now - ghost.diedAt > this.#ghostMs && ghost.shown) {
        this.#ghosts.delete(id);
        continue;
      }
      const card = known.has(ghost.hero.node) ? ghost.hero.node : '';
      const b = bucket(card);
      b.marks.push({ id, name: ghost.hero.name, band: 'low', state: ghost.shown ? 'dead' : 'dying' });
      ghost.shown = true;
    }
    const cardOf = (name: string, node: NodeView | undefined): MapCard => {
      const b = buckets.get(name) ?? {
        heroes: 0,
        bands: { high: 0, mid: 0, low: 0 },
        marks: [],
        arrivals: [],
      };
      return {
        name,
        status: node?.status ?? 'unplaced',
        storeRole: node?.storeRole ?? '',
        self: node !== undefined && node.name === cluster?.self,
        heroes: b.heroes,
        bands: b.bands,
        marks: b.heroes <= this.#markLimit ? b.marks : undefined,
        arrivals: b.heroes <= this.#markLimit ? [] : b.arrivals,
      };
    };
    const cards = nodes.map((n) => cardOf(n.name, n));
    if (buckets.has('')) cards.push(cardOf('', undefined));
    return { storeMode: cluster?.storeMode, cards };
  }
}
