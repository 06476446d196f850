/**
 * Raft-replicated tables: the deterministic state machine that applies committed transactions,
 * its command codec and snapshot format. The Raft driver feeds it `(index, bytes)` pairs.
 *
 * ```ts
 * import { TableMachine, encodeCommand } from './index.ts';
 * const machine = new TableMachine({ ttlEntries: 100_000, maxSessions: 10_000 });
 * machine.apply(1, encodeCommand({ kind: 'noop' }));
 * ```
 */
export { TableMachine } from './machine.ts';
export type { TableMachineOptions } from './machine.ts';
export { encodeCommand, decodeCommand } from './codec.ts';
export { validateCommand } from './validate.ts';
export type { Validated } from './validate.ts';
export { SessionTable } from './sessions.ts';
export type { SessionEntry, SessionLookup, SessionOptions } from './sessions.ts';
export { ApplyOrderError, InvalidCommandError, SnapshotFormatError } from './errors.ts';
export type {
  ApplyOutcome,
  ApplyResult,
  Change,
  Condition,
  KeyVersion,
  NoopCommand,
  Op,
  Session,
  TableCommand,
  TableEntry,
  TableRecord,
  TxnCommand,
} from './types.ts';
