/**
 * Superhero Dispatch: a cluster runtime for TypeScript. Subsystems are also exported on their own
 * paths (`superhero-dispatch/actor`, `superhero-dispatch/cluster`, …).
 */
export * from './actor/index.ts';
export { CodedError, isCoded } from './util/errors.ts';
