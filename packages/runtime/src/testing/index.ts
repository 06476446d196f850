/**
 * Test support for programs built on the runtime: free loopback ports, a polling `waitFor`, a
 * hang guard, the seeded generator and event queue (`sim/`), the Raft, CRDT and placement
 * simulators, a local etcd cluster (`etcd/`) and an HTTP stream flood (`flood/`). Published as
 * `@superhero-dispatch/runtime/testing`; the linearizability checker and the conformance suites
 * have entries of their own (`./testing/linearizability`, `./testing/conformance`).
 *
 * ```ts
 * import { freePort, waitFor } from '@superhero-dispatch/runtime/testing';
 * const port = await freePort();
 * await waitFor(() => node.nodes().length === 2, 10_000, 'both peers up');
 * ```
 *
 * When not to use: in production code, apart from `etcd/` (a local etcd for development).
 */
export { freePort, freePortRun, reservePort } from './free-port.ts';
export { waitFor } from './wait-for.ts';
export { HangGuardError, settlesWithin } from './hang-guard.ts';
export * from './sim/index.ts';
export * from './crdt-sim/index.ts';
export * from './raft-sim/index.ts';
export * from './placement-sim/index.ts';
export * from './etcd/index.ts';
export * from './flood/index.ts';
