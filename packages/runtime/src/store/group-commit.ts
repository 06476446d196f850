/**
 * Group commit: single-key writes submitted by many callers while the previous batch commits go
 * to the store as one multi-key transaction (one Raft log entry, one etcd `Txn`) instead of one
 * each, so the per-entry costs of consensus — encoding, the log write, replication messages,
 * applying, sessions, and snapshots taken every N entries — are paid once per batch. Every write
 * still commits before its caller resolves: a hero's change is persisted before the actor adopts it.
 *
 * ```ts
 * const commits = groupCommit(store);            // undefined for a store without transactions (crdt)
 * const version = await commits!.submit({ op: 'put', table: 'heroes', key: id, value: hero }, 12);
 * await commits!.submit({ op: 'delete', table: 'heroes', key: id }); // unconditional
 * ```
 *
 * API: `groupCommit(store, options?)` → `GroupCommit | undefined`; `new GroupCommit({ transaction,
 * … })` for a transaction function of one's own; `submit(op, expectVersion?, also?)`, `pending`,
 * `stats`.
 *
 * Semantics, per write: the same as a single conditional put or delete. A write whose condition
 * fails rejects with `StoreError('conflict')` and does not hold up the others of its batch: they are
 * sent again at once without it (a transaction is all-or-nothing, and the store's `ConflictError`
 * names the failed conditions; when a store does not say which, each write of the batch is sent
 * alone). Any other failure of a batch (`no_quorum`, `timeout`, `unavailable`) rejects every write
 * in it with that error — for a timeout the outcome is unknown, as for a single write.
 *
 * Batching: with no batch in flight, the writes queued in one turn of the event loop leave
 * together at once; while a batch commits, new writes queue and leave together when it is done,
 * or after `lingerMs` as a second batch in flight (at most `maxInFlight`). A batch holds at most
 * `maxOps` writes (and never more than the store's `maxTransactionOps`), and two writes of the same
 * key never share one (the second waits for the next batch, so order per key is kept); nor does a
 * write with a condition on a key written before it in the batch (the condition is checked against
 * the state after that write, as if each write were sent alone). A write with a bad key (empty, or
 * over 1,024 characters) is refused at `submit` with `StoreError('invalid')`, without failing a
 * batch. Under light load a write leaves at once; under heavy load batches grow with the commit
 * latency instead of the number of log entries.
 *
 * Timeouts: none of its own; a batch takes as long as the store's transaction (its request timeout).
 *
 * When not to use: for writes that must be atomic together (use the store's transaction directly),
 * or with a store without transactions (the CRDT map, whose writes are local and cheap: batching
 * would only add latency there).
 */
import type { Condition, Op, Transaction } from './ops.ts';
import { ConflictError, conditionKey as keyOf } from './ops.ts';
import { validateKey } from './memory-store.ts';
import type { Store } from './types.ts';
import { StoreError } from './types.ts';

/** Writes per batch by default: ~80 KB of hero records, far below the Raft command limit. */
const DEFAULT_MAX_OPS = 256;

export interface GroupCommitOptions {
  readonly transaction: Transaction;
  /**
   * How long writes queued behind a batch in flight wait before a second batch leaves, ms.
   * Default 10: against a 4-second game loop it is invisible, and while commits are slow it caps
   * a node at ~100 extra batches/s however many heroes it hosts.
   */
  readonly lingerMs?: number;
  /**
   * Writes per batch at most. Default 256 (~80 KB of hero records, far below the Raft command
   * limit), or the store's `maxTransactionOps` when lower (`groupCommit`).
   */
  readonly maxOps?: number;
  /** Batches outstanding at once. Default 2: one replicating while the next fills. */
  readonly maxInFlight?: number;
  /** Timer (the driver's only clock); default `setTimeout`. */
  readonly setTimer?: (fn: () => void, ms: number) => void;
}

interface Pending {
  readonly op: Op;
  /** The write's own conditions: its expected version, and any the caller added (a fence). */
  readonly conditions: readonly Condition[];
  readonly resolve: (version: number) => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Group commit over `store.transaction`, or undefined when the store has none (crdt). A batch
 * holds at most `options.maxOps` (default 256) and the store's `maxTransactionOps`.
 */
export function groupCommit(
  store: Store,
  options: Omit<GroupCommitOptions, 'transaction'> = {},
): GroupCommit | undefined {
  if (store.transaction === undefined) return undefined;
  const maxOps = Math.min(options.maxOps ?? DEFAULT_MAX_OPS, store.maxTransactionOps ?? Infinity);
  return new GroupCommit({ ...options, transaction: store.transaction.bind(store), maxOps });
}

export class GroupCommit {
  readonly #transaction: Transaction;
  readonly #lingerMs: number;
  readonly #maxOps: number;
  readonly #maxInFlight: number;
  readonly #setTimer: (fn: () => void, ms: number) => void;
  #queue: Pending[] = [];
  #inFlight = 0;
  #soonSet = false;
  #lingerSet = false;
  /** Batches sent and writes in them, since the start (for metrics and tests). */
  readonly stats = { batches: 0, writes: 0 };

