/**
 * Delta-state add-wins map of LWW registers (an "AWLWW map"): the replicated key-value state of
 * the AP store.
 *
 * - `put(k, v)` issues a new dot, makes `v` the only entry of `k` locally, and returns a delta
 *   that covers the dots it replaced. `delete(k)` issues a dot too (so every local change has a
 *   seq and anti-entropy can see it is missing) and covers the entries it removed.
 * - A join keeps a local entry unless the other side has seen its dot and no longer has it, and
 *   adds a remote entry unless this side has seen its dot already. So a write replaces exactly
 *   what its writer had observed: concurrent writes survive side by side (add-wins), and reads
 *   pick the greatest HLC stamp among them (LWW). Nothing needs a tombstone: the causal context
 *   remembers removed dots, and it compresses to a version vector.
 * - Deltas are per key and carry only that key's dots (see `entry.ts`); a full state carries the
 *   whole context because it carries every key.
 *
 * Example:
 * ```ts
 * const a = new DeltaMap<string>('gotham#1');
 * const d = a.put('hero-1', 'Batman', clock.now(wallMs));
 * const b = new DeltaMap<string>('metropolis#1');
 * b.applyDelta(d);            // { key, before: undefined, after: entry }
 * b.get('hero-1');            // 'Batman'
 * ```
 *
 * API: `DeltaMap` (`put`, `delete`, `get`, `has`, `winner`, `entriesOf`, `entries`, `keys`, `size`,
 * `applyDelta`, `applyScoped`, `joinState`, `unheldSince`, `adoptContext`, `inBuckets`, `toState`, `fromState`,
 * `retire`, `entryCountOf`, `context`, `buckets`), `MapState`, `KeyChange`.
 *
 * When not to use: values are whole registers (no field merging); a read-modify-write on two
 * replicas at once keeps one of the two writes, not both. Use the CP store for that.
 */
import { BucketHashes } from './buckets.ts';
import { CausalContext, type WireContext } from './causal-context.ts';
import { deltaCovers, winnerOf, type Entry, type KeyDelta } from './entry.ts';
import { CrdtStateError } from './errors.ts';
import type { Dot, ReplicaId } from './replica-id.ts';

/** Full state as plain data: keys sorted, entries sorted by dot, the whole context. */
export interface MapState<V> {
  readonly entries: readonly (readonly [string, readonly Entry<V>[]])[];
  readonly ctx: WireContext;
}

/** A key whose visible value changed (`after` undefined: deleted). */
export interface KeyChange<V> {
  readonly key: string;
  readonly before: Entry<V> | undefined;
  readonly after: Entry<V> | undefined;
}

type Covers = (rep: ReplicaId, seq: number) => boolean;

export class DeltaMap<V> {
  readonly replica: ReplicaId;
  readonly context = new CausalContext();
  readonly buckets: BucketHashes;
  readonly #keys = new Map<string, readonly Entry<V>[]>();
  readonly #perOrigin = new Map<ReplicaId, number>();
  /** Keys per bucket, so bucket-scoped joins and snapshots cost O(keys in those buckets). */
  readonly #byBucket: Set<string>[];

  /** `buckets`: bucket count of the anti-entropy hashes; default 256 (see `buckets.ts`). */
  constructor(replica: ReplicaId, options: { buckets?: number } = {}) {
    this.replica = replica;
    this.buckets = new BucketHashes(options.buckets);
    this.#byBucket = Array.from({ length: this.buckets.count }, () => new Set<string>());
  }

  put(key: string, value: V, stamp: { readonly ms: number; readonly lc: number }): KeyDelta<V> {
    const seq = this.#nextSeq();
    const old = this.#keys.get(key) ?? [];
    const entry: Entry<V> = { rep: this.replica, seq, ms: stamp.ms, lc: stamp.lc, value };
    this.#setKey(key, old, [entry]);
    return {
      key,
      entries: [entry],
      removed: old.map((e): Dot => [e.rep, e.seq]),
      ops: [[this.replica, seq]],
    };
  }

  /** Removes `key`; undefined (and no dot used) when it holds nothing. */
  delete(key: string): KeyDelta<V> | undefined {
    const old = this.#keys.get(key);
    if (old === undefined) return undefined;
    const seq = this.#nextSeq();
    this.#setKey(key, old, []);
    const removed: Dot[] = [...old.map((e): Dot => [e.rep, e.seq]), [this.replica, seq]];
    return { key, entries: [], removed, ops: [[this.replica, seq]] };
  }

