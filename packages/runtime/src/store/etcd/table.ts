/**
 * One table of the etcd store (`Table<V>`): each record one etcd key, its version the key's
 * `mod_revision` (the cluster-wide revision of its last write). Reads are linearizable (a quorum
 * read) unless `{ stale: true }` (served by whichever member the client is connected to);
 * writes are single-operation transactions of the store, with `expectVersion` as a `Txn` compare.
 *
 * ```ts
 * const heroes = store.table<Hero>('heroes');
 * const v = await heroes.put(id, hero);                 // v: the revision of the write
 * await heroes.put(id, next, { expectVersion: v });    // conflict if someone wrote since
 * heroes.subscribe((c) => render(c));                   // every change, in revision order
 * ```
 *
 * Versions: `expectVersion: 0` means "must be absent"; a positive expectation on an absent key
 * fails, so a late writer cannot bring a deleted record back (etcd compares a missing key's
 * `mod_revision` as 0).
 *
 * When not to use: several keys that must change together; use `store.transaction` (`ops.ts`).
 */
import { validateKey } from '../memory-store.ts';
import type { Condition, Transaction } from '../ops.ts';
import type { Change, ReadOptions, Table, Versioned, WriteOptions } from '../types.ts';
import type { StoreError } from '../types.ts';
import type { EtcdChange } from './feed.ts';

/** What a table needs from its store. */
export interface EtcdTableHost {
  readonly transaction: Transaction;
  get(table: string, key: string, stale: boolean): Promise<Versioned<unknown> | undefined>;
  list(table: string, stale: boolean): Promise<Versioned<unknown>[]>;
  subscribe(table: string, fn: (c: EtcdChange) => void): () => void;
  subscribeFrom(
    table: string,
    revision: number,
    fn: (c: EtcdChange) => void,
    onError: (e: StoreError) => void,
  ): () => void;
}

export class EtcdTable<V> implements Table<V> {
  readonly name: string;
  private readonly host: EtcdTableHost;

  constructor(name: string, host: EtcdTableHost) {
    this.name = name;
    this.host = host;
  }

  async get(key: string, options: ReadOptions = {}): Promise<Versioned<V> | undefined> {
    validateKey(key);
    return (await this.host.get(this.name, key, options.stale === true)) as Versioned<V> | undefined;
  }

  async list(options: ReadOptions = {}): Promise<Versioned<V>[]> {
    return (await this.host.list(this.name, options.stale === true)) as Versioned<V>[];
  }

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

  subscribe(listener: (change: Change<V>) => void): () => void {
    return this.host.subscribe(this.name, listener as (c: EtcdChange) => void);
  }

  /**
   * Every change after `revision`, then live. From the retained history synchronously when it
   * reaches back that far, else from etcd's; `onError` gets `EtcdCompactedError` when etcd no
   * longer has it.
   */
  subscribeFrom(
    revision: number,
    listener: (change: EtcdChange<V>) => void,
    onError: (err: StoreError) => void,
  ): () => void {
    return this.host.subscribeFrom(this.name, revision, listener as (c: EtcdChange) => void, onError);
  }

  private condition(key: string, options: WriteOptions): Condition[] {
    return options.expectVersion === undefined
      ? []
      : [{ table: this.name, key, version: options.expectVersion }];
  }
}
