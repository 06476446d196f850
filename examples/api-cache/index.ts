/**
 * The API cache (caching_an_api on the cluster runtime): the public surface of this example.
 * See `cache.ts` for cache-aside, `strategies.ts` for the four batch strategies, `service.ts` for a
 * node's cache.
 */
export { TodoCache } from './cache.ts';
export type { CacheStats, TodoCacheOptions } from './cache.ts';
export { CACHE_MODES, isCacheMode, storeBackend } from './backend.ts';
export type { CacheBackend, CacheMode, StoreBackendOptions } from './backend.ts';
export { memoryBackend } from './memory-backend.ts';
export type { MemoryBackendOptions } from './memory-backend.ts';
export { startProcessBackend } from './process-state.ts';
export { openBackend } from './stores.ts';
export type { OpenBackendOptions } from './stores.ts';
export { cacheInfoOn, fetchOn, startCacheService } from './service.ts';
export type { CacheInfo, CacheService, CacheServiceOptions } from './service.ts';
export {
  STRATEGIES,
  asyncedStream,
  enumYieldMany,
  range,
  streamSynced,
  yieldManyAsyncedStream,
} from './strategies.ts';
export type { BatchResult, Fetcher, Strategy, StrategyOptions } from './strategies.ts';
export { startTodoServer, todoFor } from './upstream.ts';
export type { TodoServer, TodoServerOptions } from './upstream.ts';
export { isTodoId, parseTodo, todoSchema } from './todo.ts';
export type { CachedTodo, Todo } from './todo.ts';
export * from './errors.ts';
