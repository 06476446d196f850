/**
 * The cluster layer: a node (an `ActorSystem` joined to its peers), its transports, discovery,
 * failure detection, cluster-unique names and pub/sub. Published as
 * `@superhero-dispatch/runtime/cluster`.
 *
 * ```ts
 * import { startNode } from '@superhero-dispatch/runtime/cluster';
 * const node = await startNode({ name: 'gotham', cookie, port: 4370, seeds: [{ host: '127.0.0.1', port: 4371 }] });
 * node.onNodeUp((peer) => console.log('up', peer));
 * await node.leave();
 * ```
 *
 * `startNode` and `ClusterNode` (`node.ts`) are where to begin; the transports
 * (`transport/`), discovery sources (`discovery/`) and the failure detector (`failure-detector/`)
 * are exported for wiring a node by hand and for tests.
 *
 * When not to use: inside one process an `ActorSystem` (`@superhero-dispatch/runtime/actor`) alone
 * is enough.
 */
export { ClusterNode, startNode } from './node.ts';
export type { DiscoveryContext, DiscoverySource, NodeDownReason, NodeOptions } from './node.ts';
export { parseNodeName, shortName } from './protocol.ts';
export type { MemberAddress, NameClaimPayload } from './protocol.ts';
export { GlobalNames, earliestRegistrationWins } from './global-names.ts';
export type { GlobalNamesHooks, NameResolverFn } from './global-names.ts';
export { PubSub } from './pubsub.ts';
export { tuneV8ForServer } from './v8-tuning.ts';
export { SERVER_INTERRUPT_BUDGET, serverV8Flags } from '../util/server-tiering.ts';
export { ClusterMessageType, CLUSTER_MESSAGE_TYPES } from './message-types.ts';
export * from './transport/index.ts';
export * from './discovery/index.ts';
export * from './failure-detector/index.ts';
