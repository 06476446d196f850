/**
 * Multi-key transactions of the store interface: the ops, the conditions, the result, the one
 * signature (`Transaction`) every store with transactions implements, and the error a failed
 * condition raises (`ConflictError`). The placement layer's epoch fence and group commit
 * (`group-commit.ts`) are written against these alone, whichever store runs underneath.
 *
 * ```ts
 * if (store.transaction) {
 *   const { index, versions } = await store.transaction(
 *     [{ op: 'put', table: 'heroes', key: a.id, value: a }, { op: 'delete', table: 'heroes', key: b.id }],
 *     [{ table: 'heroes', key: b.id, version: vb }],                // b must still be at vb
 *   );
 * }
 * // on a failed condition: ConflictError (code 'conflict'), err.current names the failed keys
 * ```
 *
 * Semantics: every condition is checked against the state before the transaction and, if all
 * hold, every op applies, in order, atomically; otherwise nothing applies. A condition's version 0
 * means "the key must be absent"; a positive version on an absent key fails, so a late writer
 * cannot bring a deleted record back.
 *
 * Which stores have it: Raft (one log entry), etcd (one `Txn`) and the memory store when asked
 * (`new MemoryStore({ transactions: true })`). The CRDT store has none: its replicas accept
 * concurrent writes, so there is no single state a condition could be checked against.
 *
 * When not to use: for one key, `Table.put`/`delete` with `expectVersion` say the same with less.
 */
import { StoreError } from './errors.ts';

export type Op =
  | { readonly op: 'put'; readonly table: string; readonly key: string; readonly value: unknown }
  | { readonly op: 'delete'; readonly table: string; readonly key: string };

/** A key and the version it must have for the transaction to apply (0: absent). */
export interface Condition {
  readonly table: string;
  readonly key: string;
  readonly version: number;
}

/** A key and its version: a write's new version, or a key's current version in a conflict. */
export interface KeyVersion {
  readonly table: string;
  readonly key: string;
  readonly version: number;
}

export interface TxnResult {
  /** The transaction's position in the store's history (Raft: log index; etcd: revision). */
  readonly index: number;
  /** Per op, in op order: the new version for a put, 0 for a delete. */
  readonly versions: readonly KeyVersion[];
}

/**
 * Applies `ops` atomically if every condition holds; resolves with one version per op, in op
 * order. Rejects with `ConflictError` when a condition fails (nothing applied), otherwise with a
 * `StoreError` (`no_quorum`, `timeout` — outcome unknown, `invalid`, `unavailable`).
 */
export type Transaction = (ops: readonly Op[], conditions?: readonly Condition[]) => Promise<TxnResult>;

/**
 * A condition of a transaction (or a single write's `expectVersion`) failed; nothing was applied.
 * `current` holds the current versions (0: absent) of the keys whose conditions failed, when the
 * store knows them — empty when it does not say which.
 */
export class ConflictError extends StoreError {
  readonly current: readonly KeyVersion[];
  constructor(current: readonly KeyVersion[], message: string, options?: { cause?: unknown }) {
    super('conflict', message, options);
    this.name = 'ConflictError';
    this.current = current;
  }
}

/** A map key for a table's key, for sets of conditions. */
export function conditionKey(table: string, key: string): string {
  return `${table}\u0000${key}`;
}
