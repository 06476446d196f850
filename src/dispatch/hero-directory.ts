/**
 * This node's view of all heroes, kept from the store's local change feed: the page's initial load,
 * the city's choice of heroes, and the "heroes hosted" counts read it without a store round trip.
 */
import type { Change, Table } from '../store/types.ts';
import type { Hero } from './model.ts';

export class HeroDirectory {
  private readonly heroes = new Map<string, Hero>();
  private readonly listeners = new Set<(change: { id: string; hero: Hero | undefined }) => void>();

  static async load(table: Table<Hero>): Promise<HeroDirectory> {
    const dir = new HeroDirectory();
    table.subscribe((c: Change<Hero>) => dir.apply(c.key, c.value));
    for (const v of await table.list({ stale: true })) dir.heroes.set(v.key, v.value);
    return dir;
  }

  apply(id: string, hero: Hero | undefined): void {
    if (hero) this.heroes.set(id, hero);
    else this.heroes.delete(id);
    for (const l of this.listeners) l({ id, hero });
  }

  /** Number of live heroes known (no copy, no sort: for metrics). */
  get size(): number {
    return this.heroes.size;
  }

  all(): Hero[] {
    return [...this.heroes.values()].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  }

  get(id: string): Hero | undefined {
    return this.heroes.get(id);
  }

  inCity(city: string): Hero[] {
    return [...this.heroes.values()].filter((h) => h.location === city);
  }

  hostedBy(node: string): number {
    let n = 0;
    for (const h of this.heroes.values()) if (h.node === node) n++;
    return n;
  }

  onChange(listener: (change: { id: string; hero: Hero | undefined }) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
