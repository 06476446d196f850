/**
 * One table of the AP store: the keys `table/key` of the node's CRDT replica. Reads are local;
 * writes apply to the local replica at once and reach the other replicas by push (about one
 * network hop) or anti-entropy (within about a second of a lost push).
 *
 * Example:
 * ```ts
 * const heroes = store.table<Hero>('heroes');
 * const v = await heroes.put(id, hero);                 // version from the write's HLC stamp
 * await heroes.put(id, next, { expectVersion: v });    // checked against this replica only
 * heroes.subscribe((c) => console.log(c.key, c.version, c.origin));
 * ```
 *
 * Versions: `stampVersion` (`crdt/driver/version.ts`): `ms × 1024 + lc` of the value's HLC
 * stamp, the same on every replica that holds the value, growing with every write of the key. A
 * deletion's change carries the removed value's version + 1.
 *
 * Write concern: `put` and `delete` resolve once the store's write concern is met (see
 * `crdt-store.ts`); `write` and `remove` do the same and say whether a peer held the write then.
 *
 * `expectVersion` (0: must be absent) is compared with the local replica, then the write is made:
 * two nodes may both pass the check for the same version; the map then keeps both writes as
 * concurrent values and shows the one with the greater stamp everywhere.
 *
 * Change feed: every change of a visible value on this replica, local or remote, once, in the
 * order applied, with `origin` the full name of the node that wrote the value (for a deletion, the
 * node it came from). Listeners run synchronously; one that throws is logged and stays.
 *
 * Concurrent values: `concurrent(key)` returns every value the key holds here, the visible one
 * (what `get` returns) first, then by stamp, greatest first — several only after concurrent writes
 * (two sides of a partition) that no later write has replaced. A put replaces every value this
 * replica holds of the key, so read all, merge, and put with `expectVersion` of the first.
 * `onConcurrent(listener)` reports a join that gave a key a value hidden behind the visible one
 * (the change feed does not: the visible value did not change), with that value's version and
 * writer as `version` and `origin`; same listener rules as the change feed.
 *
 * When not to use: see `crdt-store.ts`.
 */
import type { Logger } from 'pino';
import type { CrdtDriver, DriverChange, DriverConcurrent } from '../crdt/driver/index.ts';
import { stampVersion } from '../crdt/driver/index.ts';
import type { Entry } from '../crdt/core/entry.ts';
import { validateKey } from './memory-store.ts';
import type { Change, Durability, Table, Versioned, WriteOptions, WriteResult } from './types.ts';
import { StoreError } from './types.ts';

/** What a table needs of its store. */
export interface CrdtTableHost {
  /** The open driver; throws `StoreError('unavailable')` once the store is closed. */
  driver(): CrdtDriver<unknown>;
  readonly log: Logger;
  /**
   * Waits for the store's write concern on write `seq` of replica `replica` (the one it was made
   * in; see `crdt-store.ts`).
   */
  concern(seq: number, replica: string): Promise<Durability>;
}

export class CrdtTable<V> implements Table<V> {
  readonly name: string;
  readonly #prefix: string;
  readonly #host: CrdtTableHost;
  readonly #listeners = new Set<(change: Change<V>) => void>();
  readonly #concurrentListeners = new Set<(change: Change<V>) => void>();

  constructor(name: string, host: CrdtTableHost) {
    this.name = name;
    this.#prefix = `${name}/`;
    this.#host = host;
  }

  get(key: string): Promise<Versioned<V> | undefined> {
    return attempt(() => {
      validateKey(key);
      const entry = this.#entry(key);
      return entry === undefined ? undefined : { key, value: entry.value, version: stampVersion(entry) };
    });
  }

  /** Every value of `key` in this replica, the visible one first (see "Concurrent values"). */
  concurrent(key: string): Promise<Versioned<V>[]> {
    return attempt(() => {
      validateKey(key);
      const entries = this.#host.driver().entries(this.#prefix + key) as Entry<V>[];
      return entries.map((e) => ({ key, value: e.value, version: stampVersion(e) }));
    });
  }

