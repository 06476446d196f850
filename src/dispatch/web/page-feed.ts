/**
 * PageFeed: the pure state of one open page's live stream. It turns service events into the few
 * DOM operations the page needs (replace a row, append a row, remove a row, re-render the nodes and
 * the map, prepend a log line), coalescing everything that happened since the last batch.
 *
 * The page shows a window of the heroes, not all of them: those passing its filter (city, status,
 * name search), one page of `pageSize` rows (see `hero-window.ts`). The feed keeps every live hero
 * and sends only changes to the rows in the window: a row that changed is replaced, heroes that
 * join the end of the window are appended, heroes that leave it are removed, and any other change
 * of the window's rows or order re-sends the window whole (`pageSize` rows at most). So the page's
 * DOM stays bounded at 10,000 heroes, and each batch costs at most one window.
 *
 * ```ts
 * const feed = new PageFeed();
 * const unsubscribe = service.subscribe((e) => feed.push(e)); // subscribe first: nothing is lost
 * feed.beginSnapshot();
 * feed.snapshot(await service.listHeroes(), await service.cluster(), recentLog.entries());
 * every 100 ms: const ops = feed.take(Date.now()); if (ops.length > 0) send(renderOps(ops, …));
 * ```
 *
 * Invariants:
 * - `take()` returns nothing before the first `snapshot` / `snapshotFailed`: until then the page's
 *   rows are unknown, and an append could duplicate a row the page already shows.
 * - The feed tracks every live hero (`HeroIndex`) and the ids of the rows the page shows, in order;
 *   an upsert older than the hero known is dropped, a deletion of an unknown id is dropped.
 * - A deleted id stays deleted for this stream (ids are never reused; a late upsert from a stale
 *   replica must not resurrect a row), except when a later snapshot lists it again.
 * - At most `logCapacity` log lines are shown; each new line past that evicts the oldest.
 *
 * Assumed of the service: stale or duplicate upserts may arrive, but never an upsert of a hero whose
 * deletion happened before this stream subscribed (a store emits no change for a tombstoned key);
 * such an upsert would show a row until the next snapshot.
 *
 * No I/O, no timers: the SSE driver owns the batch timer and the socket.
 *
 * When not to use: JSON API clients get raw events; this is only for the server-rendered page.
 */
import type { ClusterView, DispatchEvent, Hero } from '../model.ts';
import { DEFAULT_PAGE_SIZE, HeroIndex } from './hero-window.ts';
import type { HeroFilter, HeroWindow } from './hero-window.ts';
import { MapTracker } from './map-model.ts';
import type { MapModel, MapTrackerOptions } from './map-model.ts';

export interface LogEntry {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
  /** Unix ms. */
  readonly at: number;
}

export interface LogLine {
  /** Per-stream sequence number; the line's element id is `log-<seq>`. */
  readonly seq: number;
  readonly entry: LogEntry;
}

export type PageOp =
  | { readonly kind: 'reset'; readonly heroes: readonly Hero[] }
  | { readonly kind: 'upsert'; readonly hero: Hero; readonly isNew: boolean }
  | { readonly kind: 'remove'; readonly id: string }
  | { readonly kind: 'cluster'; readonly cluster: ClusterView }
  | { readonly kind: 'log-reset'; readonly lines: readonly LogLine[] }
  | { readonly kind: 'log'; readonly line: LogLine; readonly evict: number | undefined }
  | { readonly kind: 'flash'; readonly level: 'info' | 'error'; readonly text: string }
  | { readonly kind: 'count'; readonly heroes: number }
  | { readonly kind: 'pager'; readonly pager: Pager }
  | { readonly kind: 'map'; readonly map: MapModel };

/** What the pager shows: "first–last of matching", page of pages. */
export interface Pager {
  readonly matching: number;
  readonly page: number;
  readonly pages: number;
  /** 1-based position of the first row shown; 0 when none. */
  readonly first: number;
  readonly last: number;
}

export interface PageFeedOptions {
  /** Log lines kept on the page. Default 200: enough to read back a chaos run, cheap to hold. */
  readonly logCapacity?: number;
  /** Deleted ids remembered against late upserts. Default 10,000 ids (about 0.5 MB per stream). */
  readonly tombstoneCapacity?: number;
  /** The page's filter and page. Default: every hero, page 1. */
  readonly view?: HeroFilter;
  /** Rows per page. Default `DEFAULT_PAGE_SIZE` (50). */
  readonly pageSize?: number;
  /** The cluster map's mark limit and ghost time. */
  readonly map?: MapTrackerOptions;
}

