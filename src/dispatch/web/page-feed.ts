/**
 * PageFeed: the pure state of one open page's live stream. It turns service events into the few
 * DOM operations the page needs (replace a row, append a row, remove a row, re-render the nodes,
 * prepend a log line), coalescing everything that happened since the last batch, so a page with
 * 1,000 heroes gets at most one update per hero per batch and never a whole-table re-render.
 *
 * ```ts
 * const feed = new PageFeed();
 * const unsubscribe = service.subscribe((e) => feed.push(e)); // subscribe first: nothing is lost
 * feed.beginSnapshot();
 * feed.snapshot(await service.listHeroes(), await service.cluster(), recentLog.entries());
 * every 100 ms: const ops = feed.take(); if (ops.length > 0) send(renderOps(ops, …));
 * ```
 *
 * Invariants:
 * - `take()` returns nothing before the first `snapshot` / `snapshotFailed`: until then the page's
 *   rows are unknown, and an append could duplicate a row the page already shows.
 * - The feed tracks which hero rows the page shows (`id → updatedAt`); an upsert older than the row
 *   shown is dropped, an upsert for an unknown id is an append, a deletion of an unknown id is dropped.
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
  | { readonly kind: 'count'; readonly heroes: number };

export interface PageFeedOptions {
  /** Log lines kept on the page. Default 200: enough to read back a chaos run, cheap to hold. */
  readonly logCapacity?: number;
  /** Deleted ids remembered against late upserts. Default 10,000 ids (about 0.5 MB per stream). */
  readonly tombstoneCapacity?: number;
}

export class PageFeed {
  readonly #logCapacity: number;
  readonly #tombstoneCapacity: number;
  /** Rows the page shows: id → updatedAt of the version shown. */
  readonly #known = new Map<string, number>();
  /** Ids deleted during this stream, oldest first. */
  readonly #removed = new Set<string>();
  /** Coalesced hero changes since the last `take`; `null` = deleted. */
  readonly #pendingHeroes = new Map<string, Hero | null>();
  #pendingCluster: ClusterView | undefined;
  #clusterSinceBegin = false;
  #pendingLogs: LogEntry[] = [];
  /** Resets and flashes, sent before row changes. */
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
  }

  /** The newest cluster view sent to the page (rows render their Assign options from it). */
  get cluster(): ClusterView | undefined {
    return this.#cluster;
  }

  /** Number of hero rows the page shows once the pending operations are applied. */
  get rows(): number {
    return this.#known.size;
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
    this.#known.clear();
    for (const hero of heroes) {
      this.#known.set(hero.id, hero.updatedAt);
      this.#removed.delete(hero.id);
    }
    if (cluster !== undefined && !this.#clusterSinceBegin) this.#pendingCluster = cluster;
    this.#pendingLogs = [];
    this.#visibleLogs = [];
    const lines: LogLine[] = logs.slice(-this.#logCapacity).map((entry) => ({ seq: this.#nextSeq++, entry }));
    for (const line of lines) this.#visibleLogs.push(line.seq);
    this.#pendingFirst = [
      ...this.#pendingFirst.filter((op) => op.kind === 'flash'),
      { kind: 'reset', heroes: [...heroes] },
      { kind: 'log-reset', lines },
    ];
    this.#synced = true;
  }

  /** The snapshot could not be read: the page shows the error and an empty table until a retry. */
  snapshotFailed(reason: string): void {
    this.#known.clear();
    this.#pendingFirst = [
      ...this.#pendingFirst.filter((op) => op.kind === 'flash' || op.kind === 'log-reset'),
      { kind: 'reset', heroes: [] },
      { kind: 'flash', level: 'error', text: `Database failed with ${reason.replace(/\.+$/, '')}.` },
    ];
    this.#synced = true;
  }

  flash(level: 'info' | 'error', text: string): void {
    this.#pendingFirst.push({ kind: 'flash', level, text });
  }

  /** Drains everything pending since the last call, in the order the page must apply it. */
  take(): PageOp[] {
    if (!this.#synced) return [];
    const ops: PageOp[] = this.#pendingFirst;
    this.#pendingFirst = [];
    for (const [id, hero] of this.#pendingHeroes) {
      if (hero === null) {
        if (this.#known.delete(id)) ops.push({ kind: 'remove', id });
        this.#remember(id);
        continue;
      }
      if (this.#removed.has(id)) continue;
      const shown = this.#known.get(id);
      if (shown !== undefined && hero.updatedAt < shown) continue;
      this.#known.set(id, hero.updatedAt);
      ops.push({ kind: 'upsert', hero, isNew: shown === undefined });
    }
    this.#pendingHeroes.clear();
    if (this.#pendingCluster !== undefined) {
      this.#cluster = this.#pendingCluster;
      ops.push({ kind: 'cluster', cluster: this.#pendingCluster });
      this.#pendingCluster = undefined;
    }
    for (const entry of this.#pendingLogs) {
      const seq = this.#nextSeq++;
      this.#visibleLogs.push(seq);
      const evict = this.#visibleLogs.length > this.#logCapacity ? this.#visibleLogs.shift() : undefined;
      ops.push({ kind: 'log', line: { seq, entry }, evict });
    }
    this.#pendingLogs = [];
    if (this.#known.size !== this.#shownCount) {
      this.#shownCount = this.#known.size;
      ops.push({ kind: 'count', heroes: this.#shownCount });
    }
    return ops;
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
