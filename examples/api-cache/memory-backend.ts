/**
 * The `memory` cache backend: a `MemoryStore` table (the ETS analogue) whose hits can also be read
 * synchronously, as `ets:lookup/2` reads in the caller's own process. The store's `get` answers
 * with a promise, which costs a few microtask turns per hit; `peek` answers at once.
 *
 * ```ts
 * const backend = memoryBackend({ ttlMs: 60_000 });
 * await backend.put(1, todo);
 * backend.peek(1); // todo, no promise
 * ```
 *
 * `peek` never changes the table: an expired entry reads as absent, and the asynchronous `get`
 * that follows a miss purges it and publishes the deletion, as the store does on every read.
 *
 * When not to use: for a cache that must outlive the process or be shared between nodes; use the
 * `disk`, `crdt` or `raft` backends.
 */
import type { MemoryStoreOptions } from '@superhero-dispatch/runtime/store';
import { MemoryStore, MemoryTable } from '@superhero-dispatch/runtime/store';
import type { CacheBackend } from './backend.ts';
import { storeBackend } from './backend.ts';
import type { Todo } from './todo.ts';

/** A memory table with a synchronous, read-only lookup of live entries. */
class PeekableTable<V> extends MemoryTable<V> {
  private readonly clock: MemoryStore;

  constructor(name: string, store: MemoryStore) {
    super(name, store);
    this.clock = store;
  }

  /** The live value of `key`, or undefined when absent or expired (left for `get` to purge). */
  peek(key: string): V | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    // Without a time-to-live entries never expire: no clock read on the hot path.
    return e.expiresAt === Number.POSITIVE_INFINITY || e.expiresAt > this.clock.now() ? e.value : undefined;
  }
}

/** A memory store whose tables are peekable. */
class PeekableMemoryStore extends MemoryStore {
  protected override createTable(name: string): MemoryTable<unknown> {
    return new PeekableTable(name, this);
  }

  override table<V>(name: string): PeekableTable<V> {
    return super.table<V>(name) as PeekableTable<V>;
  }
}

export interface MemoryBackendOptions extends MemoryStoreOptions {
  /** Table name. Default `todos`. */
  readonly table?: string;
}

/** The `memory` backend: reads, writes and expiry as `storeBackend(new MemoryStore(…))`, plus `peek`. */
export function memoryBackend(options: MemoryBackendOptions = {}): CacheBackend {
  const { table: name = 'todos', ...storeOptions } = options;
  const store = new PeekableMemoryStore(storeOptions);
  const table = store.table<Todo>(name);
  return { ...storeBackend(store, { table: name }), peek: (id) => table.peek(String(id)) };
}
