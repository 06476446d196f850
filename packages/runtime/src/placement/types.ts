/**
 * Shapes of the distributed supervisor: what a placed child is, how its owner is chosen, and the
 * record kept for it in the store.
 */
import type { Pid } from '../actor/index.ts';
import type { Condition, Op, Transaction, TxnResult } from '../store/ops.ts';

/** A child to place. Only data: the behaviour is looked up by `kind` on the node that runs it. */
export interface PlacedChildSpec {
  /** Unique key, e.g. a hero id. */
  readonly key: string;
  /** Name of a behaviour registered with `kinds` on every node. */
  readonly kind: string;
  /** Plain-data arguments for `init`. */
  readonly args?: unknown;
  /** Name of a placement strategy; default `rendezvous`. */
  readonly strategy?: string;
}

/** The store record of one placed child. */
export interface PlacementRecord {
  readonly key: string;
  readonly kind: string;
  readonly args: unknown;
  readonly strategy: string;
  /** Full name of the node that owns (runs) it; '' while unowned (between owners). */
  readonly owner: string;
  /** Increases with each change of owner. */
  readonly epoch: number;
  /**
   * The running actor, once started (AP mode). In CP mode the owner tells its peers instead
   * (`pid-table.ts`), so a start costs no write.
   */
  readonly pid?: Pid;
  /**
   * State handed over by the previous owner, for the next `init` at this epoch (a copy restarted
   * at the same epoch after a crash does not get it again).
   */
  readonly handoff?: unknown;
}

/** What a placed actor's `init` receives. */
export interface PlacedInit<A = unknown> {
  readonly key: string;
  readonly args: A;
  /** State handed over by the previous owner (graceful move), if any. */
  readonly handoff?: unknown;
  readonly epoch: number;
  /**
   * The version of the placement record this copy starts from. A hand-off given in the same
   * transaction as the last owner's own writes (`FencedWriter.withArgs` with `handoff`) shares this
   * version with them: every put of one transaction gets the same version (`store/ops.ts`).
   */
  readonly version?: number;
  /**
   * Writes fenced by this child's epoch (CP mode: a store with transactions); undefined in AP mode.
   * A write after another node took the child over rejects with `PlacementError('stale_epoch')`.
   */
  readonly fenced?: FencedWriter;
}

/**
 * Chooses the node for a child among the live eligible nodes (full names, sorted). Must be
 * deterministic: every node computes it independently.
 */
export type PlacementStrategy = (record: PlacementRecord, liveNodes: readonly string[]) => string | undefined;

/**
 * Messages the placement layer sends to a placed actor (its `handleCall`):
 * `{ $placement: 'handoff' }` — reply with the state to hand to the next owner (or undefined), the
 * actor is then stopped; `{ $placement: 'merge', state }` — a duplicate from the other side of a
 * healed partition hands over its state before it stops (AP mode); reply with anything.
 */
export type PlacementCall =
  { readonly $placement: 'handoff' } | { readonly $placement: 'merge'; readonly state: unknown };

export function isPlacementCall(msg: unknown): msg is PlacementCall {
  return typeof msg === 'object' && msg !== null && '$placement' in msg;
}

/** Writes of one placed child, fenced by its epoch. Versions are the store's (Raft log indexes). */
export interface FencedWriter {
  readonly key: string;
  readonly epoch: number;
  /** Resolves with the new version; `expectVersion` as in `Table.put`. */
  put(table: string, key: string, value: unknown, options?: { expectVersion?: number }): Promise<number>;
  delete(table: string, key: string, options?: { expectVersion?: number }): Promise<void>;
  /** `ops` atomically if `conditions` hold and this child still owns its key at its epoch. */
  readonly transaction: Transaction;
  /**
   * The same, with new `args` written into this child's placement record in the same transaction:
   * the child's own data and where it should run change in one round (`updateChild` without a
   * second write). The placement record's own version is the fence, so a record changed meanwhile
   * (its pid filled in) is read again and the transaction retried while this child owns it. The
   * result's `versions` are those of `ops`, then the placement record's. Placement then moves the
   * child where its strategy puts it with the new args, as after `updateChild`.
   *
   * With `options.handoff` the move happens in the same round: when the new args place the child on
   * another live node, the record is given to that node (owner, next epoch) with `handoff` as the
   * state its next copy starts from, and this copy stops once the transaction committed (after the
   * message it is handling). The writes of this transaction share one version, which the next copy
   * reads as `init.version`. Without a node to give it to, the args change alone, as without it.
   */
  withArgs(
    args: unknown,
    ops: readonly Op[],
    conditions?: readonly Condition[],
    options?: { readonly handoff?: unknown },
  ): Promise<TxnResult>;
}
