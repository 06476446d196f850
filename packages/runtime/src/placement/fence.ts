/**
 * Epoch fencing (CP mode): writes by a placed child that commit only while that child is still the
 * owner of its key at its epoch, so a copy that was cut off, replaced and healed back can never
 * overwrite what its successor wrote.
 *
 * ```ts
 * // in a placed behaviour (CP store): init.fenced is bound to this child's key and epoch
 * init: (init: PlacedInit) => ({ fenced: init.fenced!, balance: 0 }),
 * // later
 * await state.fenced.put('accounts', id, next);           // rejects PlacementError('stale_epoch')
 * await state.fenced.transaction(ops, [{ table, key, version }]);
 * await state.fenced.withArgs({ location: 'gotham' }, ops);  // and where it runs, in one round
 * await state.fenced.withArgs({ location: 'gotham' }, ops, [], { handoff: state }); // and moves there
 * ```
 *
 * How: the child's placement record (owner, epoch) is written through the store; every fenced
 * write is one store transaction (`Store.transaction`, see `store/ops.ts`) whose conditions
 * include "the placement record is at version V", where V is a version at which the record names
 * this node as owner at this epoch. The condition is checked atomically with the write (Raft: at
 * the point the entry is applied, on every member alike; etcd: in its `Txn`). A record rewrite that keeps owner and epoch (`updateChild`, another `withArgs`) makes the condition fail too; the writer then reads the record linearizably and retries while owner and
 * epoch still match, and rejects with `PlacementError('stale_epoch')` once they do not. A new owner
 * always bumps the epoch, so after a takeover no stale write can commit.
 *
 * Errors: `PlacementError('stale_epoch')` — this child is no longer the owner at this epoch (or the
 * key is gone); the child should stop. `StoreError` from the store as is (`no_quorum` on the
 * minority side, `conflict` when one of the caller's own conditions failed, `timeout`).
 *
 * When not to use: AP mode. The CRDT store has no transactions, and both sides of a partition are
 * meant to write; there the merge callback reconciles. `fenced` is undefined there.
 */
import type { Condition, Op, Transaction, TxnResult } from '../store/ops.ts';
import { ConflictError } from '../store/ops.ts';
import type { Store, Table, Versioned } from '../store/types.ts';
import { StoreError } from '../store/types.ts';
import { PlacementError } from './errors.ts';
import type { FencedWriter, PlacementRecord } from './types.ts';

export type { FencedWriter };

/** A store with the `transaction` capability (Raft, etcd; not the CRDT store). */
export type TransactionalStore = Store & { readonly transaction: Transaction };

export function isTransactional(store: Store): store is TransactionalStore {
  return typeof store.transaction === 'function';
}

/** What the fence needs from the supervisor. */
export interface FenceHost {
  readonly store: TransactionalStore;
  readonly table: Table<PlacementRecord>;
  readonly self: string;
  /** This node's copy of the record and its version, if any. */
  local(key: string): Versioned<PlacementRecord> | undefined;
  /**
   * The live node (not this one) a record with these args would be placed on now, if any: where
   * `withArgs` with a hand-off gives the record. Without it, `withArgs` never gives the record.
   */
  target?(record: PlacementRecord): string | undefined;
  /** The record of `key` was given away at `epoch` by `withArgs`: stop the copy without a merge. */
  gave?(key: string, epoch: number): void;
}

/** How often a fenced write is retried after the record changed under it without a new owner. */
const MAX_ATTEMPTS = 5;

function current(
  host: FenceHost,
  key: string,
  epoch: number,
  seen: Versioned<PlacementRecord> | undefined,
): number {
  const rec = seen?.value;
  if (!seen || !rec || rec.owner !== host.self || rec.epoch !== epoch) {
    const now = rec ? `owner ${rec.owner || '(none)'} at epoch ${rec.epoch}` : 'no record';
    throw new PlacementError(
      'stale_epoch',
      `child ${key} at epoch ${epoch} on ${host.self} is no longer the owner (${now})`,
    );
  }
  return seen.version;
}

