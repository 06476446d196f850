/**
 * One table of the Raft store (`Table<V>`): linearizable reads by default, writes as
 * single-operation transactions with an optional version condition, and the table's change feed.
 *
 * Example:
 * ```ts
 * const heroes = store.table<Hero>('heroes');
 * const v = await heroes.put(id, hero);                         // v: the write's log index
 * await heroes.put(id, next, { expectVersion: v });            // conflict if someone wrote since
 * await heroes.delete(id, { expectVersion: v2 });
 * const h = await heroes.get(id, { stale: true });             // local, no round trip
 * ```
 *
 * Versions: a record's version is the log index of its last write. `expectVersion: 0` means "must
 * be absent"; a positive expectation on an absent (never written or deleted) key fails, so a late
 * writer cannot bring a deleted record back. Values come back frozen; treat them as read-only.
 *
 * When not to use: several keys that must change together; use `store.transaction` (`ops.ts`).
 */
import { validateKey } from './memory-store.ts';
import type { Condition, Transaction } from './ops.ts';
import type { RaftChange } from './raft-feed.ts';
import type { Change, ReadOptions, Table, Versioned, WriteOptions } from './types.ts';

/** What a table needs from its store. */
export interface TableHost {
  readonly transaction: Transaction;
  read<T>(stale: boolean, fn: () => T): Promise<T>;
  getLocal(table: string, key: string): Versioned<unknown> | undefined;
  listLocal(table: string): Versioned<unknown>[];
  subscribe(table: string, fn: (c: RaftChange) => void): () => void;
  subscribeFrom(table: string, index: number, fn: (c: RaftChange) => void): () => void;
}

export class RaftTable<V> implements Table<V> {
  readonly name: string;
  private readonly host: TableHost;

  constructor(name: string, host: TableHost) {
    this.name = name;
    this.host = host;
  }

  async get(key: string, options: ReadOptions = {}): Promise<Versioned<V> | undefined> {
    validateKey(key);
    return this.host.read(
      options.stale === true,
      () => this.host.getLocal(this.name, key) as Versioned<V> | undefined,
    );
  }

  async list(options: ReadOptions = {}): Promise<Versioned<V>[]> {
    return this.host.read(options.stale === true, () => this.host.listLocal(this.name) as Versioned<V>[]);
  }

  /** Writes `value` and resolves with its version (the log index of the write). */
  async put(key: string, value: V, options: WriteOptions = {}): Promise<number> {
    validateKey(key);
    const r = await this.host.transaction(
      [{ op: 'put', table: this.name, key, value }],
      this.condition(key, options),
    );
    return r.versions[0]!.version;
  }

  async delete(key: string, options: WriteOptions = {}): Promise<void> {
    validateKey(key);
    await this.host.transaction([{ op: 'delete', table: this.name, key }], this.condition(key, options));
  }

  /** Changes of this table applied on this member from now on, in commit order, each once. */
  subscribe(listener: (change: Change<V>) => void): () => void {
    return this.host.subscribe(this.name, listener as (c: RaftChange) => void);
  }

  /**
   * Replays the retained changes after log index `index`, synchronously, then continues live.
   * Throws `StoreError` (`unavailable`) when changes after `index` are no longer retained.
   */
  subscribeFrom(index: number, listener: (change: RaftChange<V>) => void): () => void {
    return this.host.subscribeFrom(this.name, index, listener as (c: RaftChange) => void);
  }

  private condition(key: string, options: WriteOptions): Condition[] {
    return options.expectVersion === undefined
      ? []
      : [{ table: this.name, key, version: options.expectVersion }];
  }
}
