/**
 * Errors of the CRDT core. Expected outcomes (a peer that lacks data, a remote clock far ahead)
 * are values or effects, not errors; these are thrown for bad configuration, malformed input at
 * the edge, and broken invariants.
 *
 * Example:
 * ```ts
 * try { parseReplicaMessage(decoded); } catch (e) { if (e instanceof CrdtMessageError) log.warn(e.code); }
 * ```
 *
 * API: every class has a stable string `code` and takes an optional `cause`.
 *
 * When not to use: a replicator never throws for a peer's misbehaviour it can survive; it reports
 * a `rejected` effect instead (see `replicator.ts`).
 */
import { CodedError } from '../../util/errors.ts';

/** A replica id, node name or incarnation is malformed. */
export class CrdtReplicaIdError extends CodedError<'CRDT_REPLICA_ID'> {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CRDT_REPLICA_ID', message, options);
    this.name = 'CrdtReplicaIdError';
  }
}

/** An option is out of range (e.g. a bucket count that is not a power of two). */
export class CrdtOptionError extends CodedError<'CRDT_OPTION'> {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CRDT_OPTION', message, options);
    this.name = 'CrdtOptionError';
  }
}

/** A replication message does not have the documented shape. */
export class CrdtMessageError extends CodedError<'CRDT_MESSAGE'> {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CRDT_MESSAGE', message, options);
    this.name = 'CrdtMessageError';
  }
}

/** A peer runs with incompatible settings (e.g. another bucket count). */
export class CrdtProtocolError extends CodedError<'CRDT_PROTOCOL'> {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CRDT_PROTOCOL', message, options);
    this.name = 'CrdtProtocolError';
  }
}

/** A state handed to `DeltaMap.fromState` breaks an invariant (an entry outside its context). */
export class CrdtStateError extends CodedError<'CRDT_STATE'> {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CRDT_STATE', message, options);
    this.name = 'CrdtStateError';
  }
}