  /** Every key of the table in this replica, sorted by key. */
  list(): Promise<Versioned<V>[]> {
    return attempt(() => {
      const driver = this.#host.driver();
      const out: Versioned<V>[] = [];
      for (const full of driver.keys()) {
        if (!full.startsWith(this.#prefix)) continue;
        const entry = driver.get(full) as Entry<V> | undefined;
        if (entry !== undefined)
          out.push({
            key: full.slice(this.#prefix.length),
            value: entry.value,
            version: stampVersion(entry),
          });
      }
      return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    });
  }

  /** Writes, then waits for the write concern; resolves with the new version. */
  async put(key: string, value: V, options: WriteOptions = {}): Promise<number> {
    return (await this.write(key, value, options)).version;
  }

  /** `put`, reporting whether a peer held the write when it was acknowledged (`durability`). */
  async write(key: string, value: V, options: WriteOptions = {}): Promise<WriteResult> {
    const { entry, replica } = await attempt(() => {
      validateKey(key);
      if (value === undefined) throw new StoreError('invalid', 'a value must not be undefined; use delete');
      this.#check(key, options);
      const driver = this.#host.driver();
      return { entry: driver.put(this.#prefix + key, value), replica: driver.id };
    });
    return { version: stampVersion(entry), durability: await this.#host.concern(entry.seq, replica) };
  }

  /** Deletes, then waits for the write concern. */
  async delete(key: string, options: WriteOptions = {}): Promise<void> {
    await this.remove(key, options);
  }

  /** `delete`, reporting how far the deletion had got (`local` when there was nothing to delete). */
  async remove(key: string, options: WriteOptions = {}): Promise<{ readonly durability: Durability }> {
    const made = await attempt(() => {
      validateKey(key);
      this.#check(key, options);
      const driver = this.#host.driver();
      return driver.delete(this.#prefix + key) ? { seq: driver.lastSeq(), replica: driver.id } : undefined;
    });
    return { durability: made === undefined ? 'local' : await this.#host.concern(made.seq, made.replica) };
  }

  subscribe(listener: (change: Change<V>) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  onConcurrent(listener: (change: Change<V>) => void): () => void {
    this.#concurrentListeners.add(listener);
    return () => this.#concurrentListeners.delete(listener);
  }

  /** Called by the store when a join gave one of this table's keys a hidden concurrent value. */
  deliverConcurrent(change: DriverConcurrent<unknown>): void {
    if (this.#concurrentListeners.size === 0) return;
    const entry = change.entry as Entry<V>;
    this.#tell(this.#concurrentListeners, {
      table: this.name,
      key: change.key.slice(this.#prefix.length),
      value: entry.value,
      version: stampVersion(entry),
      origin: change.origin,
    });
  }

  /** Called by the store for a change of one of this table's keys. */
  deliver(change: DriverChange<unknown>): void {
    if (this.#listeners.size === 0) return;
    const entry = change.entry as Entry<V> | undefined;
    const c: Change<V> = {
      table: this.name,
      key: change.key.slice(this.#prefix.length),
      value: entry?.value,
      version:
        entry !== undefined
          ? stampVersion(entry)
          : change.previous !== undefined
            ? stampVersion(change.previous) + 1
            : 0,
      origin: change.origin,
    };
    this.#tell(this.#listeners, c);
  }

  #tell(listeners: ReadonlySet<(change: Change<V>) => void>, c: Change<V>): void {
    for (const listener of [...listeners]) {
      try {
        listener(c);
      } catch (err) {
        this.#host.log.warn({ err, table: this.name, key: c.key }, 'a store change listener threw');
      }
    }
  }

  #entry(key: string): Entry<V> | undefined {
    return this.#host.driver().get(this.#prefix + key) as Entry<V> | undefined;
  }

  #check(key: string, options: WriteOptions): void {
    if (options.expectVersion === undefined) return;
    const entry = this.#entry(key);
    const current = entry === undefined ? 0 : stampVersion(entry);
    if (current !== options.expectVersion) {
      throw new StoreError(
        'conflict',
        `${this.name}/${key}: expected version ${options.expectVersion}, found ${current} (local replica)`,
      );
    }
  }
}

function attempt<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}
