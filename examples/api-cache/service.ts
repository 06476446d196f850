/**
 * A cache node's service: the chosen backend, the `TodoCache` over it, and an actor (local name
 * `api-cache`) that answers fetches from other nodes — the original reached other nodes with
 * `:rpc.call(node, Api, :fetch, [i])`; here any node calls `fetchOn(system, node, id)`.
 *
 * ```ts
 * const node = await startNode({ name: 'a', cookie, seeds });
 * const service = await startCacheService({ node, mode: 'memory', upstream: server.url });
 * await service.cache.fetchTodo(1);                       // on this node
 * await fetchOn(node.system, 'b@127.0.0.1:4471', 1);      // on node b, through its actor
 * await service.stop();
 * ```
 *
 * The actor does not serialise fetches: each request is answered when its fetch settles, so one
 * slow upstream request does not hold up the others. Errors reach the caller with their `code`.
 *
 * When not to use: inside one process, use `TodoCache` directly.
 */
import type { Logger } from 'pino';
import type { ActorSystem, Behaviour, CallResult } from '@superhero-dispatch/runtime/actor';
import type { ClusterNode } from '@superhero-dispatch/runtime/cluster';
import type { CacheMode } from './backend.ts';
import type { CacheStats } from './cache.ts';
import { TodoCache } from './cache.ts';
import type { OpenBackendOptions } from './stores.ts';
import { openBackend } from './stores.ts';
import type { CachedTodo } from './todo.ts';

export interface CacheServiceOptions extends Omit<OpenBackendOptions, 'logger'> {
  /** Base URL of the upstream API. */
  readonly upstream: string;
  /** Upstream timeout, ms. Default 5 000 (see `TodoCache`). */
  readonly fetchTimeoutMs?: number;
  readonly logger?: Logger;
}

export interface CacheService {
  readonly node: ClusterNode;
  readonly mode: CacheMode;
  readonly cache: TodoCache;
  /** Stops the actor and closes the backend (a disk or Raft store keeps its files). */
  stop(): Promise<void>;
}

export interface CacheInfo {
  readonly node: string;
  readonly mode: CacheMode;
  readonly size: number;
  readonly stats: CacheStats;
}

type ServiceCall = { readonly type: 'fetch'; readonly id: number } | { readonly type: 'info' };

export const SERVICE_NAME = 'api-cache';

function serviceBehaviour(service: CacheService): Behaviour<null, void, ServiceCall, unknown> {
  return {
    name: SERVICE_NAME,
    init: () => null,
    handleCall(msg, from, state, ctx): CallResult<null, unknown> {
      const now = msg.type === 'fetch' ? service.cache.fetchTodoNow(msg.id) : infoOf(service);
      // A hit read synchronously is answered at once; anything else when it settles.
      if (!(now instanceof Promise)) return { reply: now, state };
      const answer: Promise<CachedTodo | CacheInfo> = now;
      answer.then(
        (value) => ctx.reply(from, value),
        (err: unknown) => ctx.replyError(from, err instanceof Error ? err : new Error(String(err))),
      );
      return { noreply: true, state };
    },
  };
}

async function infoOf(service: CacheService): Promise<CacheInfo> {
  return {
    node: service.node.name,
    mode: service.mode,
    size: await service.cache.backend.size(),
    stats: service.cache.stats(),
  };
}

export async function startCacheService(options: CacheServiceOptions): Promise<CacheService> {
  const { node } = options;
  const backend = await openBackend(options);
  const cache = new TodoCache({
    backend,
    upstream: options.upstream,
    ...(options.fetchTimeoutMs === undefined ? {} : { fetchTimeoutMs: options.fetchTimeoutMs }),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  let stopped = false;
  const service: CacheService = {
    node,
    mode: options.mode,
    cache,
    async stop() {
      if (stopped) return;
      stopped = true;
      const pid = node.system.whereis(SERVICE_NAME);
      if (pid) await node.system.stop(pid, 'shutdown');
      await backend.close();
    },
  };
  try {
    await node.system.spawn(serviceBehaviour(service), undefined, { name: SERVICE_NAME });
  } catch (err) {
    await backend.close();
    throw err;
  }
  return service;
}

/** Fetch todo `id` through the cache of node `node` (full name). */
export const fetchOn = (
  system: ActorSystem,
  node: string,
  id: number,
  timeoutMs?: number,
): Promise<CachedTodo> =>
  system.call<CachedTodo>(
    { name: SERVICE_NAME, node },
    { type: 'fetch', id } satisfies ServiceCall,
    timeoutMs,
  );

/** Mode, size and counters of node `node`'s cache. */
export const cacheInfoOn = (system: ActorSystem, node: string, timeoutMs?: number): Promise<CacheInfo> =>
  system.call<CacheInfo>({ name: SERVICE_NAME, node }, { type: 'info' } satisfies ServiceCall, timeoutMs);
