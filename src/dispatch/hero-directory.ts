/**
 * This node's view of all heroes, kept from the store's local change feed: the page's initial load,
 * the city's choice of heroes, the service's quick existence checks and the tombstone collector
 * read it without a store round trip.
 *
 * ```ts
 * const directory = await HeroDirectory.load(heroes);
 * directory.get(id);        // the live record, if the hero lives
 * directory.tombstone(id);  // its tombstone, once it is terminated or dead
 * directory.onResurrection((id, tomb) => heroes.bury(tomb)); // a live value beside a tombstone
 * ```
 *
 * A tombstone is final here: once one is seen for an id (as the visible value, or as a concurrent
 * value the store reports through `onConcurrent`), a live value of that id that arrives later is not
 * shown; it is reported to the resurrection listeners, which write the tombstone over it again.
 * Only the removal of the record (tombstone collection) forgets the id.
 */
import type { Change } from '@superhero-dispatch/runtime/store';
import type { HeroRecord, LiveRecord, Tombstone } from './hero-record.ts';
import { isTombstone } from './hero-record.ts';
import type { HeroStore } from './hero-store.ts';

export interface DirectoryChange {
  readonly id: string;
  /** The live record; undefined when the hero is gone (terminated, dead or collected). */
  readonly hero: LiveRecord | undefined;
}

export class HeroDirectory {
  private readonly live = new Map<string, LiveRecord>();
  private readonly dead = new Map<string, Tombstone>();
  private readonly listeners = new Set<(change: DirectoryChange) => void>();
  private readonly resurrections = new Set<(id: string, tomb: Tombstone) => void>();

  static async load(heroes: HeroStore): Promise<HeroDirectory> {
    const dir = new HeroDirectory();
    const table = heroes.table;
    table.subscribe((c: Change<HeroRecord>) => dir.apply(c.key, c.value));
    // A tombstone that lost the visible place to a concurrent live value still counts.
    table.onConcurrent?.((c: Change<HeroRecord>) => {
      if (isTombstone(c.value)) dir.apply(c.key, c.value);
    });
    for (const v of await table.list({ stale: true })) {
      const resolved = table.concurrent ? await heroes.read(v.key, true) : v;
      if (resolved) dir.apply(v.key, resolved.value);
    }
    return dir;
  }

  apply(id: string, record: HeroRecord | undefined): void {
    if (record === undefined) {
      this.dead.delete(id);
      if (this.live.delete(id)) this.emit({ id, hero: undefined });
      return;
    }
    if (isTombstone(record)) {
      this.dead.set(id, record);
      if (this.live.delete(id)) this.emit({ id, hero: undefined });
      return;
    }
    const tomb = this.dead.get(id);
    if (tomb) {
      for (const l of this.resurrections) l(id, tomb);
      return;
    }
    this.live.set(id, record);
    this.emit({ id, hero: record });
  }

  /** Number of live heroes known (no copy, no sort: for metrics). */
  get size(): number {
    return this.live.size;
  }

  /** Ids of the live heroes, in no particular order (no copy of the records, no sort: for sweeps). */
  ids(): string[] {
    return [...this.live.keys()];
  }

  all(): LiveRecord[] {
    return [...this.live.values()].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  }

  get(id: string): LiveRecord | undefined {
    return this.live.get(id);
  }

  tombstone(id: string): Tombstone | undefined {
    return this.dead.get(id);
  }

  tombstones(): Tombstone[] {
    return [...this.dead.values()];
  }

  inCity(city: string): LiveRecord[] {
    return [...this.live.values()].filter((h) => h.location === city);
  }

  onChange(listener: (change: DirectoryChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** `listener` hears of a live value that arrived for an id whose tombstone this node holds. */
  onResurrection(listener: (id: string, tomb: Tombstone) => void): () => void {
    this.resurrections.add(listener);
    return () => this.resurrections.delete(listener);
  }

  private emit(change: DirectoryChange): void {
    for (const l of this.listeners) l(change);
  }
}
