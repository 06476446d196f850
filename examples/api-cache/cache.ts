/**
 * Cache-aside over an HTTP API: `fetchTodo(id)` answers from the cache when it can, and otherwise
 * fetches `/todos/:id` upstream, stores the record and answers with it — the original's
 * `Api.fetch/2`, with `wasCached` false on the first fetch and true afterwards.
 *
 * ```ts
 * const cache = new TodoCache({ backend: storeBackend(new MemoryStore()), upstream: 'http://127.0.0.1:4000' });
 * await cache.fetchTodo(1); // { userId: 1, id: 1, title: '…', completed: false, wasCached: false }
 * await cache.fetchTodo(1); // { …, wasCached: true }
 * ```
 *
 * `fetchTodoNow(id)` is the same fetch, but answers a hit with the record itself when the backend
 * can read it synchronously (the `memory` backend's `peek`): no promise and no event-loop turn.
 *
 * Concurrent fetches of one id on one node share one upstream request (single flight): the callers
 * that joined it also get `wasCached: false`, since their record was not in the cache either.
 *
 * Failures: a bad id rejects at once with `InvalidTodoIdError`; upstream failures reject with
 * `TodoNotFoundError`, `UpstreamTimeoutError` or `UpstreamError` and cache nothing. A store that
 * cannot be read or written (e.g. Raft without quorum) is bypassed: the record still comes from
 * upstream, is returned with `wasCached: false`, and `stats().storeErrors` counts the failure (and
 * the logger, when given, says why).
 *
 * When not to use: for data that must never be stale. Entries live until evicted by the store's
 * time-to-live (the memory store's `ttlMs`) or forever; there is no invalidation from upstream.
 */
import type { Logger } from 'pino';
import type { CacheBackend } from './backend.ts';
import { InvalidTodoIdError, TodoNotFoundError, UpstreamError, UpstreamTimeoutError } from './errors.ts';
import type { CachedTodo, Todo } from './todo.ts';
import { isTodoId, parseTodo } from './todo.ts';

export interface TodoCacheOptions {
  readonly backend: CacheBackend;
  /** Base URL of the API, e.g. `https://jsonplaceholder.typicode.com` or the local stand-in. */
  readonly upstream: string;
  /** Upstream request timeout, ms. Default 5 000, the timeout the original's tasks were awaited with. */
  readonly fetchTimeoutMs?: number;
  /** The HTTP client. Default the global `fetch`; tests may pass their own. */
  readonly fetch?: typeof fetch;
  /** Where store failures are reported. Default: not logged (still counted). */
  readonly logger?: Logger;
}

export interface CacheStats {
  /** Fetches answered from the cache. */
  readonly hits: number;
  /** Fetches that went upstream (single-flight joiners counted once). */
  readonly misses: number;
  /** Reads or writes the store refused; those fetches fell through to upstream. */
  readonly storeErrors: number;
}

export class TodoCache {
  readonly backend: CacheBackend;
  private readonly upstream: string;
  private readonly fetchTimeoutMs: number;
  private readonly http: typeof fetch;
  private readonly logger: Logger | undefined;
  private readonly inflight = new Map<number, Promise<CachedTodo>>();
  private counts = { hits: 0, misses: 0, storeErrors: 0 };

  constructor(options: TodoCacheOptions) {
    this.backend = options.backend;
    this.upstream = options.upstream.replace(/\/+$/, '');
    this.fetchTimeoutMs = options.fetchTimeoutMs ?? 5000;
    this.http = options.fetch ?? fetch;
    this.logger = options.logger;
  }

  fetchTodo(id: number): Promise<CachedTodo> {
    const now = this.fetchTodoNow(id);
    return isCachedTodo(now) ? Promise.resolve(now) : now;
  }

  /**
   * `fetchTodo`, but a hit the backend can read synchronously (`peek`) is answered with the record
   * itself, with no promise and no turn of the event loop, as an ETS lookup answers in the caller.
   * Anything else (a miss, a backend without `peek`, a bad id) answers with `fetchTodo`'s promise.
   */
  fetchTodoNow(id: number): CachedTodo | Promise<CachedTodo> {
    if (!isTodoId(id)) return Promise.reject(new InvalidTodoIdError(id));
    const hit = this.backend.peek?.(id);
    if (hit !== undefined) {
      this.counts.hits++;
      return cachedCopy(hit);
    }
    const running = this.inflight.get(id);
    if (running) return running;
    const attempt = this.lookup(id).finally(() => this.inflight.delete(id));
    this.inflight.set(id, attempt);
    return attempt;
  }

  stats(): CacheStats {
    return { ...this.counts };
  }

  private async lookup(id: number): Promise<CachedTodo> {
    let cached: Todo | undefined;
    try {
      cached = await this.backend.get(id);
    } catch (err) {
      this.storeFailed('read', id, err);
    }
    if (cached) {
      this.counts.hits++;
      return cachedCopy(cached);
    }
    this.counts.misses++;
    const todo = await this.fromUpstream(id);
    try {
      await this.backend.put(id, todo);
    } catch (err) {
      this.storeFailed('write', id, err);
    }
    return { ...todo, wasCached: false };
  }

  private async fromUpstream(id: number): Promise<Todo> {
    let response: Response;
    try {
      response = await this.http(`${this.upstream}/todos/${id}`, {
        signal: AbortSignal.timeout(this.fetchTimeoutMs),
        headers: { accept: 'application/json' },
      });
    } catch (err) {
      if ((err as { name?: unknown }).name === 'TimeoutError') {
        throw new UpstreamTimeoutError(id, this.fetchTimeoutMs, err);
      }
      throw new UpstreamError(id, `request failed: ${(err as Error).message}`, err);
    }
    if (response.status === 404) {
      await response.body?.cancel();
      throw new TodoNotFoundError(id);
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new UpstreamError(id, `upstream answered ${response.status}`);
    }
    try {
      const todo = parseTodo(await response.json());
      if (todo.id !== id) throw new Error(`asked for ${id}, got ${todo.id}`);
      return todo;
    } catch (err) {
      if ((err as { name?: unknown }).name === 'TimeoutError') {
        throw new UpstreamTimeoutError(id, this.fetchTimeoutMs, err);
      }
      throw new UpstreamError(id, 'the answer is not a todo', err);
    }
  }

  private storeFailed(op: 'read' | 'write', id: number, err: unknown): void {
    this.counts.storeErrors++;
    this.logger?.warn({ id, op, err: String(err) }, 'cache store failed; bypassing it');
  }
}

/** The answer to a hit: a fresh object (callers may change it) in one fixed shape. */
function cachedCopy(todo: Todo): CachedTodo {
  return { userId: todo.userId, id: todo.id, title: todo.title, completed: todo.completed, wasCached: true };
}

function isCachedTodo(value: CachedTodo | Promise<CachedTodo>): value is CachedTodo {
  return !(value instanceof Promise);
}
