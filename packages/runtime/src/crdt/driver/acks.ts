/**
 * Acknowledgements of pushed writes, for the store's write concern: a peer that joined a push
 * (and wrote it down, see `storage/storage.ts`) answers with an `ack` naming the seqs of the
 * writer's own writes the push carried; the writer's `AckWaits` resolves each wait once enough
 * distinct peers have acked its seq, or when its time runs out.
 *
 * Example:
 * ```ts
 * const waits = new AckWaits();
 * const acked = waits.wait(entry.seq, 1, 1000);   // → number of peers that acked (0 on timeout)
 * waits.ack('metropolis@h:2#7', [entry.seq]);      // on an incoming ack
 * waits.releaseAll();                              // the replica restarted or closed
 * ```
 *
 * When not to use: for replication itself; acks only tell a waiting writer, and a lost ack costs
 * it its timeout, never data (the write is in the replica and reaches peers by anti-entropy).
 */

interface Wait {
  readonly need: number;
  readonly by: Set<string>;
  readonly done: (count: number) => void;
}

export class AckWaits {
  readonly #bySeq = new Map<number, Wait[]>();

  /** Resolves with the count of distinct peers that acked `seq`, once it reaches `need` or at `timeoutMs`. */
  wait(seq: number, need: number, timeoutMs: number): Promise<number> {
    if (need <= 0) return Promise.resolve(0);
    return new Promise((resolve) => {
      const by = new Set<string>();
      const wait: Wait = {
        need,
        by,
        done: (count) => {
          clearTimeout(timer);
          this.#drop(seq, wait);
          resolve(count);
        },
      };
      const timer = setTimeout(() => wait.done(by.size), timeoutMs);
      const list = this.#bySeq.get(seq);
      if (list === undefined) this.#bySeq.set(seq, [wait]);
      else list.push(wait);
    });
  }

  ack(peer: string, seqs: readonly number[]): void {
    for (const seq of seqs) {
      const list = this.#bySeq.get(seq);
      if (list === undefined) continue;
      for (const w of [...list]) {
        w.by.add(peer);
        if (w.by.size >= w.need) w.done(w.by.size);
      }
    }
  }

  /** Resolves every wait with what it has (the replica it waited on is gone). */
  releaseAll(): void {
    for (const list of [...this.#bySeq.values()]) for (const w of [...list]) w.done(w.by.size);
  }

  get size(): number {
    return this.#bySeq.size;
  }

  #drop(seq: number, wait: Wait): void {
    const list = this.#bySeq.get(seq);
    if (list === undefined) return;
    const i = list.indexOf(wait);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.#bySeq.delete(seq);
  }
}
