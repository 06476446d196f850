/**
 * Every benchmark suite by name, in the order `all` runs them and the report lists them. The one
 * list of suites: bench/main.ts runs from it, bench/report orders its sections by it.
 */
import type { Suite } from './lib/types.ts';

export const SUITES = {
  actor: async () => (await import('./actor/index.ts')).default,
  cluster: async () => (await import('./cluster/index.ts')).default,
  crdt: async () => (await import('./crdt/index.ts')).default,
  raft: async () => (await import('./raft/index.ts')).default,
  cache: async () => (await import('./cache/index.ts')).default,
  dispatch: async () => (await import('./dispatch/index.ts')).default,
  'dispatch-sweep': async () => (await import('./dispatch/sweep-suite.ts')).default,
  'http-flood': async () => (await import('./http-flood/index.ts')).default,
  'dispatch-recovery': async () => (await import('./dispatch/recovery-suite.ts')).default,
  placement: async () => (await import('./placement/index.ts')).default,
  'placement-recovery': async () => (await import('./placement/recovery-suite.ts')).default,
  page: async () => (await import('./page/index.ts')).default,
  scaling: async () => (await import('./scaling/index.ts')).default,
} as const satisfies Record<string, () => Promise<Suite>>;

export type SuiteName = keyof typeof SUITES;

export const SUITE_NAMES = Object.keys(SUITES) as SuiteName[];

export function isSuiteName(name: string): name is SuiteName {
  return Object.hasOwn(SUITES, name);
}
