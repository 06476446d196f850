/**
 * Conformance suites: each registers `node:test` tests that an implementation of a runtime
 * interface must pass — `Transport`, Raft's `LogStorage` and `Store`. The built-in implementations
 * run them, and so can yours. Published as `@superhero-dispatch/runtime/testing/conformance`;
 * the log-storage suite's property tests need `fast-check` (an optional peer dependency).
 *
 * ```ts
 * import { storeConformance } from '@superhero-dispatch/runtime/testing/conformance';
 * storeConformance('my-store', { create: async () => new MyStore() });
 * ```
 *
 * When not to use: outside a `node --test` run (the suites register tests).
 */
export { transportConformance, captureLogs } from './transport.ts';
export type { LogCapture, TransportHarness } from './transport.ts';
export { logStorageConformance } from './log-storage.ts';
export type { LogStorageHarness } from './log-storage.ts';
export { assertNoTransactions, storeConformance } from './store.ts';
export type { StoreFactory } from './store.ts';
