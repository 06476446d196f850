/**
 * The AP store: tables kept in this node's replica of the delta-state CRDT map, replicated to
 * every node that runs one. Always writable, reads are local, replicas converge once they can
 * talk — including across partitions, where both sides keep accepting writes.
 *
 * Example:
 * ```ts
 * const store = await startCrdtStore({ node });
 * const heroes = store.table<Hero>('heroes');
 * const v = await heroes.put(hero.id, hero);               // applied here, pushed to peers at once
 * await heroes.put(hero.id, next, { expectVersion: v });  // checked against the local replica
 * heroes.subscribe((c) => render(c.key, c.value, c.origin));
 * store.restartEmpty();                                    // replica restarts empty, refills from peers
 * store.refilling();                                       // true: an absent key may exist on the peers
 * await store.refilled(5000);
 * await store.close();
 * ```
 *
 * API: `startCrdtStore(options)` → `CrdtStore` (`Store`): `table(name)` (`CrdtTable`, see
 * `crdt-table.ts` for versions and the change feed), `role()` → `replica`, `writable()` → true,
 * `restartEmpty()`, `refilling()`, `refilled(timeoutMs)`, `summary()`, `stats()`,
 * `durabilityCounts()`, `driver`, `close()`.
 *
 * Semantics: each table key is a last-writer-wins register in an add-wins map: a write replaces
 * exactly what its replica had seen of the key; concurrent writes are all kept and the one with the
 * greatest HLC stamp is visible everywhere (`concurrent(key)` returns them all, `onConcurrent`
 * reports a hidden one arriving); a delete removes only what its replica had seen (a concurrent put
 * survives it). See docs/crdt.md.
 *
 * Restart: `restartEmpty()` drops this replica's state (and its disk) and starts an empty one under a new replica
 * id, which pulls a snapshot from the first peer it reaches (a new node on the same address does the
 * same). Until then reads return what has arrived so far and a delete finds nothing to delete; the
 * change feed does not report the drop, only differences once the refill is in (see
 * `crdt/driver/feed.ts`).
 *
 * Refilling: `refilling()` is true while this replica started empty (restarted empty, or a new node
 * without a disk), a peer holds the map (one was seen since the start, or the replica it replaced
 * saw one — so a replica restarted empty while cut off is refilling too), and no peer's snapshot
 * has been applied yet. Meanwhile an absent key says nothing: a caller must not report it as never
 * written (the dispatch API answers 503, not 404). A replica alone, or one restored from its disk
 * with state, is not refilling. It is not `!refilled`: `refilled` also waits for a restored
 * replica's refresh and never resolves for a replica alone (`crdt/core/refill.ts`).
 *
 * Transactions: none — the store has no `transaction` (`Store.transaction`, `ops.ts`). Replicas
 * accept concurrent writes, so a multi-key condition has no single state to be checked against;
 * the placement layer runs without epoch fences here, and group commit is not used.
 *
 * Errors (`StoreError.code`): `conflict` (`expectVersion` did not match the local replica),
 * `invalid` (bad table name, key or an undefined value), `unavailable` (closed). A value MessagePack
 * cannot encode is kept locally but cannot be replicated; it is logged. Send plain data.
 *
 * Tables: names are 1–128 characters without `/`; keys 1–1024 characters. One store per node at a
 * time (close it before opening another on the same node).
 *
 * Durability and write concern (docs/crdt.md): with a `storage` the replica keeps what it applies
 * on disk and a restarted node starts from it (a new replica id, the same state); `restartEmpty`
 * wipes it (a lost disk). A write resolves once `writeConcern.w` replicas hold it (default 2: a
 * peer besides this one) or, when no peer is live or none acks in `timeoutMs`, as `local`;
 * `table.write` / `table.remove` say which (`durability`). A write whose replica restarts empty
 * before any peer acknowledged it rejects with `timeout` (its outcome is unknown: it is gone from
 * here, and a push may or may not have carried it to a peer).
 *
 * When not to use: reads elsewhere may not see a write yet, and two sides of a partition both
 * accept writes. Use the Raft store for state that needs compare-and-set across nodes or
 * read-your-writes elsewhere.
 */
import type { Logger } from 'pino';
import type { SummaryMessage } from '../crdt/core/messages.ts';
import { CrdtDriver, type CrdtDriverOptions, type CrdtDriverStats } from '../crdt/driver/index.ts';
import type { CrdtStorage } from '../crdt/driver/storage/index.ts';
import { CrdtTable } from './crdt-table.ts';
import type { Durability, Store } from './types.ts';
import { StoreError } from './types.ts';

export interface CrdtStoreOptions extends CrdtDriverOptions {
  /**
   * Let `startCrdtStore` wait up to this long for a first refill from a peer, ms. Default 0: return
   * at once (the replica fills in the background; the change feed reports what arrives). A node
   * that restarts into a running cluster may pass ~2000 to start with the cluster's data.
   */
  readonly awaitRefillMs?: number;
  /** When a write is acknowledged; see `WriteConcern`. */
  readonly writeConcern?: WriteConcern;
}

/**
 * A write resolves once `w` replicas hold it, this one included, counting only replicas that are
 * live (connected, replica id known) when it is made: with fewer live peers than `w - 1`, all of
 * them. With no live peer, or when `timeoutMs` passes first, it resolves anyway with durability
 * `local` (it is applied here and spreads when it can); with at least one peer's ack, `replicated`.
 */
