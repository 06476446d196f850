/**
 * Bucket snapshots: cutting the differing buckets of a state into chunks (sender side) and
 * knowing when every chunk of one snapshot has arrived (receiver side).
 *
 * The requester sends its bucket hashes; the sender cuts, at one instant, every bucket whose hash
 * differs from the requester's, plus its whole context. Each chunk is joined as it arrives, scoped
 * to its buckets. Once all chunks are in, every entry the sender had at the cut has been joined
 * here: the differing buckets by the chunks, the others because they were equal when the
 * requester hashed them, and a state only moves forward. Only then may the requester adopt the
 * sender's context and count the sender's delivered writes as its own (which closes the gaps
 * left by deletes that fell out of the delta log). Entries that joined the requester after it
 * hashed (late deltas, catch-up from a log, its own writes) were judged by no chunk: before
 * adopting, it removes those the sender's context covers and no chunk carried (the sender had
 * removed them; `DeltaMap.unheldSince`), so it never claims a write whose removal it does not show.
 *
 * Example:
 * ```ts
 * const chunks = cutSnapshot(map, applied.toWire(), peerHashes, 7, 2000); // SnapshotMessage[]
 * const tracker = new SnapshotAssembly();
 * const done = tracker.add(from, chunk, nowMs, dotsOfItsEntries);
 * if (done !== undefined) map.unheldSince(ctxWhenHashed, remote, done.held); // then adopt
 * ```
 *
 * API: `cutSnapshot(map, applied, peerHashes, id, maxKeys)`, `SnapshotAssembly` (`add`, `drop`,
 * `expire`), `CompletedSnapshot`.
 *
 * When not to use: chunks of different snapshots (ids) must never be combined for adoption.
 */
import type { WireContext } from './causal-context.ts';
import { packEntries } from './compact.ts';
import type { DeltaMap } from './delta-map.ts';
import type { Entry } from './entry.ts';
import type { SnapshotMessage } from './messages.ts';
import { dotKey, type Dot, type ReplicaId } from './replica-id.ts';

/** Throws `CrdtProtocolError` when the peer uses another bucket count. */
export function cutSnapshot<V>(
  map: DeltaMap<V>,
  applied: WireContext,
  peerHashes: Uint8Array,
  id: number,
  maxKeys: number,
): SnapshotMessage<V>[] {
  const differing = map.buckets.diff(peerHashes);
  const byBucket = new Map<number, [string, readonly Entry<V>[]][]>();
  for (const b of differing) byBucket.set(b, []);
  for (const pair of map.inBuckets(new Set(differing)))
    byBucket.get(map.buckets.bucketOf(pair[0]))?.push(pair);
  const ctx = map.context.toWire();
  const cuts: { buckets: number[]; entries: [string, readonly Entry<V>[]][] }[] = [];
  let current: { buckets: number[]; entries: [string, readonly Entry<V>[]][] } = { buckets: [], entries: [] };
  for (const b of differing) {
    const pairs = byBucket.get(b) ?? [];
    if (current.entries.length > 0 && current.entries.length + pairs.length > maxKeys) {
      cuts.push(current);
      current = { buckets: [], entries: [] };
    }
    current.buckets.push(b);
    current.entries.push(...pairs);
  }
  cuts.push(current);
  return cuts.map((c, index) => {
    const { reps, entries } = packEntries(c.entries);
    return {
      type: 'snapshot',
      id,
      index,
      count: cuts.length,
      buckets: c.buckets,
      reps,
      entries,
      ctx,
      applied,
    };
  });
}

interface Pending {
  readonly id: number;
  readonly count: number;
  readonly received: Set<number>;
  readonly startedMs: number;
  /** Dots of the entries the chunks carried (as far as the caller passed them). */
  readonly held: Set<string>;
}

/** A snapshot whose chunks have all arrived. */
export interface CompletedSnapshot {
  /** Whether a chunk of it carried the entry with this dot (the sender held it at the cut). */
  held(rep: ReplicaId, seq: number): boolean;
}

/** Tracks incoming snapshots per sender; only the newest id of a sender counts. */
export class SnapshotAssembly {
  readonly #pending = new Map<ReplicaId, Pending>();

  /**
   * Record a chunk and the dots of its entries (the caller may leave out dots it knows it will
   * not ask about); the completed snapshot when this was its last chunk (then the context may be
   * adopted), else undefined.
   */
  add<V>(
    from: ReplicaId,
    chunk: SnapshotMessage<V>,
    nowMs: number,
    dots: Iterable<Dot> = [],
  ): CompletedSnapshot | undefined {
    let p = this.#pending.get(from);
    if (p !== undefined && chunk.id < p.id) return undefined;
    if (p === undefined || chunk.id > p.id) {
      p = { id: chunk.id, count: chunk.count, received: new Set(), startedMs: nowMs, held: new Set() };
      this.#pending.set(from, p);
    }
    if (!p.received.has(chunk.index)) for (const [rep, seq] of dots) p.held.add(dotKey(rep, seq));
    p.received.add(chunk.index);
    if (p.received.size < p.count) return undefined;
    this.#pending.delete(from);
    const held = p.held;
    return { held: (rep, seq) => held.has(dotKey(rep, seq)) };
  }

  drop(from: ReplicaId): void {
    this.#pending.delete(from);
  }

  /** Forget snapshots started before `beforeMs` (a chunk was lost; a later round retries). */
  expire(beforeMs: number): void {
    for (const [from, p] of this.#pending) if (p.startedMs < beforeMs) this.#pending.delete(from);
  }
}
