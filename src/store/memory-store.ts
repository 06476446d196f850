/**
 * A node-local store in memory — the ETS analogue: tables shared by the node's actors, exact
 * compare-and-set, an ordered change feed, and optional per-entry time-to-live (as ConCache offers).
 * Nothing is replicated and nothing survives a restart; use the disk store or a replicated one
 * for that.
 *
 * ```ts
 * const store = new MemoryStore({ ttlMs: 60_000 });
 * await store.table<string>('cache').put('k', 'v');
 * ```
 */
import type { Change, Store, Table, Versioned, WriteOptions } from './types.ts';
import { StoreError } from './types.ts';

export interface MemoryStoreOptions {
  /** Entries expire this long after their last write. Default: never. */
  readonly ttlMs?: number;
  /** Clock in ms. Default `Date.now`; tests pass a simulated one. */
  readonly now?: () => number;
  /** Name written as the origin of changes. Default `local`. */
  readonly origin?: string;
}

interface Entry<V> {
  value: V;
  version: number;
  expiresAt: number;
}

export class MemoryTable<V> implements Table<V> {
  readonly name: string;
  protected readonly entries = new Map<string, Entry<V>>();
  private readonly listeners = new Set<(c: Change<V>) => void>();
  private readonly store: MemoryStore;

  constructor(name: string, store: MemoryStore) {
    this.name = name;
    this.store = store;
  }

  private live(key: string): Entry<V> | undefined {
    const e = this.entries.get(key);
    if (e && e.expiresAt <= this.store.now()) {
      this.entries.delete(key);
      this.emit({
        table: this.name,
        key,
        value: undefined,
        version: this.store.nextVersion(),
        origin: this.store.origin,
      });
      return undefined;
    }
    return e;
  }

  get(key: string): Promise<Versioned<V> | undefined> {
    const e = this.live(key);
    return Promise.resolve(e ? { key, value: e.value, version: e.version } : undefined);
  }

  list(): Promise<Versioned<V>[]> {
    const out: Versioned<V>[] = [];
    for (const key of [...this.entries.keys()].sort()) {
      const e = this.live(key);
      if (e) out.push({ key, value: e.value, version: e.version });
    }
    return Promise.resolve(out);
  }

  put(key: string, value: V, options: WriteOptions = {}): Promise<number> {
    try {
      return Promise.resolve(this.putSync(key, value, options));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  /** Synchronous write, for the disk store and for callers that need atomic check-and-write. */
  putSync(key: string, value: V, options: WriteOptions = {}): number {
    validateKey(key);
    this.check(key, options);
    const version = this.store.nextVersion();
    this.beforeCommit(key, value, version, false);
    this.entries.set(key, { value, version, expiresAt: this.store.expiry() });
    this.emit({ table: this.name, key, value, version, origin: this.store.origin });
    return version;
  }

  /**
   * Runs after a write's checks and before it takes effect or is published; if it throws, the
   * write fails and nothing changes. The disk store makes the write durable here.
   */
  protected beforeCommit(_key: string, _value: V | undefined, _version: number, _deleted: boolean): void {}

  delete(key: string, options: WriteOptions = {}): Promise<void> {
    try {
      this.deleteSync(key, options);
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  deleteSync(key: string, options: WriteOptions = {}): void {
    validateKey(key);
    this.check(key, options);
    if (!this.entries.has(key)) return;
    const version = this.store.nextVersion();
    this.beforeCommit(key, undefined, version, true);
    this.entries.delete(key);
    this.emit({ table: this.name, key, value: undefined, version, origin: this.store.origin });
  }

  private check(key: string, options: WriteOptions): void {
    if (options.expectVersion === undefined) return;
    const current = this.live(key)?.version ?? 0;
    if (current !== options.expectVersion) {
      throw new StoreError(
        'conflict',
        `${this.name}/${key}: expected version ${options.expectVersion}, found ${current}`,
      );
    }
  }

  subscribe(listener: (change: Change<V>) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  protected emit(change: Change<V>): void {
    for (const l of [...this.listeners]) l(change);
  }

  /** Restore an entry without a change event (disk recovery). */
  load(key: string, value: V, version: number): void {
    this.entries.set(key, { value, version, expiresAt: this.store.expiry() });
  }

  unload(key: string): void {
    this.entries.delete(key);
  }
}

export class MemoryStore implements Store {
  readonly mode: 'memory' | 'disk' = 'memory';
  readonly origin: string;
  private readonly tables = new Map<string, MemoryTable<unknown>>();
  private readonly ttlMs: number;
  readonly now: () => number;
  private version = 0;

  constructor(options: MemoryStoreOptions = {}) {
    this.ttlMs = options.ttlMs ?? Number.POSITIVE_INFINITY;
    this.now = options.now ?? Date.now;
    this.origin = options.origin ?? 'local';
  }

  table<V>(name: string): MemoryTable<V> {
    let t = this.tables.get(name);
    if (!t) this.tables.set(name, (t = this.createTable(name)));
    return t as MemoryTable<V>;
  }

  tableNames(): string[] {
    return [...this.tables.keys()];
  }

  protected createTable(name: string): MemoryTable<unknown> {
    return new MemoryTable(name, this);
  }

  nextVersion(): number {
    return ++this.version;
  }

  /** Make versions continue after `v` (after recovery). */
  advanceVersion(v: number): void {
    this.version = Math.max(this.version, v);
  }

  expiry(): number {
    return this.now() + this.ttlMs;
  }

  role(): string {
    return 'local';
  }

  writable(): boolean {
    return true;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

export function validateKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0 || key.length > 1024) {
    throw new StoreError('invalid', 'keys are non-empty strings of at most 1024 characters');
  }
}
