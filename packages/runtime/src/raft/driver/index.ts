/**
 * The Raft driver: one member of a Raft group on a cluster node — the pure core, its durable log,
 * the mesh, timers, request forwarding, ReadIndex reads, snapshots and membership changes.
 *
 * Example:
 * ```ts
 * import { RaftDriver } from './raft/driver/index.ts';
 * const driver = await RaftDriver.start({ node, voters, machine: new TableMachine(), dataDir });
 * ```
 *
 * When not to use: for application state use the store built on it (`startRaftStore`).
 */
export { RaftDriver } from './driver.ts';
export type { DriverStatus, MemberRole, RaftDriverOptions, RaftStateMachine } from './types.ts';
export { DRIVER_DEFAULTS, resolveDriverOptions } from './options.ts';
export type { DriverLogWrites, DriverOptions, ResolvedDriverOptions } from './options.ts';
export {
  AlreadyAttachedError,
  CommandTooLargeError,
  DriverClosedError,
  ForeignRaftDataError,
  MembershipChangeError,
  NoQuorumError,
  RaftDriverConfigError,
  RequestTimeoutError,
} from './errors.ts';
