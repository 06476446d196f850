/**
 * The driver's change feed: what subscribers were told each key holds, and the changes to that.
 *
 * The replicator reports every change of a visible value, sometimes several for one key in one
 * step (a catch-up carrying two writes of it). The feed compares the key's entry now with the one
 * it reported last, by dot, and tells subscribers only when they differ: each change once, with the
 * final value of the step.
 *
 * Restarting the replica empty does not tell subscribers that every key vanished: it was the
 * replica that forgot, not the cluster. The feed keeps what it reported; the refill then reports
 * only keys whose value differs from that, and once the refill is complete (`reconcile`) a
 * deletion for each key the cluster no longer has. Until then `get`/`list` read the (refilling)
 * replica, while subscribers keep the last values they were told.
 *
 * Example:
 * ```ts
 * const feed = new ChangeFeed<Hero>((err) => log.warn({ err }, 'listener threw'));
 * feed.subscribe((c) => render(c.key, c.entry?.value));
 * feed.note('h1', map.winner('h1'), 'gotham@127.0.0.1:4370');
 * ```
 *
 * API: `ChangeFeed` (`note`, `noteConcurrent`, `restart`, `reconcile`, `subscribe`,
 * `subscribeConcurrent`, `pendingReconcile`), `DriverChange`, `DriverConcurrent`.
 *
 * Concurrent values: a join can give a key a value that stays hidden behind the visible one (a
 * concurrent write with a smaller stamp). The visible value did not change, so `note` reports
 * nothing; `noteConcurrent` tells the concurrent listeners (`subscribeConcurrent`), once per join
 * that brought such a value. They exist for applications that merge a key's values themselves.
 *
 * A listener that throws is reported to `onListenerError` and stays subscribed; the others still
 * get the change.
 *
 * When not to use: for a durable history; this is a live feed of one replica.
 */
import type { Entry } from '../core/entry.ts';

export interface DriverChange<V> {
  readonly key: string;
  /** The key's visible entry now; undefined when it was deleted. */
  readonly entry: Entry<V> | undefined;
  /** The entry the feed reported before for this key; undefined when none. */
  readonly previous: Entry<V> | undefined;
  /** Full node name of the writer of `entry`, or for a deletion of the node it came from. */
  readonly origin: string;
}

/** `key` gained `entry`, a value hidden behind its visible one (see "Concurrent values" above). */
export interface DriverConcurrent<V> {
  readonly key: string;
  readonly entry: Entry<V>;
  /** Full node name of the writer of `entry`. */
  readonly origin: string;
}

export class ChangeFeed<V> {
  readonly #reported = new Map<string, Entry<V>>();
  readonly #listeners = new Set<(change: DriverChange<V>) => void>();
  readonly #concurrentListeners = new Set<(change: DriverConcurrent<V>) => void>();
  readonly #onListenerError: (error: unknown) => void;
  #pendingReconcile = false;

  constructor(onListenerError: (error: unknown) => void) {
    this.#onListenerError = onListenerError;
  }

  /** True between `restart()` and `reconcile()`. */
  get pendingReconcile(): boolean {
    return this.#pendingReconcile;
  }

  subscribe(listener: (change: DriverChange<V>) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  subscribeConcurrent(listener: (change: DriverConcurrent<V>) => void): () => void {
    this.#concurrentListeners.add(listener);
    return () => this.#concurrentListeners.delete(listener);
  }

  /** A join kept `entry` under `key` without making it visible. */
  noteConcurrent(key: string, entry: Entry<V>, origin: string): void {
    this.#emitTo(this.#concurrentListeners, { key, entry, origin });
  }

  /** `key` may have changed: `current` is its visible entry now. */
  note(key: string, current: Entry<V> | undefined, origin: string): void {
    const previous = this.#reported.get(key);
    if (sameDot(previous, current)) return;
    if (current === undefined) this.#reported.delete(key);
    else this.#reported.set(key, current);
    this.#emit({ key, entry: current, previous, origin });
  }

  /** The replica restarted empty: keep what was reported until `reconcile`. */
  restart(): void {
    this.#pendingReconcile = true;
  }

  /**
   * The refilled replica is complete: report a deletion for every key reported earlier that it no
   * longer holds. `origin` names the peer the refill came from.
   */
  reconcile(current: (key: string) => Entry<V> | undefined, origin: string): void {
    if (!this.#pendingReconcile) return;
    this.#pendingReconcile = false;
    const gone = [...this.#reported.keys()].filter((key) => current(key) === undefined);
    for (const key of gone) this.note(key, undefined, origin);
  }

  #emit(change: DriverChange<V>): void {
    this.#emitTo(this.#listeners, change);
  }

  #emitTo<C>(listeners: ReadonlySet<(change: C) => void>, change: C): void {
    for (const listener of [...listeners]) {
      try {
        listener(change);
      } catch (error) {
        this.#onListenerError(error);
      }
    }
  }
}

function sameDot<V>(a: Entry<V> | undefined, b: Entry<V> | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a === b || (a.seq === b.seq && a.rep === b.rep);
}