export class PageFeed {
  readonly #logCapacity: number;
  readonly #tombstoneCapacity: number;
  readonly #view: HeroFilter;
  readonly #pageSize: number;
  /** Every live hero this stream knows. */
  readonly #heroes = new HeroIndex();
  /** The rows the page shows, in order, as sent. */
  #shown: Hero[] = [];
  #pager: Pager | undefined;
  readonly #map: MapTracker;
  #mapDirty = false;
  /** Ids deleted during this stream, oldest first. */
  readonly #removed = new Set<string>();
  /** Coalesced hero changes since the last `take`; `null` = deleted. */
  readonly #pendingHeroes = new Map<string, Hero | null>();
  #pendingCluster: ClusterView | undefined;
  #clusterSinceBegin = false;
  #pendingLogs: LogEntry[] = [];
  /** Resets and flashes, sent before row changes; a `reset`'s rows are filled in by `take`. */
  #pendingFirst: PageOp[] = [];
  /** Seqs of the log lines shown, oldest first. */
  #visibleLogs: number[] = [];
  #nextSeq = 0;
  #shownCount = -1;
  #synced = false;
  #cluster: ClusterView | undefined;

  constructor(options: PageFeedOptions = {}) {
    this.#logCapacity = Math.max(1, options.logCapacity ?? 200);
    this.#tombstoneCapacity = Math.max(1, options.tombstoneCapacity ?? 10_000);
    this.#view = options.view ?? { page: 1 };
    this.#pageSize = Math.max(1, options.pageSize ?? DEFAULT_PAGE_SIZE);
    this.#map = new MapTracker(options.map);
  }

  /** The newest cluster view sent to the page (rows render their Assign options from it). */
  get cluster(): ClusterView | undefined {
    return this.#cluster;
  }

  /** Number of hero rows the page shows once the pending operations are applied. */
  get rows(): number {
    return this.#shown.length;
  }

  /** Number of live heroes the stream knows once the pending operations are applied. */
  get heroes(): number {
    return this.#heroes.size;
  }