  #nextSeq(): number {
    const seq = this.context.max(this.replica) + 1;
    this.context.add(this.replica, seq);
    return seq;
  }

  get(key: string): V | undefined {
    return this.winner(key)?.value;
  }

  has(key: string): boolean {
    return this.#keys.has(key);
  }

  winner(key: string): Entry<V> | undefined {
    const entries = this.#keys.get(key);
    return entries === undefined ? undefined : winnerOf(entries);
  }

  /** Every surviving entry of `key` (more than one only while concurrent writes are unresolved). */
  entriesOf(key: string): readonly Entry<V>[] {
    return this.#keys.get(key) ?? [];
  }

  get size(): number {
    return this.#keys.size;
  }

  keys(): IterableIterator<string> {
    return this.#keys.keys();
  }

  /** Visible `[key, value]` pairs, in insertion order of the keys. */
  *entries(): IterableIterator<[string, V]> {
    for (const [key, entries] of this.#keys) {
      const w = winnerOf(entries);
      if (w !== undefined) yield [key, w.value];
    }
  }

  /** Number of surviving entries written by `rep` (pruning needs zero). */
  entryCountOf(rep: ReplicaId): number {
    return this.#perOrigin.get(rep) ?? 0;
  }

  /** Join a key delta. */
  applyDelta(delta: KeyDelta<V>): KeyChange<V> | undefined {
    const change = this.#joinKey(delta.key, delta.entries, (rep, seq) => deltaCovers(delta, rep, seq));
    for (const e of delta.entries) this.context.add(e.rep, e.seq);
    for (const [rep, seq] of delta.removed) this.context.add(rep, seq);
    return change;
  }

  /**
   * Join part of a remote state: the keys in `buckets` (here and there; `'all'` for every key),
   * judged against the remote context `remote`. Only the dots of the adopted entries join our
   * context: the rest of `remote` speaks for keys outside the scope too, and adopting it here
   * would delete them (delta_crdt_ex #65). Call `adoptContext(remote)` once every remote entry is
   * joined.
   */
  applyScoped(
    entries: readonly (readonly [string, readonly Entry<V>[]])[],
    buckets: ReadonlySet<number> | 'all',
    remote: CausalContext,
  ): KeyChange<V>[] {
    const changes: KeyChange<V>[] = [];
    const inScope = (key: string): boolean => buckets === 'all' || buckets.has(this.buckets.bucketOf(key));
    const theirs = new Map<string, readonly Entry<V>[]>();
    for (const [key, list] of entries) if (inScope(key)) theirs.set(key, list);
    const covers: Covers = (rep, seq) => remote.has(rep, seq);
    const ours =
      buckets === 'all'
        ? [...this.#keys.keys()]
        : [...buckets].flatMap((b) => [...(this.#byBucket[b] ?? [])]);
    for (const key of ours) {
      if (theirs.has(key)) continue;
      const change = this.#joinKey(key, [], covers);
      if (change !== undefined) changes.push(change);
    }
    for (const [key, list] of theirs) {
      const change = this.#joinKey(key, list, covers);
      if (change !== undefined) changes.push(change);
      for (const e of list) this.context.add(e.rep, e.seq);
    }
    return changes;
  }

  /**
   * Merge a remote context; only sound once every entry of that remote state has been joined and
   * every entry it removed is gone here (see `unheldSince`).
   */
  adoptContext(remote: WireContext): void {
    this.context.joinWire(remote);
  }

  /**
   * The removals a full join with a remote state would still make here, before its context is
   * adopted: one delta (no entries, no ops) per key, removing the entries that joined since
   * `since` (this context when the remote state was compared with ours), that `remote` has seen,
   * and that the remote state did not hold (`held`).
   *
   * Why: a snapshot speaks for the buckets it names; for the others it relies on their being
   * equal to ours when we sent our hashes. An entry that joined here after that (a late or
   * catch-up delta, a local write) is in no chunk, so no chunk judged it, and the remote state
   * did not hold it: where `remote` covers it, the remote state had removed it. Adopting `remote`
   * over it would leave a value shown that a write the context claims removed. An entry known
   * at `since` was judged by its chunk or is one the remote state held; it is never touched.
   */
  unheldSince(
    since: CausalContext,
    remote: CausalContext,
    held: (rep: ReplicaId, seq: number) => boolean,
  ): KeyDelta<V>[] {
    const out: KeyDelta<V>[] = [];
    for (const [key, list] of this.#keys) {
      const removed: Dot[] = [];
      for (const e of list) {
        if (since.has(e.rep, e.seq) || !remote.has(e.rep, e.seq) || held(e.rep, e.seq)) continue;
        removed.push([e.rep, e.seq]);
      }
      if (removed.length > 0) out.push({ key, entries: [], removed, ops: [] });
    }
    return out;
  }

  /** Full-state join. */
  joinState(state: MapState<V>): KeyChange<V>[] {
    const changes = this.applyScoped(state.entries, 'all', CausalContext.fromWire(state.ctx));
    this.adoptContext(state.ctx);
    return changes;
  }

  /** Keys (with their entries) that fall into one of `buckets`, sorted by key. */
  inBuckets(buckets: ReadonlySet<number>): [string, readonly Entry<V>[]][] {
    const out: [string, readonly Entry<V>[]][] = [];
    for (const b of buckets) {
      for (const key of this.#byBucket[b] ?? []) {
        const list = this.#keys.get(key);
        if (list !== undefined) out.push([key, list]);
      }
    }
    return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  /**
   * Forget `rep` for good: its dots count as seen forever and leave the vector. Refused (false)
   * while an entry written by it survives. See `prune.ts` for when this is safe.
   */
  retire(rep: ReplicaId): boolean {
    if (rep === this.replica || this.entryCountOf(rep) > 0) return false;
    this.context.retire(rep);
    return true;
  }

  toState(): MapState<V> {
    const keys = [...this.#keys.keys()].sort();
    const entries = keys.map((key): readonly [string, readonly Entry<V>[]] => [
      key,
      sortByDot(this.#keys.get(key) ?? []),
    ]);
    return { entries, ctx: this.context.toWire() };
  }

  static fromState<V>(
    replica: ReplicaId,
    state: MapState<V>,
    options: { buckets?: number } = {},
  ): DeltaMap<V> {
    const map = new DeltaMap<V>(replica, options);
    map.adoptContext(state.ctx);
    for (const [key, list] of state.entries) {
      for (const e of list) {
        if (!map.context.has(e.rep, e.seq))
          throw new CrdtStateError(`entry ${e.rep}:${e.seq} of ${key} is outside the context`);
      }
      if (list.length > 0) map.#setKey(key, [], list);
    }
    return map;
  }

  #joinKey(key: string, remote: readonly Entry<V>[], covers: Covers): KeyChange<V> | undefined {
    const local = this.#keys.get(key) ?? [];
    const next: Entry<V>[] = [];
    for (const e of local) if (!covers(e.rep, e.seq) || includes(remote, e)) next.push(e);
    for (const e of remote) if (!this.context.has(e.rep, e.seq) && !includes(local, e)) next.push(e);
    if (next.length === local.length && next.every((e) => includes(local, e))) return undefined;
    this.#setKey(key, local, next);
    const before = winnerOf(local);
    const after = winnerOf(next);
    if (before === after || (before !== undefined && after !== undefined && sameDot(before, after)))
      return undefined;
    return { key, before, after };
  }

  #setKey(key: string, old: readonly Entry<V>[], next: readonly Entry<V>[]): void {
    for (const e of old) {
      if (includes(next, e)) continue;
      this.buckets.remove(key, e.rep, e.seq);
      const n = (this.#perOrigin.get(e.rep) ?? 0) - 1;
      if (n === 0) this.#perOrigin.delete(e.rep);
      else this.#perOrigin.set(e.rep, n);
    }
    for (const e of next) {
      if (includes(old, e)) continue;
      this.buckets.add(key, e.rep, e.seq);
      this.#perOrigin.set(e.rep, (this.#perOrigin.get(e.rep) ?? 0) + 1);
    }
    if (next.length === 0) {
      if (this.#keys.delete(key)) this.#byBucket[this.buckets.bucketOf(key)]?.delete(key);
    } else {
      if (!this.#keys.has(key)) this.#byBucket[this.buckets.bucketOf(key)]?.add(key);
      this.#keys.set(key, next);
    }
  }
}

function sameDot<V>(a: Entry<V>, b: Entry<V>): boolean {
  return a.seq === b.seq && a.rep === b.rep;
}

function includes<V>(list: readonly Entry<V>[], e: Entry<V>): boolean {
  for (const x of list) if (x.seq === e.seq && x.rep === e.rep) return true;
  return false;
}

function sortByDot<V>(list: readonly Entry<V>[]): readonly Entry<V>[] {
  return [...list].sort((a, b) => (a.rep < b.rep ? -1 : a.rep > b.rep ? 1 : a.seq - b.seq));
}
