/**
 * HeroIndex: every live hero of one page stream, kept in the table's order (name, then id), and the
 * window of it the page shows: the heroes that pass the page's filter (city, status, name search),
 * one page of them at a time. This is what keeps a page at 10,000 heroes to a bounded number of rows.
 *
 * ```ts
 * const index = new HeroIndex();
 * index.set(hero); index.delete(id);
 * const w = index.window({ city: 'gotham', status: 'fighting', q: 'fal', page: 2 }, 50);
 * w.rows; // at most 50 heroes, in table order
 * w.matching; w.page; w.pages; // for the pager ("51–100 of 1,234")
 * ```
 *
 * A page beyond the last is clamped to the last, so a page that emptied while the user was on it
 * shows the last full one. Names never change, so a hero's place in the order is fixed while it lives.
 *
 * Costs: `set` of a new hero and `delete` are O(n) (an array splice: about 10 µs at 10,000 heroes),
 * `set` of a known hero is O(1), `reset` one sort, `window` is one O(n) scan.
 *
 * Pure: no I/O, no clock. When not to use: programs filter `GET /api/heroes` themselves.
 */
import type { Hero } from '../model.ts';

export type StatusFilter = 'fighting' | 'resting';

/** What the page asks to see; every field but `page` optional (absent = no filter). */
export interface HeroFilter {
  /** A location: `home` or a city. */
  readonly city?: string | undefined;
  readonly status?: StatusFilter | undefined;
  /** Case-insensitive substring of the name. */
  readonly q?: string | undefined;
  /** 1-based. */
  readonly page: number;
}

export interface HeroWindow {
  readonly rows: readonly Hero[];
  /** Heroes passing the filter. */
  readonly matching: number;
  /** 1-based page shown (clamped to `pages`). */
  readonly page: number;
  /** At least 1. */
  readonly pages: number;
}

/** Rows per page. Default 50: a screen and a half of rows; the DOM stays near 1,500 elements. */
export const DEFAULT_PAGE_SIZE = 50;

function before(a: Hero, b: Hero): boolean {
  return a.name < b.name || (a.name === b.name && a.id < b.id);
}

export function matches(hero: Hero, filter: HeroFilter, q: string): boolean {
  if (filter.city !== undefined && hero.location !== filter.city) return false;
  if (filter.status !== undefined && hero.isPatrolling !== (filter.status === 'fighting')) return false;
  return q === '' || hero.name.toLowerCase().includes(q);
}

export class HeroIndex {
  readonly #byId = new Map<string, Hero>();
  /** Live heroes in table order. */
  readonly #order: Hero[] = [];

  get size(): number {
    return this.#byId.size;
  }

  get(id: string): Hero | undefined {
    return this.#byId.get(id);
  }

  values(): IterableIterator<Hero> {
    return this.#byId.values();
  }

  clear(): void {
    this.#byId.clear();
    this.#order.length = 0;
  }

  /** Replaces every hero at once: one sort, O(n log n), where n `set`s would cost O(n²). */
  reset(heroes: Iterable<Hero>): void {
    this.clear();
    for (const hero of heroes) this.#byId.set(hero.id, hero);
    this.#order.push(...this.#byId.values());
    this.#order.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
  }

  set(hero: Hero): void {
    const old = this.#byId.get(hero.id);
    this.#byId.set(hero.id, hero);
    if (old !== undefined && old.name === hero.name) {
      this.#order[this.#position(old)] = hero;
      return;
    }
    if (old !== undefined) this.#order.splice(this.#position(old), 1);
    this.#order.splice(this.#position(hero), 0, hero);
  }

  delete(id: string): boolean {
    const old = this.#byId.get(id);
    if (old === undefined) return false;
    this.#byId.delete(id);
    this.#order.splice(this.#position(old), 1);
    return true;
  }

  window(filter: HeroFilter, pageSize: number): HeroWindow {
    const size = Math.max(1, Math.floor(pageSize));
    const q = (filter.q ?? '').trim().toLowerCase();
    const all = filter.city === undefined && filter.status === undefined && q === '';
    const matching = all
      ? this.#order.length
      : this.#order.reduce((n, h) => (matches(h, filter, q) ? n + 1 : n), 0);
    const pages = Math.max(1, Math.ceil(matching / size));
    const page = Math.min(Math.max(1, Math.floor(filter.page)), pages);
    const skip = (page - 1) * size;
    if (all) return { rows: this.#order.slice(skip, skip + size), matching, page, pages };
    const rows: Hero[] = [];
    let seen = 0;
    for (const hero of this.#order) {
      if (!matches(hero, filter, q)) continue;
      if (seen++ < skip) continue;
      rows.push(hero);
      if (rows.length === size) break;
    }
    return { rows, matching, page, pages };
  }

  /** Index of `hero`'s place in the order (where it is, or where it would go). */
  #position(hero: Hero): number {
    let lo = 0;
    let hi = this.#order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const at = this.#order[mid];
      if (at !== undefined && before(at, hero)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