/**
 * The condition that holds only while `self` owns `key` at `epoch`, from this node's copy of the
 * record. Throws `PlacementError('stale_epoch')` if the copy already says otherwise.
 */
export function fenceCondition(host: FenceHost, key: string, epoch: number): Condition {
  return { table: host.table.name, key, version: current(host, key, epoch, host.local(key)) };
}

/**
 * Runs `ops` under `conditions` plus the fence of (`key`, `epoch`); see the module comment. With
 * `args`, the placement record itself is rewritten with them in the same transaction (its last op).
 */
export async function fencedTransaction(
  host: FenceHost,
  key: string,
  epoch: number,
  ops: readonly Op[],
  conditions: readonly Condition[] = [],
  args?: { readonly value: unknown; readonly handoff?: { readonly state: unknown } },
): Promise<TxnResult> {
  let seen = host.local(key);
  for (let attempt = 1; ; attempt++) {
    const fence: Condition = { table: host.table.name, key, version: current(host, key, epoch, seen) };
    const moved = args === undefined ? undefined : relocate(host, seen!.value, args.value, args.handoff);
    const all = moved === undefined ? ops : [...ops, moved.op];
    try {
      const result = await host.store.transaction(all, [...conditions, fence]);
      if (moved?.to !== undefined) host.gave?.(key, epoch);
      return result;
    } catch (err) {
      if (!(err instanceof StoreError) || err.code !== 'conflict' || !fenceFailed(err, fence)) throw err;
      if (attempt >= MAX_ATTEMPTS) {
        throw new PlacementError('stale_epoch', `child ${key}: placement record kept changing`, {
          cause: err,
        });
      }
      seen = await host.table.get(key);
    }
  }
}

/**
 * The put of `record` with new `args` (a hand-off already consumed is not written back). With
 * `handoff`, and a live node other than this one to place the new args on, the record is given to
 * that node in the same put: owner `to`, the next epoch, the state handed over, no pid.
 */
function relocate(
  host: FenceHost,
  record: PlacementRecord,
  args: unknown,
  handoff: { readonly state: unknown } | undefined,
): { readonly op: Op; readonly to?: string } {
  const { handoff: _h, ...rest } = record;
  const next: PlacementRecord = { ...rest, args };
  const to = handoff === undefined ? undefined : host.target?.(next);
  if (to === undefined) return { op: { op: 'put', table: host.table.name, key: record.key, value: next } };
  const { pid: _p, ...unpinned } = next;
  const given: PlacementRecord = { ...unpinned, owner: to, epoch: record.epoch + 1, handoff: handoff!.state };
  return { op: { op: 'put', table: host.table.name, key: record.key, value: given }, to };
}

/** Whether a conflict names the fence (rather than only the caller's own conditions). */
function fenceFailed(err: StoreError, fence: Condition): boolean {
  if (!(err instanceof ConflictError) || err.current.length === 0) return true; // the store did not say
  return err.current.some((c) => c.table === fence.table && c.key === fence.key);
}

export function fencedWriter(host: FenceHost, key: string, epoch: number): FencedWriter {
  const run = (ops: readonly Op[], conditions: readonly Condition[]): Promise<TxnResult> =>
    fencedTransaction(host, key, epoch, ops, conditions);
  const expect = (table: string, k: string, options?: { expectVersion?: number }): Condition[] =>
    options?.expectVersion === undefined ? [] : [{ table, key: k, version: options.expectVersion }];
  return {
    key,
    epoch,
    async put(table, k, value, options) {
      const r = await run([{ op: 'put', table, key: k, value }], expect(table, k, options));
      return r.versions[0]!.version;
    },
    async delete(table, k, options) {
      await run([{ op: 'delete', table, key: k }], expect(table, k, options));
    },
    transaction: (ops, conditions = []) => run(ops, conditions),
    withArgs: (args, ops, conditions = [], options = {}) =>
      fencedTransaction(host, key, epoch, ops, conditions, {
        value: args,
        ...('handoff' in options ? { handoff: { state: options.handoff } } : {}),
      }),
  };
}
