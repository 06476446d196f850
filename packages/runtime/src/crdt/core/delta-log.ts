/**
 * Bounded per-origin delta log: the recent key deltas of every origin replica (ours and those we
 * received), indexed by the dots they cover, so anti-entropy can answer "I have seen origin `r` up
 * to seq 40" with exactly the deltas for seqs 41.. instead of a state transfer.
 *
 * Example:
 * ```ts
 * const log = new DeltaLog<string>(1024);
 * log.record(delta);
 * log.collect('gotham#1', 40, 45); // deltas covering seqs 41..45, or undefined if any is gone
 * ```
 *
 * API: `DeltaLog` (`record`, `collect`, `forget`, `window`), `DEFAULT_LOG_PER_ORIGIN`.
 *
 * A delta is indexed under the writes it carries in full (`ops`), never under other dots it
 * merely covers: a put that overwrote write `w` covers `w`'s dot but not what `w` removed, so it
 * cannot stand in for `w`. Per origin only the newest `limit` seqs are kept; older ones are
 * evicted, and a request reaching below that gets `undefined`, which sends anti-entropy to bucket
 * hashes.
 *
 * When not to use: the log is a cache for catch-up, not a journal; nothing relies on it for
 * durability or correctness, only for cheaper repair.
 */
import type { KeyDelta } from './entry.ts';
import type { ReplicaId } from './replica-id.ts';

/**
 * Default seqs kept per origin: 1024. At the app's pace (a write per hero every few seconds) that
 * covers tens of seconds of one node's writes, enough to repair lost pushes and short partitions
 * without touching the state; about 1024 × 250 B = 256 KiB per origin.
 */
export const DEFAULT_LOG_PER_ORIGIN = 1024;

interface OriginLog<V> {
  top: number;
  low: number;
  readonly bySeq: Map<number, KeyDelta<V>>;
}

export class DeltaLog<V> {
  readonly limit: number;
  readonly #origins = new Map<ReplicaId, OriginLog<V>>();

  constructor(limit: number = DEFAULT_LOG_PER_ORIGIN) {
    this.limit = limit;
  }

  record(delta: KeyDelta<V>): void {
    for (const [rep, seq] of delta.ops) this.#index(rep, seq, delta);
  }

  #index(rep: ReplicaId, seq: number, delta: KeyDelta<V>): void {
    if (this.limit === 0) return;
    let log = this.#origins.get(rep);
    if (log === undefined) {
      log = { top: seq, low: Math.max(1, seq - this.limit + 1), bySeq: new Map() };
      this.#origins.set(rep, log);
    }
    if (seq > log.top) {
      log.top = seq;
      const low = Math.max(1, seq - this.limit + 1);
      if (low - log.low > log.bySeq.size) {
        for (const s of [...log.bySeq.keys()]) if (s < low) log.bySeq.delete(s);
      } else {
        for (let s = log.low; s < low; s++) log.bySeq.delete(s);
      }
      log.low = Math.max(log.low, low);
    }
    if (seq < log.low || log.bySeq.has(seq)) return;
    log.bySeq.set(seq, delta);
  }

  /**
   * The distinct deltas covering every seq of `rep` in `(after, upTo]` except those `skip` says
   * the peer has; undefined when one of them is no longer logged.
   */
  collect(
    rep: ReplicaId,
    after: number,
    upTo: number,
    skip: (seq: number) => boolean = () => false,
  ): KeyDelta<V>[] | undefined {
    if (upTo <= after) return [];
    const log = this.#origins.get(rep);
    if (log === undefined || after + 1 < log.low) return undefined;
    const out = new Set<KeyDelta<V>>();
    for (let seq = after + 1; seq <= upTo; seq++) {
      if (skip(seq)) continue;
      const delta = log.bySeq.get(seq);
      if (delta === undefined) return undefined;
      out.add(delta);
    }
    return [...out];
  }

  /** Drop everything of `rep` (it was pruned). */
  forget(rep: ReplicaId): void {
    this.#origins.delete(rep);
  }

  /** Lowest and highest logged seq of `rep`, for tests and metrics. */
  window(rep: ReplicaId): { low: number; top: number; size: number } | undefined {
    const log = this.#origins.get(rep);
    return log === undefined ? undefined : { low: log.low, top: log.top, size: log.bySeq.size };
  }
}