export interface WriteConcern {
  /**
   * Replicas that must hold a write, this one included. Default 2: one peer besides the writer,
   * so the loss of the writer's state (a destroyed City, a lost disk) right after the answer loses
   * nothing, at the cost of one round trip (about a millisecond on a LAN) per write. 1: answer at
   * once, as before.
   */
  readonly w?: number;
  /**
   * How long a write waits for acks, ms. Default 1000: well above a round trip under load, short
   * enough that a peer cut off without the failure detector noticing yet delays a write by at
   * most a second before it is answered `local`.
   */
  readonly timeoutMs?: number;
}

const DEFAULT_WRITE_CONCERN: Required<WriteConcern> = { w: 2, timeoutMs: 1000 };

export async function startCrdtStore(options: CrdtStoreOptions): Promise<CrdtStore> {
  const concern = { ...DEFAULT_WRITE_CONCERN, ...options.writeConcern };
  if (!Number.isSafeInteger(concern.w) || concern.w < 1)
    throw new StoreError('invalid', `writeConcern.w must be an integer ≥ 1, got ${concern.w}`);
  if (!(concern.timeoutMs > 0))
    throw new StoreError('invalid', `writeConcern.timeoutMs must be > 0, got ${concern.timeoutMs}`);
  const store = new CrdtStore({ ...options, writeConcern: concern });
  const wait = options.awaitRefillMs ?? 0;
  if (!Number.isFinite(wait) || wait < 0)
    throw new StoreError('invalid', `awaitRefillMs must be ≥ 0, got ${wait}`);
  if (wait > 0) await store.refilled(wait);
  return store;
}

export class CrdtStore implements Store {
  readonly mode = 'crdt' as const;
  readonly log: Logger;
  readonly #driver: CrdtDriver<unknown>;
  readonly #tables = new Map<string, CrdtTable<unknown>>();
  readonly #concern: Required<WriteConcern>;
  readonly #storage: CrdtStorage | undefined;
  readonly #durability = { replicated: 0, local: 0 };
  #closed = false;

  /** Use `startCrdtStore`. */
  constructor(options: CrdtStoreOptions) {
    this.#concern = { ...DEFAULT_WRITE_CONCERN, ...options.writeConcern };
    this.#storage = options.storage;
    this.#driver = CrdtDriver.start<unknown>(options);
    this.log = this.#driver.options.logger;
    this.#driver.onChange((change) => {
      const slash = change.key.indexOf('/');
      if (slash <= 0) return;
      this.#tables.get(change.key.slice(0, slash))?.deliver(change);
    });
    this.#driver.onConcurrent((change) => {
      const slash = change.key.indexOf('/');
      if (slash <= 0) return;
      this.#tables.get(change.key.slice(0, slash))?.deliverConcurrent(change);
    });
  }

  /** The driver underneath (replica id, peers, counters). */
  get driver(): CrdtDriver<unknown> {
    return this.#driver;
  }

  table<V>(name: string): CrdtTable<V> {
    if (typeof name !== 'string' || name.length === 0 || name.length > 128 || name.includes('/')) {
      throw new StoreError('invalid', 'table names are 1–128 characters without "/"');
    }
    let t = this.#tables.get(name);
    if (t === undefined) {
      t = new CrdtTable<unknown>(name, {
        driver: () => this.#open(),
        log: this.log,
        concern: (seq, replica) => this.#awaitConcern(seq, replica),
      });
      this.#tables.set(name, t);
    }
    return t as CrdtTable<V>;
  }

  role(): string {
    return 'replica';
  }

  writable(): boolean {
    return true;
  }

  /** Restart this replica empty under a new id; it refills from its peers. Returns the new id. */
  restartEmpty(): string {
    return this.#open().restartEmpty();
  }

  /**
   * Whether this replica is refilling: started empty while peers hold the map, not filled by one
   * yet. A key absent from it may exist on the peers (see "Refilling" above).
   */
  refilling(): boolean {
    return this.#driver.refilling;
  }

  /** True once this replica has been filled from a peer; false after `timeoutMs` (default 5000). */
  refilled(timeoutMs = 5000): Promise<boolean> {
    return this.#driver.refilled(timeoutMs);
  }

  /** Hashes of what this replica holds; equal across converged replicas (see `awaitConverged`). */
  summary(): SummaryMessage {
    return this.#driver.summary();
  }

  stats(): CrdtDriverStats {
    return this.#driver.stats();
  }

  /** Writes answered so far, by durability (see `WriteConcern`). */
  durabilityCounts(): { readonly replicated: number; readonly local: number } {
    return { ...this.#durability };
  }

  /** Closes the driver, then the storage it was given (syncing what is pending). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#driver.close();
    await this.#storage?.close();
  }

  async #awaitConcern(seq: number, replica: string): Promise<Durability> {
    const driver = this.#driver;
    const need = Math.min(this.#concern.w - 1, driver.replicator.livePeers().length);
    const acked =
      need <= 0 || driver.id !== replica ? 0 : await driver.awaitAcks(seq, need, this.#concern.timeoutMs);
    // The replica the write was made in restarted empty before any peer said it held the write:
    // it is not here any more, and whether a push carried it to a peer is unknown.
    if (acked === 0 && driver.id !== replica) {
      throw new StoreError(
        'timeout',
        'the replica restarted empty before any peer acknowledged this write: its outcome is unknown',
      );
    }
    const durability: Durability = acked > 0 ? 'replicated' : 'local';
    this.#durability[durability]++;
    return durability;
  }

  #open(): CrdtDriver<unknown> {
    if (this.#closed) throw new StoreError('unavailable', 'the CRDT store is closed');
    return this.#driver;
  }
}