  constructor(options: GroupCommitOptions) {
    this.#transaction = options.transaction;
    this.#lingerMs = Math.max(0, options.lingerMs ?? 10);
    this.#maxOps = Math.max(1, Math.floor(options.maxOps ?? DEFAULT_MAX_OPS));
    this.#maxInFlight = Math.max(1, Math.floor(options.maxInFlight ?? 2));
    this.#setTimer =
      options.setTimer ??
      ((fn, ms) => {
        if (ms === 0) setImmediate(fn);
        else setTimeout(fn, ms);
      });
  }

  /**
   * Queues one write; resolves with its new version (0 for a delete) once its batch committed.
   * `expectVersion` makes it conditional (0: the key must be absent); `also` adds conditions on
   * other keys (e.g. a placement fence) that must hold for this write, and only for it.
   */
  submit(op: Op, expectVersion?: number, also: readonly Condition[] = []): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      // A bad key fails its own write here, not the whole batch it would have joined.
      validateKey(op.key);
      const conditions =
        expectVersion === undefined
          ? also
          : [{ table: op.table, key: op.key, version: expectVersion }, ...also];
      this.#queue.push({ op, conditions, resolve, reject });
      this.#arm();
    });
  }

  /** Writes queued or in flight. */
  get pending(): number {
    return this.#queue.length;
  }

  /**
   * Group commit: with nothing in flight the queue leaves at once (at the next `setImmediate`, so
   * the writes of one turn share it); while a batch commits, the queue grows and leaves when that
   * batch is done — or after `lingerMs` as a second batch in flight, so a slow commit does not hold
   * writes back for its whole length.
   */
  #arm(): void {
    if (this.#queue.length === 0 || this.#inFlight >= this.#maxInFlight) return;
    if (this.#inFlight === 0 || this.#queue.length >= this.#maxOps) {
      if (this.#soonSet) return;
      this.#soonSet = true;
      this.#setTimer(() => {
        this.#soonSet = false;
        this.#flush();
      }, 0);
      return;
    }
    if (this.#lingerSet) return;
    this.#lingerSet = true;
    this.#setTimer(() => {
      this.#lingerSet = false;
      this.#flush();
    }, this.#lingerMs);
  }

  #flush(): void {
    while (this.#queue.length > 0 && this.#inFlight < this.#maxInFlight) {
      const batch = this.#take();
      this.#inFlight++;
      void this.#send(batch).finally(() => {
        this.#inFlight--;
        this.#arm();
      });
      // Only a full queue sends another batch at once; otherwise the rest waits (see `#arm`).
      if (this.#queue.length < this.#maxOps) break;
    }
    this.#arm();
  }

  /**
   * The next batch: up to `maxOps` writes from the front, stopping before a write of a key already
   * written in it, or one with a condition on such a key. A transaction checks every condition
   * against the state before it, so either would see that state where, sent one by one, it would
   * have seen the earlier write.
   */
  #take(): Pending[] {
    const keys = new Set<string>();
    let n = 0;
    while (n < this.#queue.length && n < this.#maxOps) {
      const p = this.#queue[n] as Pending;
      const k = keyOf(p.op.table, p.op.key);
      if (keys.has(k) || p.conditions.some((c) => keys.has(keyOf(c.table, c.key)))) break;
      keys.add(k);
      n++;
    }
    return this.#queue.splice(0, n);
  }

  async #send(batch: Pending[]): Promise<void> {
    this.stats.batches++;
    this.stats.writes += batch.length;
    const ops = batch.map((p) => p.op);
    const conditions: Condition[] = [];
    for (const p of batch) for (const c of p.conditions) conditions.push(c);
    let versions: readonly { readonly version: number }[];
    try {
      ({ versions } = await this.#transaction(ops, conditions));
    } catch (err) {
      this.#failed(batch, err);
      return;
    }
    batch.forEach((p, i) => p.resolve(versions[i]?.version ?? 0));
  }

  #failed(batch: Pending[], err: unknown): void {
    if (!(err instanceof StoreError && err.code === 'conflict')) {
      for (const p of batch) p.reject(err);
      return;
    }
    if (batch.length === 1) {
      (batch[0] as Pending).reject(err);
      return;
    }
    // Reject the writes whose condition failed; send the others again, ahead of newer writes.
    const named = err instanceof ConflictError ? err.current.map((c) => keyOf(c.table, c.key)) : [];
    const failed = new Set(named);
    const hit = batch.filter((p) => p.conditions.some((c) => failed.has(keyOf(c.table, c.key))));
    if (hit.length === 0) {
      // The store did not say which: one transaction per write tells.
      for (const p of batch) void this.#send([p]);
      return;
    }
    for (const p of hit) {
      p.reject(
        new StoreError('conflict', `conflict: a condition of the write of ${p.op.table}/${p.op.key} failed`, {
          cause: err,
        }),
      );
    }
    this.#queue.unshift(...batch.filter((p) => !hit.includes(p)));
  }
}
