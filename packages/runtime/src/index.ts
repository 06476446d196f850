/**
 * `@superhero-dispatch/runtime`: a cluster runtime for TypeScript — supervised actors, a node mesh,
 * AP (delta CRDT) and CP (Raft) state, distributed placement. This entry holds the actor layer and
 * the one error base; each layer has an entry of its own: `/actor`, `/wire`, `/cluster`, `/crdt`,
 * `/raft` (and `/raft/tables`), `/store` (and `/store/etcd`), `/placement`, `/testing` (and
 * `/testing/linearizability`, `/testing/conformance`).
 */
export * from './actor/index.ts';
export { CodedError, isCoded } from './util/errors.ts';