  get hasPending(): boolean {
    if (!this.#synced) return false;
    return (
      this.#pendingFirst.length > 0 ||
      this.#pendingHeroes.size > 0 ||
      this.#pendingCluster !== undefined ||
      this.#pendingLogs.length > 0
    );
  }

  push(event: DispatchEvent): void {
    switch (event.type) {
      case 'hero': {
        const pending = this.#pendingHeroes.get(event.hero.id);
        if (pending === null) return;
        if (pending !== undefined && pending.updatedAt > event.hero.updatedAt) return;
        this.#pendingHeroes.set(event.hero.id, event.hero);
        return;
      }
      case 'hero-deleted':
        this.#pendingHeroes.set(event.id, null);
        return;
      case 'cluster':
        this.#pendingCluster = event.cluster;
        this.#clusterSinceBegin = true;
        return;
      case 'log':
        this.#pendingLogs.push({ level: event.level, message: event.message, at: event.at });
        if (this.#pendingLogs.length > this.#logCapacity) this.#pendingLogs.shift();
        return;
    }
  }

  /** Call right before reading the snapshot, so a cluster event that arrives meanwhile wins. */
  beginSnapshot(): void {
    this.#clusterSinceBegin = false;
  }

  /**
   * The page's full state: all rows and the recent log are replaced. Obligation: `logs` (oldest
   * first) holds every log event pushed before this call, so pending log lines are dropped here.
   */
  snapshot(heroes: readonly Hero[], cluster: ClusterView | undefined, logs: readonly LogEntry[]): void {
    this.#heroes.reset(heroes);
    for (const hero of heroes) this.#removed.delete(hero.id);
    if (cluster !== undefined && !this.#clusterSinceBegin) this.#pendingCluster = cluster;
    this.#pendingLogs = [];
    this.#visibleLogs = [];
    const lines: LogLine[] = logs.slice(-this.#logCapacity).map((entry) => ({ seq: this.#nextSeq++, entry }));
    for (const line of lines) this.#visibleLogs.push(line.seq);
    this.#pendingFirst = [
      ...this.#pendingFirst.filter((op) => op.kind === 'flash'),
      { kind: 'reset', heroes: [] },
      { kind: 'log-reset', lines },
    ];
    this.#mapDirty = true;
    this.#synced = true;
  }

  /** The snapshot could not be read: the page shows the error and an empty table until a retry. */
  snapshotFailed(reason: string): void {
    this.#heroes.clear();
    this.#pendingFirst = [
      ...this.#pendingFirst.filter((op) => op.kind === 'flash' || op.kind === 'log-reset'),
      { kind: 'reset', heroes: [] },
      { kind: 'flash', level: 'error', text: `Database failed with ${reason.replace(/\.+$/, '')}.` },
    ];
    this.#mapDirty = true;
    this.#synced = true;
  }

  flash(level: 'info' | 'error', text: string): void {
    this.#pendingFirst.push({ kind: 'flash', level, text });
  }

  /**
   * Drains everything pending since the last call, in the order the page must apply it. `now`
   * (Unix ms) only times how long a dead hero's mark stays on the map.
   */
  take(now = 0): PageOp[] {
    if (!this.#synced) return [];
    this.#applyPendingHeroes(now);
    const window = this.#heroes.window(this.#view, this.#pageSize);
    const first = this.#pendingFirst;
    this.#pendingFirst = [];
    const reset = first.some((op) => op.kind === 'reset');
    const ops: PageOp[] = first.map((op) =>
      op.kind === 'reset' ? { kind: 'reset', heroes: window.rows } : op,
    );
    if (!reset) ops.push(...this.#rowChanges(window.rows));
    this.#shown = [...window.rows];
    this.#pushPager(ops, window);
    const clusterChanged = this.#pendingCluster !== undefined;
    if (this.#pendingCluster !== undefined) {
      this.#cluster = this.#pendingCluster;
      ops.push({ kind: 'cluster', cluster: this.#pendingCluster });
      this.#pendingCluster = undefined;
    }
    if (this.#mapDirty || clusterChanged) {
      ops.push({ kind: 'map', map: this.#map.build(this.#cluster, this.#heroes.values(), now) });
      this.#mapDirty = false;
    }
    for (const entry of this.#pendingLogs) {
      const seq = this.#nextSeq++;
      this.#visibleLogs.push(seq);
      const evict = this.#visibleLogs.length > this.#logCapacity ? this.#visibleLogs.shift() : undefined;
      ops.push({ kind: 'log', line: { seq, entry }, evict });
    }
    this.#pendingLogs = [];
    if (this.#heroes.size !== this.#shownCount) {
      this.#shownCount = this.#heroes.size;
      ops.push({ kind: 'count', heroes: this.#shownCount });
    }
    return ops;
  }

  #applyPendingHeroes(now: number): void {
    for (const [id, hero] of this.#pendingHeroes) {
      if (hero === null) {
        const old = this.#heroes.get(id);
        if (old !== undefined) {
          this.#heroes.delete(id);
          this.#map.died(old, now);
          this.#mapDirty = true;
        }
        this.#remember(id);
        continue;
      }
      if (this.#removed.has(id)) continue;
      const known = this.#heroes.get(id);
      if (known !== undefined && hero.updatedAt < known.updatedAt) continue;
      this.#heroes.set(hero);
      this.#mapDirty = true;
    }
    this.#pendingHeroes.clear();
  }

  /**
   * The row operations from the rows shown to `rows`: replace changed rows, remove rows that left,
   * append rows that joined at the end; anything else (a row joining in the middle, a new order)
   * re-sends the window whole.
   */
  #rowChanges(rows: readonly Hero[]): PageOp[] {
    const next = new Set(rows.map((h) => h.id));
    const kept = this.#shown.filter((h) => next.has(h.id));
    for (let i = 0; i < kept.length; i++) {
      if (kept[i]?.id !== rows[i]?.id) return [{ kind: 'reset', heroes: rows }];
    }
    const ops: PageOp[] = [];
    for (const h of this.#shown) if (!next.has(h.id)) ops.push({ kind: 'remove', id: h.id });
    rows.forEach((hero, i) => {
      if (i >= kept.length) ops.push({ kind: 'upsert', hero, isNew: true });
      else if (kept[i] !== hero) ops.push({ kind: 'upsert', hero, isNew: false });
    });
    return ops;
  }

  #pushPager(ops: PageOp[], window: HeroWindow): void {
    const first = window.rows.length === 0 ? 0 : (window.page - 1) * this.#pageSize + 1;
    const pager: Pager = {
      matching: window.matching,
      page: window.page,
      pages: window.pages,
      first,
      last: first === 0 ? 0 : first + window.rows.length - 1,
    };
    const old = this.#pager;
    if (
      old !== undefined &&
      old.matching === pager.matching &&
      old.page === pager.page &&
      old.pages === pager.pages &&
      old.first === pager.first &&
      old.last === pager.last
    ) {
      return;
    }
    this.#pager = pager;
    ops.push({ kind: 'pager', pager });
  }

  #remember(id: string): void {
    this.#removed.delete(id);
    this.#removed.add(id);
    if (this.#removed.size > this.#tombstoneCapacity) {
      const oldest = this.#removed.values().next();
      if (oldest.done !== true) this.#removed.delete(oldest.value);
    }
  }
}
