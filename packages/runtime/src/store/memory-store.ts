/**
 * A node-local store in memory — the ETS analogue: tables shared by the node's actors, exact
 * compare-and-set, an ordered change feed, and optional per-entry time-to-live (as ConCache offers).
 * Nothing is replicated and nothing survives a restart; use the disk store or a replicated one
 * for that.
 *
 * ```ts
 * const store = new MemoryStore({ ttlMs: 60_000 });
 * await store.table<string>('cache').put('k', 'v');
 * const txn = new MemoryStore({ transactions: true });              // with `transaction` (`ops.ts`)
 * await txn.transaction?.(
 *   [{ op: 'put', table: 't', key: 'a', value: 1 }],
 *   [{ table: 't', key: 'a', version: 0 }],                          // 'a' must be absent
 * );
 * ```
 *
 * Transactions (`transactions: true`): checked and applied in one turn of the event loop, so they
 * are exact; every write of one transaction gets the same version (its `index`), as in Raft.
 *
 * Change feeds deliver synchronously, in the order of the writes, to every listener: a write made
 * by a listener while a change is being delivered is delivered after it has reached every
 * listener (otherwise a later listener would see the newer change first, then the older one).
 */
import type { Condition, KeyVersion, Op, Transaction } from './ops.ts';
import { ConflictError } from './ops.ts';
import type { Change, Store, Table, Versioned, WriteOptions } from './types.ts';
import { StoreError } from './types.ts';

type Listener = (change: Change<unknown>) => void;

export interface MemoryStoreOptions {
  /** Entries expire this long after their last write. Default: never. */
  readonly ttlMs?: number;
  /** Clock in ms. Default `Date.now`; tests pass a simulated one. */
  readonly now?: () => number;
  /** Name written as the origin of changes. Default `local`. */
  readonly origin?: string;
  /**
   * Whether the store has `transaction`. Default false: a memory store stands in for the AP store
   * as often as for a CP one, and the placement layer treats a store with transactions as CP (it
   * fences children by epoch and stops copies it does not own).
   */
  readonly transactions?: boolean;
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
    return this.commitPut(key, value, this.store.nextVersion());
  }

  /** Writes `value` at `version` (checks done by the caller). */
  commitPut(key: string, value: V, version: number): number {
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
    this.commitDelete(key, this.store.nextVersion());
  }

  /** Deletes `key` at `version` if present (checks done by the caller). */
  commitDelete(key: string, version: number): void {
    if (!this.entries.has(key)) return;
    this.beforeCommit(key, undefined, version, true);
    this.entries.delete(key);
    this.emit({ table: this.name, key, value: undefined, version, origin: this.store.origin });
  }

  /** The key's version now; 0 when absent (or expired). */
  currentVersion(key: string): number {
    return this.live(key)?.version ?? 0;
  }

  private check(key: string, options: WriteOptions): void {
    if (options.expectVersion === undefined) return;
    const current = this.currentVersion(key);
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
    this.store.deliver([...this.listeners] as Listener[], change);
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
  /** Deliveries queued behind the one running (a listener wrote), in write order. */
  private deliveries: { readonly to: readonly Listener[]; readonly change: Change<unknown> }[] | undefined;
  /** Present with `transactions: true`; see the module comment. */
  readonly transaction?: Transaction;

  constructor(options: MemoryStoreOptions = {}) {
    this.ttlMs = options.ttlMs ?? Number.POSITIVE_INFINITY;
    this.now = options.now ?? Date.now;
    this.origin = options.origin ?? 'local';
    if (options.transactions === true) {
      this.transaction = (ops, conditions = []) => {
        try {
          return Promise.resolve(this.transactSync(ops, conditions));
        } catch (err) {
          return Promise.reject(err as Error);
        }
      };
    }
  }

  /**
   * Gives `change` to each of `to` now, or after the deliveries already running when a listener
   * wrote. A listener that throws keeps no other from its change; the first error is the writer's.
   * @internal
   */
  deliver(to: readonly Listener[], change: Change<unknown>): void {
    if (this.deliveries !== undefined) {
      this.deliveries.push({ to, change });
      return;
    }
    const queue = (this.deliveries = [{ to, change }]);
    let failed: { err: unknown } | undefined;
    for (let i = 0; i < queue.length; i++) {
      const d = queue[i]!;
      for (const l of d.to) {
        try {
          l(d.change);
        } catch (err) {
          failed ??= { err };
        }
      }
    }
    this.deliveries = undefined;
    if (failed) throw failed.err;
  }

  /** Checks every condition, then applies every op at one new version; all or nothing. */
  private transactSync(
    ops: readonly Op[],
    conditions: readonly Condition[],
  ): {
    index: number;
    versions: KeyVersion[];
  } {
    for (const c of conditions) {
      validateKey(c.key);
      if (!Number.isSafeInteger(c.version) || c.version < 0) {
        throw new StoreError('invalid', `condition versions are integers >= 0, got ${String(c.version)}`);
      }
    }
    for (const op of ops) validateKey(op.key);
    const failed: KeyVersion[] = [];
    const parts: string[] = [];
    for (const c of conditions) {
      const version = this.table(c.table).currentVersion(c.key);
      if (version === c.version) continue;
      failed.push({ table: c.table, key: c.key, version });
      parts.push(`${c.table}/${c.key}: expected version ${c.version}, found ${version}`);
    }
    if (failed.length > 0) throw new ConflictError(failed, `conflict: ${parts.join('; ')}`);
    const index = this.nextVersion();
    const versions = ops.map((op): KeyVersion => {
      const t = this.table(op.table);
      if (op.op === 'put')
        return { table: op.table, key: op.key, version: t.commitPut(op.key, op.value, index) };
      t.commitDelete(op.key, index);
      return { table: op.table, key: op.key, version: 0 };
    });
    return { index, versions };
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
