/**
 * The change feed of the Raft store: every record change applied on this member, in commit
 * order, delivered once to each subscriber, with a bounded history for subscribers that resume.
 *
 * Example:
 * ```ts
 * const feed = new ChangeFeed({ retain: 10_000, startIndex: 0, log });
 * const off = feed.subscribeFrom('heroes', 41, (c) => console.log(c.index, c.key));
 * feed.push(change); // delivered synchronously to matching subscribers
 * ```
 *
 * Guarantees: changes of one transaction share its log `index` and arrive together, in op order;
 * indexes never go back. `subscribe` sees changes applied after it returns. `subscribeFrom(i)`
 * first replays, synchronously, every retained change with index > i, then continues live: no
 * gap, no duplicate.
 *
 * Retention: the last `retain` changes (default 10,000), kept in memory only, whole
 * transactions at a time. The history starts empty when the member starts (it then fills as the
 * log after the last snapshot is replayed) and is cleared when a snapshot from the leader replaces
 * the state; `subscribeFrom` an index older than what is retained throws `StoreError`
 * (`unavailable`): re-read the table, then subscribe from the index you read at.
 *
 * A listener that throws is logged and skipped; it stays subscribed.
 *
 * When not to use: durable history across restarts; read the table instead.
 */
import type { Logger } from 'pino';
import type { Change } from './types.ts';
import { StoreError } from './types.ts';

/** A change with its log position. Deletes have `value: undefined` and `version` = `index`. */
export interface RaftChange<V = unknown> extends Change<V> {
  /** Log index of the transaction that made the change. */
  readonly index: number;
  /** Version of the record before the change; 0 when it did not exist. */
  readonly previousVersion: number;
}

interface Subscriber {
  readonly table: string | null;
  readonly fn: (change: RaftChange) => void;
}

export class ChangeFeed {
  private readonly retain: number;
  private readonly log: Logger;
  private buf: RaftChange[] = [];
  private head = 0;
  private readonly subscribers = new Set<Subscriber>();
  /** Every change with an index above this one is retained. */
  private from: number;

  constructor(options: { retain: number; startIndex: number; log: Logger }) {
    this.retain = options.retain;
    this.from = options.startIndex;
    this.log = options.log;
  }

  /** The oldest index `subscribeFrom` accepts. */
  get retainedFrom(): number {
    return this.from;
  }

  push(change: RaftChange): void {
    this.buf.push(change);
    while (this.buf.length - this.head > this.retain) this.evictOne();
    if (this.head > 1024 && this.head * 2 > this.buf.length) {
      this.buf = this.buf.slice(this.head);
      this.head = 0;
    }
    if (this.subscribers.size === 0) return;
    // A subscriber added by a listener sees only later changes.
    for (const s of [...this.subscribers]) {
      if (s.table === null || s.table === change.table) this.deliver(s, change);
    }
  }

  /** Delivers `changes` to live subscribers only and restarts the history at `index`. */
  replaceState(index: number, changes: readonly RaftChange[]): void {
    for (const c of changes) {
      for (const s of [...this.subscribers]) if (s.table === null || s.table === c.table) this.deliver(s, c);
    }
    this.buf = [];
    this.head = 0;
    this.from = index;
  }

  subscribe(table: string | null, fn: (change: RaftChange) => void): () => void {
    const s: Subscriber = { table, fn };
    this.subscribers.add(s);
    return () => this.subscribers.delete(s);
  }

  subscribeFrom(table: string | null, index: number, fn: (change: RaftChange) => void): () => void {
    if (!Number.isSafeInteger(index) || index < 0) {
      throw new StoreError('invalid', `subscribeFrom needs a log index >= 0, got ${String(index)}`);
    }
    if (index < this.from) {
      throw new StoreError(
        'unavailable',
        `changes after index ${index} are no longer retained (history starts after ${this.from}); re-read and subscribe from the read's index`,
      );
    }
    const s: Subscriber = { table, fn };
    for (let i = this.head; i < this.buf.length; i++) {
      const c = this.buf[i]!;
      if (c.index > index && (table === null || c.table === table)) this.deliver(s, c);
    }
    this.subscribers.add(s);
    return () => this.subscribers.delete(s);
  }

  private evictOne(): void {
    const gone = this.buf[this.head]!;
    this.head++;
    this.from = gone.index;
    // Keep the invariant "everything above `from` is retained": drop the rest of its transaction.
    while (this.head < this.buf.length && this.buf[this.head]!.index === gone.index) this.head++;
  }

  private deliver(s: Subscriber, c: RaftChange): void {
    try {
      s.fn(c);
    } catch (err) {
      this.log.warn({ err, table: c.table, key: c.key }, 'change listener threw');
    }
  }
}
