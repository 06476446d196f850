/**
 * What a durable replica writes down, as plain data, and how a replica is rebuilt from it. The
 * replicator (with `durable: true`) reports every change of its state as a `persist` effect
 * carrying one `DurableRecord`; a driver appends the records to a log and, now and then, replaces
 * log and all with one `DurableState` (compaction). A replica restarted from them
 * (`ReplicatorInit.restore`) holds again everything it had applied, under a new replica id.
 *
 * | record   | written when                                            | replayed as                                 |
 * | -------- | ------------------------------------------------------- | ------------------------------------------- |
 * | `delta`  | a local write; a received key delta that added anything | `applyDelta`, its ops received in full      |
 * |          | (also the removals made just before an `adopt`: no ops) |                                             |
 * | `chunk`  | a snapshot chunk was joined within its buckets          | `applyScoped` within those buckets          |
 * | `adopt`  | the last chunk of a snapshot arrived                    | the sender's context and received writes joined; filled |
 * | `retire` | a departed replica was pruned                           | its dots covered forever                    |
 *
 * Example:
 * ```ts
 * const r = new Replicator<Hero>({ node, incarnation, nowMs, random, durable: true,
 *   restore: { state: storage.snapshot, records: storage.records } });
 * for (const e of r.step(input)) if (e.type === 'persist') storage.append(e.record);
 * storage.compact(r.durableState());
 * ```
 *
 * Why a new replica id on every restart: a log written without fsync may lose its last records in
 * a power cut, among them the replica's own latest writes, which peers may already hold. Issuing
 * those dots again would make peers ignore the new writes. Under a new id no dot is ever reissued;
 * the writes the log lost come back from the peers by anti-entropy, as any other missing write.
 *
 * API: `DurableRecord`, `DurableState`, `DurableImage`, `emptyImage`, `isEmptyImage`.
 *
 * When not to use: this is the replica's state only; the delta log, the peers and the clock are
 * rebuilt, not stored (the clock moves past every restored stamp).
 */
import type { WireContext } from './causal-context.ts';
import type { MapState } from './delta-map.ts';
import type { Entry, KeyDelta } from './entry.ts';
import type { ReplicaId } from './replica-id.ts';

/** One change of a replica's state, in the order applied. */
export type DurableRecord<V> =
  | { readonly type: 'delta'; readonly delta: KeyDelta<V> }
  | {
      readonly type: 'chunk';
      readonly buckets: readonly number[];
      readonly entries: readonly (readonly [string, readonly Entry<V>[]])[];
      readonly ctx: WireContext;
    }
  | { readonly type: 'adopt'; readonly ctx: WireContext; readonly applied: WireContext }
  | { readonly type: 'retire'; readonly rep: ReplicaId };

/** A replica's whole state: what compaction writes and a restart starts from. */
export interface DurableState<V> {
  /** Entries and causal context (every dot seen). */
  readonly map: MapState<V>;
  /** Writes received in full (what anti-entropy compares). */
  readonly applied: WireContext;
  /** Pruned replicas: their dots count as seen forever. */
  readonly retired: readonly ReplicaId[];
  /** Whether the replica had been filled from a peer's snapshot. */
  readonly bootstrapped: boolean;
}

/** What a storage hands back on start: the last compacted state, then the records after it. */
export interface DurableImage<V> {
  readonly state: DurableState<V> | undefined;
  readonly records: readonly DurableRecord<V>[];
}

export function emptyImage<V>(): DurableImage<V> {
  return { state: undefined, records: [] };
}

export function isEmptyImage<V>(image: DurableImage<V>): boolean {
  return image.state === undefined && image.records.length === 0;
}
