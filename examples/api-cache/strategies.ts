/**
 * The original's four ways to fetch a range of todos, named as it names them (`Api` module), with
 * what each does in Elixir and here:
 *
 * | name | Elixir | here |
 * | --- | --- | --- |
 * | `stream_synced` | `Stream.map(fetch) \|> Enum.map`: one after the other in the caller; a miss runs its HTTP request in a task awaited with `Task.yield` (5 s) | sequential, each fetch within `timeoutMs` |
 * | `enum_yield_many` | `Enum.map(Task.async) \|> Task.yield_many(5000)`: all at once, one deadline | all started together; results not in by the deadline are `timeout` |
 * | `asynced_stream` | `Task.async_stream(fetch)`: at most `schedulers_online` tasks at a time, ordered | a pool of `maxConcurrency` workers, results in input order, each within `timeoutMs` |
 * | `yield_many_asynced_stream` | `Stream.map(Task.async) \|> Stream.map(Task.yield)`: lazy, so each task is started only after the previous one was yielded | one at a time, each awaited up to `timeoutMs` — sequential despite its name |
 *
 * So `stream_synced` and `yield_many_asynced_stream` behave alike (they differ only in what the
 * original's task wrapped: the HTTP request, or the whole fetch); the original's benchmark found
 * them alike too without a cache (1.25 and 1.50 runs/s).
 *
 * ```ts
 * const results = await asyncedStream(range(1, 20), (id) => cache.fetchTodoNow(id));
 * results[0]; // { id: 1, ok: true, todo: { …, wasCached: false } }
 * ```
 *
 * Every strategy resolves (never rejects) with one result per id, in input order: a failure or a
 * timeout is a value (`ok: false` with the error's `code`). A timed-out fetch is not cancelled
 * (as `Task.yield` leaves its task running); its late result is dropped. Unlike
 * `Task.async_stream`, a timeout does not crash the caller.
 *
 * A fetcher may answer synchronously (`TodoCache.fetchTodoNow` on a hit the backend can read at
 * once): that result is taken as it is, with no timer and no turn of the event loop, as the
 * original's ETS hit costs its caller no task. Only a fetch that answers with a promise is raced
 * against its deadline.
 *
 * When not to use: for thousands of ids against a rate-limited API use `asyncedStream` with a
 * small `maxConcurrency`; `enumYieldMany` opens one request per id at once.
 */
import { availableParallelism } from 'node:os';
import type { CachedTodo } from './todo.ts';

export type BatchResult =
  | { readonly id: number; readonly ok: true; readonly todo: CachedTodo }
  | {
      readonly id: number;
      readonly ok: false;
      readonly error: { readonly code: string; readonly message: string };
    };

/** Fetches one todo: the record at once, or a promise of it. */
export type Fetcher = (id: number) => CachedTodo | Promise<CachedTodo>;

export interface StrategyOptions {
  /** Deadline per fetch (per batch for `enum_yield_many`), ms. Default 5 000, Elixir's task default. */
  readonly timeoutMs?: number;
  /** `asynced_stream` only: fetches in flight at once. Default the CPU count, as `schedulers_online`. */
  readonly maxConcurrency?: number;
}

export type Strategy = (
  ids: readonly number[],
  fetch: Fetcher,
  options?: StrategyOptions,
) => Promise<BatchResult[]>;

const DEFAULT_TIMEOUT_MS = 5000;
/** `schedulers_online`: read once, as asking the OS costs more than a batch of cached fetches. */
const SCHEDULERS = availableParallelism();

/** `ids` from `first` to `last` inclusive, as Elixir's `first..last`. */
export function range(first: number, last: number): number[] {
  return Array.from({ length: Math.max(0, last - first + 1) }, (_, i) => first + i);
}

function failure(id: number, err: unknown): BatchResult {
  const code = (err as { code?: unknown } | null)?.code;
  return {
    id,
    ok: false,
    error: {
      code: typeof code === 'string' ? code : 'failed',
      message: err instanceof Error ? err.message : String(err),
    },
  };
}

const timedOut = (id: number, ms: number): BatchResult => ({
  id,
  ok: false,
  error: { code: 'timeout', message: `todo ${id}: no result within ${ms} ms` },
});

/** Starts one fetch: its result now when the fetcher answered synchronously, else a promise of it. */
function settle(id: number, fetch: Fetcher): BatchResult | Promise<BatchResult> {
  let answer: CachedTodo | Promise<CachedTodo>;
  try {
    answer = fetch(id);
  } catch (err) {
    return failure(id, err);
  }
  if (answer instanceof Promise) {
    return answer.then(
      (todo): BatchResult => ({ id, ok: true, todo }),
      (err: unknown) => failure(id, err),
    );
  }
  return { id, ok: true, todo: answer };
}

/** A settled result as it is; a pending one raced against `ms`. */
function settleWithin(id: number, fetch: Fetcher, ms: number): BatchResult | Promise<BatchResult> {
  const result = settle(id, fetch);
  return result instanceof Promise ? within(id, result, ms) : result;
}

/** Resolves with the fetch's result, or with a timeout result after `ms`. */
function within(id: number, pending: Promise<BatchResult>, ms: number): Promise<BatchResult> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<BatchResult>((resolve) => {
    timer = setTimeout(() => resolve(timedOut(id, ms)), ms);
  });
  return Promise.race([pending, deadline]).finally(() => clearTimeout(timer));
}

/** One fetch after the other, each within `ms`. */
async function oneByOne(ids: readonly number[], fetch: Fetcher, ms: number): Promise<BatchResult[]> {
  const out: BatchResult[] = [];
  for (const id of ids) {
    const result = settleWithin(id, fetch, ms);
    out.push(result instanceof Promise ? await result : result);
  }
  return out;
}

export const streamSynced: Strategy = (ids, fetch, options = {}) =>
  oneByOne(ids, fetch, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);

export const enumYieldMany: Strategy = async (ids, fetch, options = {}) => {
  const ms = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const results: (BatchResult | undefined)[] = new Array<BatchResult | undefined>(ids.length);
  const pending: Promise<void>[] = [];
  ids.forEach((id, i) => {
    const result = settle(id, fetch);
    if (result instanceof Promise) {
      pending.push(
        result.then((r) => {
          results[i] = r;
        }),
      );
    } else {
      results[i] = result;
    }
  });
  if (pending.length > 0) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.all(pending),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
    ]);
    clearTimeout(timer);
  }
  return ids.map((id, i) => results[i] ?? timedOut(id, ms));
};

export const asyncedStream: Strategy = async (ids, fetch, options = {}) => {
  const ms = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const width = Math.max(1, Math.min(options.maxConcurrency ?? SCHEDULERS, ids.length));
  const results = new Array<BatchResult>(ids.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < ids.length) {
      const i = next++;
      const id = ids[i] as number;
      const result = settleWithin(id, fetch, ms);
      results[i] = result instanceof Promise ? await result : result;
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return results;
};

export const yieldManyAsyncedStream: Strategy = (ids, fetch, options = {}) =>
  oneByOne(ids, fetch, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);

/** The four strategies by their original names, in the order the original's benchmark lists them. */
export const STRATEGIES: Readonly<Record<string, Strategy>> = {
  yield_many_asynced_stream: yieldManyAsyncedStream,
  asynced_stream: asyncedStream,
  enum_yield_many: enumYieldMany,
  stream_synced: streamSynced,
};
