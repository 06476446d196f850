/**
 * Public surface of the CRDT driver: the AP map's replica running on a cluster node. Most code
 * uses it through the store (`startCrdtStore` in `store/crdt-store.ts`).
 *
 * Example:
 * ```ts
 * import { CrdtDriver, awaitConverged } from './crdt/driver/index.ts';
 * const driver = CrdtDriver.start({ node });
 * driver.put('heroes/h1', hero);
 * ```
 *
 * When not to use: for linearizable state, use the Raft store.
 */
export { CrdtDriver, type CrdtDriverStats } from './driver.ts';
export { awaitConverged, summariesEqual, summaryKey, type SummarySource } from './converge.ts';
export {
  CrdtConvergeTimeoutError,
  CrdtDriverAttachedError,
  CrdtDriverClosedError,
  CrdtDriverOptionError,
} from './errors.ts';
export type { DriverChange, DriverConcurrent } from './feed.ts';
export {
  DRIVER_REPLICATOR_DEFAULTS,
  monotonicWallMs,
  resolveDriverOptions,
  type CrdtDriverOptions,
  type CrdtNode,
  type ResolvedCrdtDriverOptions,
} from './options.ts';
export { MAX_LOCAL_LC, stampVersion } from './version.ts';
export {
  decodeWire,
  encodeWire,
  isReplicaId,
  type DecodedWire,
  type DriverMessage,
  type HelloMessage,
  type WireLink,
} from './wire.ts';
