/**
 * The etcd store's change feed: one watch over every table (`WatchLoop`), turned into the store's
 * changes and fanned out to subscribers, with the same bounded history and `subscribeFrom` as the
 * Raft store's feed (`raft-feed.ts`), revisions standing for log indexes.
 *
 * ```ts
 * const feed = await EtcdFeed.open({ client, prefix, log, retain: 10_000, read });
 * feed.subscribe('heroes', (c) => console.log(c.revision, c.key, c.value));
 * feed.subscribeFrom('heroes', 41, (c) => …, (err) => resync(err));   // err: EtcdCompactedError
 * await feed.close();
 * ```
 *
 * Guarantees: changes arrive in revision order, each once; the changes of one transaction share
 * its revision and arrive together. Across a reconnect the watch resumes after the last delivered
 * revision: no gap, no duplicate. If etcd compacted past that revision while this node was cut
 * off, the feed re-reads every table at one revision, tells subscribers what differs from what
 * it had delivered (as the Raft store does after a snapshot install), and resumes after the read:
 * subscribers still see each key reach its current value.
 *
 * `subscribeFrom(table, revision)` replays from the retained history when it reaches back that
 * far (synchronously, then live); otherwise it opens a watch of its own from `revision + 1` on
 * etcd's history. If etcd compacted that history, `onError` receives `EtcdCompactedError`: the
 * consumer re-reads (`EtcdStore.snapshot`) and subscribes from the read's revision.
 *
 * Memory: the key → revision index of every record (for `previousVersion` and the re-read diff)
 * plus the retained changes.
 */
import type { Logger } from 'pino';
import type { Etcd3, IEvent } from 'etcd3';
import { ChangeFeed } from '../raft-feed.ts';
import type { RaftChange } from '../raft-feed.ts';
import { StoreError } from '../types.ts';
import { EtcdCompactedError } from './errors.ts';
import { parseRecordKey, storeRange, tableRange } from './keys.ts';
import { WatchLoop } from './watch.ts';

/** A change with its etcd revision (`index`, named as in the Raft store's feed). */
export type EtcdChange<V = unknown> = RaftChange<V>;

/** Every record of the store at one revision. */
export interface StoreImage {
  readonly revision: number;
  readonly records: ReadonlyArray<{ table: string; key: string; value: unknown; version: number }>;
}

export interface EtcdFeedOptions {
  readonly client: Etcd3;
  readonly prefix: string;
  readonly log: Logger;
  readonly retain: number;
  /** A linearizable read of every record (the feed's start and its re-read after a compaction). */
  readonly read: () => Promise<StoreImage>;
  readonly decode: (value: Buffer) => unknown;
}

const indexKey = (table: string, key: string): string => `${table}\u0000${key}`;

export class EtcdFeed {
  private readonly o: EtcdFeedOptions;
  private readonly history: ChangeFeed;
  private readonly index = new Map<string, number>();
  private readonly loop: WatchLoop;
  private readonly extra = new Set<WatchLoop>();
  private closed = false;

  private constructor(o: EtcdFeedOptions, image: StoreImage) {
    this.o = o;
    this.history = new ChangeFeed({ retain: o.retain, startIndex: image.revision, log: o.log });
    for (const r of image.records) this.index.set(indexKey(r.table, r.key), r.version);
    this.loop = new WatchLoop({
      client: o.client,
      range: storeRange(o.prefix),
      after: image.revision,
      log: o.log,
      events: (evs) => this.apply(evs),
      compacted: (at) => this.resync(at),
    });
    this.loop.start();
  }

  static async open(o: EtcdFeedOptions): Promise<EtcdFeed> {
    return new EtcdFeed(o, await o.read());
  }

  /** Every change up to this revision has been delivered. */
  get revision(): number {
    return this.loop.revision;
  }

  subscribe(table: string | null, fn: (c: EtcdChange) => void): () => void {
    return this.history.subscribe(table, fn);
  }

  subscribeFrom(
    table: string | null,
    revision: number,
    fn: (c: EtcdChange) => void,
    onError: (err: StoreError) => void,
  ): () => void {
    if (!Number.isSafeInteger(revision) || revision < 0) {
      throw new StoreError('invalid', `subscribeFrom needs a revision >= 0, got ${String(revision)}`);
    }
    if (revision >= this.history.retainedFrom) return this.history.subscribeFrom(table, revision, fn);
    const loop = new WatchLoop({
      client: this.o.client,
      range: table === null ? storeRange(this.o.prefix) : tableRange(this.o.prefix, table),
      after: revision,
      log: this.o.log,
      prevKv: true,
      events: (evs) => {
        for (const e of evs) {
          const c = this.toChange(e, Number(e.prev_kv?.mod_revision ?? 0));
          if (c !== undefined) fn(c);
        }
      },
      compacted: async (at) => {
        this.extra.delete(loop);
        onError(new EtcdCompactedError(revision, at));
        return undefined;
      },
    });
    this.extra.add(loop);
    loop.start();
    return () => {
      this.extra.delete(loop);
      void loop.stop();
    };
  }

  /** Reopens every watch from where it was (see `WatchLoop.renew`). */
  renew(): void {
    this.loop.renew();
    for (const l of this.extra) l.renew();
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([this.loop.stop(), ...[...this.extra].map((l) => l.stop())]);
  }

  private apply(events: IEvent[]): void {
    for (const e of events) {
      const where = parseRecordKey(this.o.prefix, e.kv.key);
      if (where === undefined) continue;
      const k = indexKey(where.table, where.key);
      const c = this.toChange(e, this.index.get(k) ?? 0);
      if (c === undefined) continue;
      if (c.value === undefined) this.index.delete(k);
      else this.index.set(k, c.version);
      this.history.push(c);
    }
  }

  private toChange(e: IEvent, previousVersion: number): EtcdChange | undefined {
    const where = parseRecordKey(this.o.prefix, e.kv.key);
    if (where === undefined) return undefined;
    const revision = Number(e.kv.mod_revision);
    const value = e.type === 'Delete' ? undefined : this.o.decode(e.kv.value);
    return { table: where.table, key: where.key, value, version: revision, index: revision, previousVersion };
  }

  /** The history after our revision is gone: re-read, report the differences, resume after the read. */
  private async resync(compactRevision: number): Promise<number | undefined> {
    while (!this.closed) {
      try {
        const image = await this.o.read();
        this.o.log.warn(
          { from: this.loop.revision, compactRevision, reread: image.revision },
          'etcd compacted past the change feed; re-read the store',
        );
        const changes: EtcdChange[] = [];
        const seen = new Set<string>();
        for (const r of image.records) {
          const k = indexKey(r.table, r.key);
          seen.add(k);
          const before = this.index.get(k) ?? 0;
          if (before !== r.version) {
            changes.push({ ...r, index: image.revision, previousVersion: before });
            this.index.set(k, r.version);
          }
        }
        for (const [k, before] of [...this.index]) {
          if (seen.has(k)) continue;
          const [table, key] = k.split('\u0000') as [string, string];
          changes.push({
            table,
            key,
            value: undefined,
            version: image.revision,
            index: image.revision,
            previousVersion: before,
          });
          this.index.delete(k);
        }
        this.history.replaceState(image.revision, changes);
        return image.revision;
      } catch (err) {
        this.o.log.debug({ err }, 'etcd re-read after compaction failed; retrying');
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    return undefined;
  }
}
