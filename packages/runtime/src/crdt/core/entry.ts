/**
 * Entries and key deltas of the add-wins LWW map, and the pure functions on them.
 *
 * An entry is one written value, identified by the dot of the write that created it and stamped
 * with that write's HLC time. A key usually holds one entry; it holds several only while
 * concurrent writes are unresolved, and the visible value is the entry with the greatest stamp
 * (`ms`, `lc`, then replica id, then seq).
 *
 * A key delta is the unit of replication: the entries of one key plus the dots it covers
 * (`removed`: dots it has seen that are not among its entries). Its causal context is
 * `dots(entries) ∪ removed`, and every one of those dots belongs to `key`, so joining it touches
 * no other key. That is the fix for delta_crdt_ex #45/#65, where a partial sync was shipped with
 * the sender's whole context and silently deleted keys the message did not mention.
 *
 * `ops` names the writes the delta carries in full (usually one; several after coalescing).
 * Covering a dot is weaker than carrying its write: a put that overwrote write `w` covers `w`'s
 * dot but not what `w` itself removed. Anti-entropy therefore counts a write as delivered only
 * when a delta listing it in `ops` was joined.
 *
 * Example:
 * ```ts
 * const d: KeyDelta<string> = {
 *   key: 'k', entries: [{ rep: 'a#1', seq: 2, ms: 5, lc: 0, value: 'v' }], removed: [['a#1', 1]], ops: [['a#1', 2]],
 * };
 * winnerOf(d.entries)?.value; // 'v'
 * ```
 *
 * API: `Entry`, `KeyDelta`, `compareEntries`, `winnerOf`, `deltaCovers`, `joinKeyDeltas`,
 * `maxStamp`.
 *
 * When not to use: these are plain data and helpers; state lives in `DeltaMap`.
 */
import { dotKey, type Dot, type ReplicaId } from './replica-id.ts';

export interface Entry<V> {
  /** Replica that wrote it (first half of its dot; also the LWW tie-break). */
  readonly rep: ReplicaId;
  /** Seq of the write at that replica (second half of its dot). */
  readonly seq: number;
  /** HLC physical part of the write. */
  readonly ms: number;
  /** HLC logical part of the write. */
  readonly lc: number;
  readonly value: V;
}

export interface KeyDelta<V> {
  readonly key: string;
  readonly entries: readonly Entry<V>[];
  /** Covered dots that carry no entry here: overwritten or deleted writes, and delete events. */
  readonly removed: readonly Dot[];
  /** Writes contained in full (their entries if they survive, and everything they removed). */
  readonly ops: readonly Dot[];
}

/** LWW order among concurrent entries. */
export function compareEntries<V>(a: Entry<V>, b: Entry<V>): number {
  if (a.ms !== b.ms) return a.ms < b.ms ? -1 : 1;
  if (a.lc !== b.lc) return a.lc < b.lc ? -1 : 1;
  if (a.rep !== b.rep) return a.rep < b.rep ? -1 : 1;
  return a.seq - b.seq;
}

export function winnerOf<V>(entries: readonly Entry<V>[]): Entry<V> | undefined {
  let best: Entry<V> | undefined;
  for (const e of entries) if (best === undefined || compareEntries(e, best) > 0) best = e;
  return best;
}

export function deltaCovers<V>(delta: KeyDelta<V>, rep: ReplicaId, seq: number): boolean {
  for (const e of delta.entries) if (e.seq === seq && e.rep === rep) return true;
  for (const [r, s] of delta.removed) if (s === seq && r === rep) return true;
  return false;
}

/**
 * Join of two deltas of the same key (used to coalesce queued deltas):
 * entries `(a ∩ b) ∪ (a \ ctx(b)) ∪ (b \ ctx(a))`, context `ctx(a) ∪ ctx(b)`.
 */
export function joinKeyDeltas<V>(a: KeyDelta<V>, b: KeyDelta<V>): KeyDelta<V> {
  const entries: Entry<V>[] = [];
  const kept = new Set<string>();
  const keep = (e: Entry<V>): void => {
    const k = dotKey(e.rep, e.seq);
    if (kept.has(k)) return;
    kept.add(k);
    entries.push(e);
  };
  for (const e of a.entries) if (!deltaCovers(b, e.rep, e.seq) || hasEntry(b, e)) keep(e);
  for (const e of b.entries) if (!deltaCovers(a, e.rep, e.seq) || hasEntry(a, e)) keep(e);
  const removed: Dot[] = [];
  const seen = new Set<string>(kept);
  const cover = (rep: ReplicaId, seq: number): void => {
    const k = dotKey(rep, seq);
    if (seen.has(k)) return;
    seen.add(k);
    removed.push([rep, seq]);
  };
  for (const d of [a, b]) {
    for (const e of d.entries) cover(e.rep, e.seq);
    for (const [rep, seq] of d.removed) cover(rep, seq);
  }
  const ops = new Map<string, Dot>();
  for (const op of [...a.ops, ...b.ops]) ops.set(dotKey(op[0], op[1]), op);
  return { key: a.key, entries, removed, ops: [...ops.values()] };
}

function hasEntry<V>(d: KeyDelta<V>, e: Entry<V>): boolean {
  return d.entries.some((x) => x.seq === e.seq && x.rep === e.rep);
}

/** Greatest stamp among entries, for the HLC to catch up with (undefined when none). */
export function maxStamp<V>(entries: Iterable<Entry<V>>): { ms: number; lc: number } | undefined {
  let best: { ms: number; lc: number } | undefined;
  for (const e of entries) {
    if (best === undefined || e.ms > best.ms || (e.ms === best.ms && e.lc > best.lc))
      best = { ms: e.ms, lc: e.lc };
  }
  return best;
}
